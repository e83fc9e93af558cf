#!/usr/bin/env python3
"""Upsert throughput against a running gateway (or any Qdrant): N random points of D
dimensions in batches of B, each batch `wait=true`, into a throw-away collection.

    python bench_upsert.py --url http://127.0.0.1:6333 [--points 1000] [--dim 384] [--batch 256]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import time
import uuid
from typing import Any
from urllib.parse import urlsplit


def request(connection: http.client.HTTPConnection, method: str, path: str,
            body: Any = None, api_key: str = "") -> Any:
    headers = {"content-type": "application/json"}
    if api_key:
        headers["api-key"] = api_key
    connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
    response = connection.getresponse()
    payload = response.read()
    if response.status != 200:
        raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
    return json.loads(payload)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:6333")
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    api_key = os.environ.get("QDRANT_API_KEY", "")

    url = urlsplit(args.url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 6333)
    collection = f"bench_{uuid.uuid4().hex[:8]}"
    request(connection, "PUT", f"/collections/{collection}",
            {"vectors": {"size": args.dim, "distance": "Cosine"}}, api_key)
    try:
        points = [
            {"id": str(uuid.uuid4()), "vector": [random.uniform(-1, 1) for _ in range(args.dim)],
             "payload": {"doc_id": f"doc-{i // 20}", "chunk_index": i % 20, "text": "x" * 800}}
            for i in range(args.points)
        ]
        started = time.perf_counter()
        for start in range(0, len(points), args.batch):
            request(connection, "PUT", f"/collections/{collection}/points?wait=true",
                    {"points": points[start:start + args.batch]}, api_key)
        elapsed = time.perf_counter() - started
        count = request(connection, "POST", f"/collections/{collection}/points/count",
                        {"exact": True}, api_key)["result"]["count"]
        print(f"{args.points} points x {args.dim} dims, batches of {args.batch}: {elapsed:.3f}s, "
              f"{args.points / elapsed:.0f} points/s (count {count})")
    finally:
        request(connection, "DELETE", f"/collections/{collection}", None, api_key)


if __name__ == "__main__":
    main()
