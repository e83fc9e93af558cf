"""Attacks on the request framing: a request must be refused from its headers alone, before
the gateway reads (or waits for) a body, and without the API key nothing is read at all."""

from __future__ import annotations

import socket
import time

from conftest import API_KEY

# Long enough for a loaded machine, far shorter than "read until the client hangs up".
ANSWER_WITHIN_S = 3.0


def raw_request(host: str, port: int, head: str, body: bytes = b"") -> tuple[int, bytes, float]:
    """Sends `head` (+ `body`) and keeps the connection open: a server that waits for EOF or
    for more body bytes times out here instead of answering."""
    started = time.monotonic()
    with socket.create_connection((host, port), timeout=ANSWER_WITHIN_S) as conn:
        conn.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        received = b""
        try:
            while b"\r\n\r\n" not in received:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                received += chunk
        except socket.timeout:
            return 0, received, time.monotonic() - started
    status = int(received.split(b" ", 2)[1]) if received.startswith(b"HTTP/") else 0
    return status, received, time.monotonic() - started


def test_negative_content_length_is_refused_without_reading(gateway) -> None:
    host, port, registry = gateway
    status, _, elapsed = raw_request(
        host, port,
        f"PUT /collections/victim HTTP/1.1\nHost: x\napi-key: {API_KEY}\nContent-Length: -1\n",
        b'{"vectors": {"size": 4, "distance": "Cosine"}}')
    assert status == 400
    assert elapsed < ANSWER_WITHIN_S
    assert not registry.exists("victim")


def test_negative_content_length_without_key_is_unauthorised(gateway) -> None:
    host, port, registry = gateway
    status, _, _ = raw_request(host, port, "PUT /collections/victim HTTP/1.1\nHost: x\nContent-Length: -1\n",
                               b'{"vectors": {"size": 4, "distance": "Cosine"}}')
    assert status == 401
    assert not registry.exists("victim")


def test_api_key_is_checked_before_any_body_byte_is_read(gateway) -> None:
    host, port, registry = gateway
    # Announces a body it never sends: a server reading first would wait for it.
    status, _, elapsed = raw_request(host, port, "PUT /collections/victim HTTP/1.1\nHost: x\nContent-Length: 1000\n")
    assert status == 401
    assert elapsed < ANSWER_WITHIN_S
    assert not registry.exists("victim")


def test_wrong_api_key_is_unauthorised(gateway) -> None:
    host, port, registry = gateway
    body = b'{"vectors": {"size": 4, "distance": "Cosine"}}'
    status, _, _ = raw_request(host, port, f"PUT /collections/victim HTTP/1.1\nHost: x\napi-key: nope\nContent-Length: {len(body)}\n", body)
    assert status == 401
    assert not registry.exists("victim")


def test_missing_length_on_a_write_is_411(gateway) -> None:
    host, port, registry = gateway
    status, _, elapsed = raw_request(host, port, f"PUT /collections/victim HTTP/1.1\nHost: x\napi-key: {API_KEY}\n",
                                     b'{"vectors": {"size": 4, "distance": "Cosine"}}')
    assert status == 411
    assert elapsed < ANSWER_WITHIN_S
    assert not registry.exists("victim")


def test_oversized_length_is_413_before_reading(gateway) -> None:
    host, port, registry = gateway
    status, _, elapsed = raw_request(
        host, port, f"PUT /collections/victim HTTP/1.1\nHost: x\napi-key: {API_KEY}\nContent-Length: {64 * 1024 * 1024}\n")
    assert status == 413
    assert elapsed < ANSWER_WITHIN_S
    assert not registry.exists("victim")


def test_negative_chunk_size_is_refused(gateway) -> None:
    host, port, registry = gateway
    status, _, elapsed = raw_request(
        host, port, f"PUT /collections/victim HTTP/1.1\nHost: x\napi-key: {API_KEY}\nTransfer-Encoding: chunked\n",
        b"-1\r\n" + b'{"vectors": {"size": 4, "distance": "Cosine"}}')
    assert status == 400
    assert elapsed < ANSWER_WITHIN_S
    assert not registry.exists("victim")


def test_oversized_chunked_body_is_413(gateway) -> None:
    host, port, registry = gateway
    status, _, elapsed = raw_request(
        host, port, f"PUT /collections/victim HTTP/1.1\nHost: x\napi-key: {API_KEY}\nTransfer-Encoding: chunked\n",
        f"{64 * 1024 * 1024:x}\r\n".encode())
    assert status == 413
    assert elapsed < ANSWER_WITHIN_S
    assert not registry.exists("victim")


def test_well_formed_requests_still_work(gateway) -> None:
    host, port, registry = gateway
    body = b'{"vectors": {"size": 4, "distance": "Cosine"}}'
    status, _, _ = raw_request(host, port, f"PUT /collections/ok HTTP/1.1\nHost: x\napi-key: {API_KEY}\nContent-Length: {len(body)}\n", body)
    assert status == 200
    assert registry.exists("ok")
    chunked = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    status, _, _ = raw_request(host, port, f"PUT /collections/ok2 HTTP/1.1\nHost: x\napi-key: {API_KEY}\nTransfer-Encoding: chunked\n", chunked)
    assert status == 200
    assert registry.exists("ok2")
    # Reads without a body need no length.
    status, _, _ = raw_request(host, port, f"GET /collections HTTP/1.1\nHost: x\napi-key: {API_KEY}\n")
    assert status == 200
