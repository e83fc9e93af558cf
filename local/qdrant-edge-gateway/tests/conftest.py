"""Shared fixtures: a real gateway (HTTP server + Edge shards) on a free port, in this process."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from http_api import GatewayHTTPServer  # noqa: E402
from registry import CollectionRegistry  # noqa: E402

API_KEY = "gateway-test-key-3f9a"


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[tuple[str, int, CollectionRegistry]]:
    registry = CollectionRegistry(tmp_path / "data")
    registry.load_all()
    server = GatewayHTTPServer(("127.0.0.1", 0), registry, API_KEY)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield host, port, registry
    finally:
        server.shutdown()
        server.server_close()
        registry.close_all()
