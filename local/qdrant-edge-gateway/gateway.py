#!/usr/bin/env python3
"""qdrant-edge-gateway: the subset of Qdrant's REST API that Sluice uses, served from
Qdrant Edge shards (PyPI `qdrant-edge-py`) in this process. No Qdrant server needed.

    python gateway.py --data-dir DIR [--host 127.0.0.1] [--port 6333]

Prints `qdrant-edge-gateway listening on http://HOST:PORT` on stdout once every collection is
loaded and the port is open (`--port 0` picks a free port). Logs to stderr, one line per
request. SIGTERM or SIGINT: stop accepting, finish in-flight requests, flush, exit 0.
Environment: QDRANT_GATEWAY_PORT, SLUICE_BIND (defaults for --port / --host),
QDRANT_GATEWAY_OPTIMIZE_IDLE_SECONDS (default for --optimize-idle-seconds), QDRANT_API_KEY
(if non-empty, required in the `api-key` header), LOG_LEVEL. See README.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Optional

from http_api import GatewayHTTPServer
from maintenance import BackgroundMaintenance
from registry import CollectionRegistry

log = logging.getLogger("qdrant-edge-gateway")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", required=True, type=Path,
                        help="directory holding one sub-directory per collection")
    parser.add_argument("--host", default=os.environ.get("SLUICE_BIND") or "127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("QDRANT_GATEWAY_PORT") or 6333),
                        help="0 picks a free port")
    parser.add_argument("--no-flush", action="store_true",
                        help="do not flush after each write but once a second: acknowledged "
                             "writes then survive the process dying (WAL), not a power loss")
    parser.add_argument("--optimize-idle-seconds", type=float,
                        default=float(os.environ.get("QDRANT_GATEWAY_OPTIMIZE_IDLE_SECONDS") or 0),
                        help="optimize (vacuum, HNSW) a collection once it has been idle this "
                             "long; 0 (default) never. Requests stall while it runs")
    return parser.parse_args(argv)


def configure_logging() -> None:
    level_name = (os.environ.get("LOG_LEVEL") or "info").upper()
    level_name = {"WARN": "WARNING", "FATAL": "CRITICAL", "TRACE": "DEBUG"}.get(level_name, level_name)
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level_name, logging.INFO),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")


def install_stop_signals() -> threading.Event:
    stop_requested = threading.Event()

    def request_stop(signal_number: int, frame: Optional[FrameType]) -> None:
        stop_requested.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    return stop_requested


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    configure_logging()
    stop_requested = install_stop_signals()

    registry = CollectionRegistry(args.data_dir, flush_each_write=not args.no_flush)
    registry.load_all()
    server = GatewayHTTPServer((args.host, args.port), registry, os.environ.get("QDRANT_API_KEY"))
    host, port = server.server_address[:2]
    maintenance = BackgroundMaintenance(registry, flush_periodically=args.no_flush,
                                        optimize_idle_seconds=args.optimize_idle_seconds)
    if maintenance.has_work:
        maintenance.start()

    # serve_forever runs on a thread so that the main thread is free to receive signals;
    # shutdown() must not be called from the thread running serve_forever.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="http",
                     daemon=True).start()
    print(f"qdrant-edge-gateway listening on http://{host}:{port}", flush=True)

    stop_requested.wait()  # lock waits are interrupted by signals, so this wakes on SIGTERM
    log.info("stopping: finishing in-flight requests and flushing")
    server.shutdown()
    server.server_close()
    maintenance.stop()
    registry.close_all()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
