"""The HTTP side: routing, API-key check, JSON bodies, Qdrant's response envelope, one log
line per request."""

from __future__ import annotations

import hmac
import json
import logging
import re
import socket
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional
from urllib.parse import parse_qsl, unquote, urlsplit

import collection_endpoints as collections
import point_endpoints as points
from api_request import ApiRequest, RawResponse
from conversions import Json
from errors import ApiError, BadInput, LengthRequired, NotFound, PayloadTooLarge, from_engine_error
from registry import CollectionRegistry

log = logging.getLogger("qdrant-edge-gateway")

# Qdrant's default `service.max_request_size_mb`.
MAX_REQUEST_BYTES = 32 * 1024 * 1024
# Keep-alive connections idle this long are dropped, so idle clients do not pin threads.
IDLE_CONNECTION_TIMEOUT_S = 120
# Paths Qdrant serves without an API key.
_OPEN_PATHS = ("/", "/healthz")
_OPEN_PREFIXES = ("/readyz", "/livez")
# Methods whose requests carry a body, and so must say how long it is.
_BODY_METHODS = ("POST", "PUT", "PATCH")
_DECIMAL = re.compile(r"[0-9]{1,20}")
_HEX = re.compile(rb"[0-9a-fA-F]{1,16}")

Endpoint = Callable[[CollectionRegistry, ApiRequest], Any]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    endpoint: Endpoint


def route(method: str, template: str, endpoint: Endpoint) -> Route:
    """`/collections/{collection_name}` -> a regex with one named group per `{param}`."""
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return Route(method, re.compile(f"^{regex}$"), endpoint)


_COLLECTION = "/collections/{collection_name}"
_POINTS = f"{_COLLECTION}/points"

# Only what Sluice calls (lib/, services/, bench/, the contract test): every route is attack
# surface, so one nobody uses is removed rather than kept "for completeness".
ROUTES: list[Route] = [
    route("GET", "/", collections.root),
    route("GET", "/healthz", collections.healthz),
    route("GET", "/livez", collections.healthz),
    route("GET", "/readyz", collections.readyz),
    route("GET", "/collections", collections.list_collections),
    route("GET", _COLLECTION, collections.get_collection),
    route("PUT", _COLLECTION, collections.create_collection),
    route("DELETE", _COLLECTION, collections.delete_collection),
    route("GET", f"{_COLLECTION}/exists", collections.collection_exists),
    route("PUT", f"{_COLLECTION}/index", collections.create_payload_index),
    route("PUT", _POINTS, points.upsert_points),
    route("POST", f"{_POINTS}/delete", points.delete_points),
    route("POST", f"{_POINTS}/scroll", points.scroll_points),
    route("POST", f"{_POINTS}/count", points.count_points),
    route("POST", f"{_POINTS}/query", points.query_points),
]


def match_route(method: str, path: str) -> tuple[Route, dict[str, str]]:
    for candidate in ROUTES:
        found = candidate.pattern.match(path)
        if found and candidate.method == method:
            return candidate, {name: unquote(value) for name, value in found.groupdict().items()}
    raise NotFound(f"{method} {path} is not an endpoint of qdrant-edge-gateway")


def decode_json_body(raw: bytes) -> Json:
    if not raw.strip():
        return None
    try:
        # NaN / Infinity are not JSON; Python accepts them unless told not to.
        return json.loads(raw, parse_constant=_reject_json_constant)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadInput(f"Format error in JSON body: {error}") from None


def _reject_json_constant(name: str) -> None:
    raise ValueError(f"{name} is not a valid JSON value")


class GatewayHTTPServer(ThreadingHTTPServer):
    daemon_threads = True  # idle keep-alive connections must not block shutdown
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], registry: CollectionRegistry,
                 api_key: Optional[str]) -> None:
        self.registry = registry
        self.api_key = api_key or None
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, GatewayRequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Only connection-level failures get here (a client hanging up mid-response, say):
        # request errors are answered, and logged, by the handler itself.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class GatewayRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "qdrant-edge-gateway"
    sys_version = ""
    timeout = IDLE_CONNECTION_TIMEOUT_S
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK and every response takes ~40 ms longer.
    disable_nagle_algorithm = True
    server: GatewayHTTPServer

    def do_GET(self) -> None:
        self._serve()

    do_PUT = do_POST = do_DELETE = do_PATCH = do_GET

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass  # _serve logs one line per request itself

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http: " + format, *args)

    def _serve(self) -> None:
        started = time.perf_counter()
        self._failure = ""  # set for 5xx answers, appended to the request's log line
        status = 500
        try:
            status = self._respond(started)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            # One line per request, never with bodies (payloads are users' documents).
            log.info("%s %s %d %.1fms%s", self.command, urlsplit(self.path).path, status,
                     elapsed_ms, self._failure)

    def _respond(self, started: float) -> int:
        url = urlsplit(self.path)
        try:
            # Everything that can be decided from the headers is decided before a body byte is
            # read: an unauthenticated or malformed request must not make us read (or wait for)
            # what it sends. Refusing early leaves the body unread, so the connection is closed.
            auth_error = self._auth_error(url.path)
            if auth_error is not None:
                self.close_connection = True
                return self._send(401, "text/plain; charset=utf-8", auth_error.encode())
            length = self._declared_length()
            raw_body = self._read_chunked_body() if length is None else self.rfile.read(length)
            matched, path_params = match_route(self.command, url.path)
            request = ApiRequest(self.command, url.path, path_params,
                                 dict(parse_qsl(url.query)), decode_json_body(raw_body))
            result = matched.endpoint(self.server.registry, request)
        except ApiError as error:
            return self._send_error(error, started)
        except Exception as error:
            api_error = from_engine_error(error)
            if api_error.status_code >= 500:
                self._failure = f" error: {type(error).__name__}: {error}"
                log.debug("traceback of %s %s", self.command, url.path, exc_info=True)
            return self._send_error(api_error, started)
        if isinstance(result, RawResponse):
            return self._send(result.status, result.content_type, result.body)
        return self._send_json(200, {"result": result, "status": "ok", "time": _since(started)})

    def _auth_error(self, path: str) -> Optional[str]:
        expected = self.server.api_key
        if expected is None or path in _OPEN_PATHS or path.startswith(_OPEN_PREFIXES):
            return None
        presented = self.headers.get("api-key")
        authorization = self.headers.get("authorization", "")
        if presented is None and authorization.startswith("Bearer "):
            presented = authorization[len("Bearer "):]
        if presented is None:
            return "Must provide an API key or an Authorization bearer token"
        if not hmac.compare_digest(presented.encode(), expected.encode()):
            return "Invalid API key or JWT"
        return None

    # --- request body ------------------------------------------------------------------

    def _declared_length(self) -> Optional[int]:
        """The body length the headers announce, None for a chunked body. A negative length
        would make `rfile.read` read until EOF, past the size cap, so it is refused; a write
        without any length is refused (411) rather than read as empty."""
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            return None
        declared = self.headers.get("content-length")
        if declared is None:
            if self.command in _BODY_METHODS:
                self.close_connection = True
                raise LengthRequired(f"{self.command} needs a Content-Length or a chunked body")
            return 0
        if not _DECIMAL.fullmatch(declared.strip()):
            self.close_connection = True
            raise BadInput("invalid Content-Length")
        length = int(declared)
        self._check_size(length)
        return length

    def _read_chunked_body(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024)
            size_text = size_line.split(b";", 1)[0].strip()
            # int(x, 16) would also take "-1", "+1", "0x10" and "1_0"; HTTP allows hex digits only.
            if not _HEX.fullmatch(size_text):
                self.close_connection = True
                raise BadInput("malformed chunked body")
            size = int(size_text, 16)
            total += size
            self._check_size(total)
            if size == 0:
                break
            chunks.append(self.rfile.read(size))
            self.rfile.readline(8)  # the CRLF after each chunk
        while self.rfile.readline(1024).strip():
            pass  # trailer headers, if any
        return b"".join(chunks)

    def _check_size(self, length: int) -> None:
        if length > MAX_REQUEST_BYTES:
            self.close_connection = True  # the rest of the body is never read
            raise PayloadTooLarge(f"request body over {MAX_REQUEST_BYTES} bytes")

    # --- responses -----------------------------------------------------------------------

    def _send_error(self, error: ApiError, started: float) -> int:
        return self._send_json(error.status_code,
                               {"status": {"error": error.message}, "time": _since(started)})

    def _send_json(self, status: int, body: Json) -> int:
        encoded = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return self._send(status, "application/json", encoded)

    def _send(self, status: int, content_type: str, body: bytes) -> int:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return status


def _since(started: float) -> float:
    return time.perf_counter() - started
