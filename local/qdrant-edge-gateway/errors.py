"""Errors the gateway answers with, worded and coded the way Qdrant's REST API does.

Qdrant prefixes its messages by kind ("Wrong input: ...", "Not found: ...") and maps the kind
to a status code; clients (and people reading logs) match on both, so we keep them.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


class ApiError(Exception):
    """An error that becomes a Qdrant error envelope with the given HTTP status."""

    status_code: int = 500
    prefix: str = "Service internal error: "

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    @property
    def message(self) -> str:
        return f"{self.prefix}{self.description}"


class BadInput(ApiError):
    status_code = 400
    prefix = "Wrong input: "


class BadRequest(ApiError):
    status_code = 400
    prefix = "Bad request: "


class NotFound(ApiError):
    status_code = 404
    prefix = "Not found: "


class AlreadyExists(ApiError):
    # Qdrant >= 1.8 answers 409 but keeps the "Wrong input" wording of its older 400.
    status_code = 409
    prefix = "Wrong input: "


class Unsupported(ApiError):
    """A valid Qdrant request that the Edge engine (or this gateway) cannot serve."""

    status_code = 400
    prefix = "Bad request: "

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not supported by qdrant-edge-gateway")


class LengthRequired(ApiError):
    status_code = 411
    prefix = "Length required: "


class Unavailable(ApiError):
    status_code = 503
    prefix = "Service unavailable: "


class PayloadTooLarge(ApiError):
    status_code = 413
    prefix = "Payload too large: "


# Substrings of Qdrant Edge exception messages that mean "the caller asked for something
# invalid" rather than "the engine failed". Edge raises plain `Exception` for both, so the
# message is all we have to tell them apart.
_ENGINE_BAD_INPUT_MARKERS = (
    "Vector dimension error",
    "Please create one",  # a missing payload index for order_by or facet
    "Wrong input",
    "Bad request",
    "failed to parse",
    "Not existing vector name",
    "Wrong usage of multi vectors",
)


def from_engine_error(error: Exception) -> ApiError:
    """Classify an exception raised by qdrant_edge into the matching Qdrant API error."""
    text = str(error)
    if isinstance(error, (ValueError, TypeError, OverflowError)):
        return BadInput(text)
    if text.startswith("No point with id"):
        # Qdrant's own wording is "No point with id X found".
        return NotFound(text if text.endswith("found") else f"{text} found")
    if any(marker in text for marker in _ENGINE_BAD_INPUT_MARKERS):
        return BadInput(text)
    return ApiError(text)


@contextmanager
def engine_errors() -> Iterator[None]:
    """Turn exceptions raised inside the block by qdrant_edge into Qdrant API errors."""
    try:
        yield
    except ApiError:
        raise
    except Exception as error:
        raise from_engine_error(error) from None
