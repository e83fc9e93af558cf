"""What an endpoint function receives, and what it may return besides a `result`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from conversions import Json, require_object
from errors import BadInput


@dataclass
class ApiRequest:
    method: str
    path: str
    path_params: dict[str, str]
    query: dict[str, str]
    body: Json

    @property
    def collection_name(self) -> str:
        return self.path_params["collection_name"]

    def body_object(self) -> dict[str, Any]:
        # An empty body on a POST is read as `{}`: every field of those requests is optional.
        return require_object({} if self.body is None else self.body, "request body")

    @property
    def wait(self) -> bool:
        """Qdrant's `?wait=`: false unless given. Writes here always complete before the
        response; this only decides whether we say "completed" or "acknowledged"."""
        value = self.query.get("wait", "false").lower()
        if value not in ("true", "false"):
            raise BadInput("`wait` must be true or false")
        return value == "true"


@dataclass
class RawResponse:
    """A response sent as is, outside Qdrant's {result, status, time} envelope."""

    status: int
    content_type: str
    body: bytes


def update_result(operation_id: int, wait: bool) -> dict[str, Json]:
    return {"operation_id": operation_id, "status": "completed" if wait else "acknowledged"}
