"""Collections on disk: one Qdrant Edge shard per collection, plus the gateway's metadata.

Layout under the data directory:

    <data-dir>/<collection>/shard/            the Edge shard (WAL + segments)
    <data-dir>/<collection>/collection.json   what Edge does not keep for us: the create
                                              request as given, and the payload indexes
    <data-dir>/.staging-<hex>/                a collection being created or deleted; any
                                              left over by a crash is removed at start-up

Creation builds the whole collection in a staging directory and renames it into place, and
deletion renames it out before removing it, so a crash at any point leaves either the whole
collection or none of it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, Optional

import qdrant_edge as qe

from conversions import Json, parse_field_schema
from errors import AlreadyExists, ApiError, BadInput, NotFound, Unavailable, engine_errors
from collection_config import edge_config_from_request

log = logging.getLogger("qdrant-edge-gateway")

SHARD_DIR = "shard"
METADATA_FILE = "collection.json"
STAGING_PREFIX = ".staging-"

# Qdrant's own rule for collection names, plus a leading dot, which we reserve for staging.
_FORBIDDEN_NAME_CHARS = re.compile(r'[<>:"/\\|?*\x00-\x1f]')


def validate_collection_name(name: str) -> None:
    if not 1 <= len(name) <= 255:
        raise BadInput("Collection name must be 1 to 255 characters long")
    if _FORBIDDEN_NAME_CHARS.search(name) or name.startswith(".") or name.strip() != name:
        raise BadInput(
            f"Collection name `{name}` must not contain <>:\"/\\|?* or control characters, "
            "start with a dot or have surrounding spaces"
        )


@dataclass
class CollectionMetadata:
    name: str
    created_at: str
    # The create request as the client sent it (minus unknown keys), echoed by collection info.
    create_request: dict[str, Json]
    # field name -> field_schema as the client sent it (a type name or an object).
    payload_indexes: dict[str, Json] = field(default_factory=dict)

    @staticmethod
    def read(path: Path) -> "CollectionMetadata":
        data = json.loads(path.read_text(encoding="utf-8"))
        return CollectionMetadata(**data)

    def write(self, path: Path) -> None:
        write_file_durably(path, json.dumps(asdict(self), indent=2).encode("utf-8"))


def write_file_durably(path: Path, content: bytes) -> None:
    """Replace `path` atomically and make both the file and its directory entry durable."""
    temporary = path.with_name(f"{path.name}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    fsync_directory(path.parent)


def fsync_directory(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class ReadWriteLock:
    """Many holders of the shared side, or one of the exclusive side (writer-preferring)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            while self._writer or self._writers_waiting:
                self._condition.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                if self._readers == 0:
                    self._condition.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._condition:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._condition.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._condition:
                self._writer = False
                self._condition.notify_all()


class Collection:
    """An open Edge shard and the locks that make it safe to share between request threads.

    Edge serves concurrent reads and writes itself (measured: queries and upserts proceed
    while another thread writes), so requests only take the shared side of `_lifecycle`;
    the exclusive side is for closing the shard. Updates are applied one at a time under
    `_write_mutex`, which also numbers them; making them durable is a separate step under
    `_flush_mutex`, so that writers arriving together share one flush (group commit).
    """

    def __init__(self, path: Path, metadata: CollectionMetadata, shard: qe.EdgeShard,
                 flush_each_write: bool) -> None:
        self.path = path
        self.metadata = metadata
        self._shard = shard
        self._flush_each_write = flush_each_write
        self._lifecycle = ReadWriteLock()
        self._write_mutex = threading.Lock()
        self._flush_mutex = threading.Lock()
        self._closed_error: Optional[ApiError] = None  # what requests get once closed
        self._operation_id = 0  # id of the last applied write; counts from 0 in each process
        self._flushed_through = 0  # every write up to this id is on disk
        self._optimized_through = 0  # operation id the last optimize() started after
        self._last_write_at = 0.0  # time.monotonic() of the last write

    @property
    def name(self) -> str:
        return self.metadata.name

    @contextmanager
    def reading(self) -> Iterator[qe.EdgeShard]:
        with self._lifecycle.shared():
            self._ensure_open()
            yield self._shard

    def write(self, operation: qe.UpdateOperation) -> int:
        """Apply one update and, unless disabled, make it durable. Returns its operation id."""
        with self._lifecycle.shared():
            self._ensure_open()
            with self._write_mutex, engine_errors():
                self._shard.update(operation)
                self._operation_id += 1
                operation_id = self._operation_id
                self._last_write_at = time.monotonic()
            if self._flush_each_write:
                self._flush_through(operation_id)
            return operation_id

    def _flush_through(self, operation_id: int) -> None:
        # update() appends to Edge's WAL, an mmap it does not msync: that survives the
        # process being killed, not the machine losing power. flush() syncs WAL and segments.
        with self._flush_mutex:
            if self._flushed_through >= operation_id:
                return  # a flush that started after our update already covered it
            applied = self._operation_id
            with engine_errors():
                self._shard.flush()
            self._flushed_through = applied

    def flush_pending(self) -> None:
        """Flush writes not yet flushed (used when writes are not flushed one by one)."""
        with self._lifecycle.shared():
            if self._closed_error is None and self._flushed_through < self._operation_id:
                self._flush_through(self._operation_id)

    def save_payload_index(self, field_name: str, schema: Optional[Json]) -> None:
        """Record (schema) or forget (None) a payload index in collection.json."""
        with self._write_mutex:
            if schema is None:
                self.metadata.payload_indexes.pop(field_name, None)
            else:
                self.metadata.payload_indexes[field_name] = schema
            self.metadata.write(self.path / METADATA_FILE)

    def needs_optimization(self, idle_seconds: float) -> bool:
        """Written to since the last optimize(), and not for `idle_seconds`."""
        return (self._operation_id > self._optimized_through
                and time.monotonic() - self._last_write_at >= idle_seconds)

    def optimize(self) -> bool:
        """Run Edge's optimizers (vacuum, merge, HNSW build), then flush their result.

        Flushing matters: after a crash, an optimised-but-unflushed shard reloads with the
        replaced segment still on disk and over-reports its point count until re-optimised.
        """
        with self.reading() as shard:
            covered = self._operation_id
            changed = shard.optimize()
            with self._flush_mutex:
                shard.flush()
            self._optimized_through = covered
            return changed

    def close(self, error_for_later_requests: ApiError) -> None:
        """Wait for in-flight requests, flush and close the shard. Idempotent."""
        with self._lifecycle.exclusive():
            if self._closed_error is not None:
                return
            self._closed_error = error_for_later_requests
            with self._flush_mutex:
                self._shard.flush()
                self._shard.close()

    def _ensure_open(self) -> None:
        if self._closed_error is not None:
            # A fresh instance per request: one exception object shared by threads would
            # accumulate their tracebacks.
            raise type(self._closed_error)(self._closed_error.description)


class CollectionRegistry:
    """All collections of one data directory, loaded at start-up and kept open."""

    def __init__(self, data_dir: Path, flush_each_write: bool = True) -> None:
        # Absolute, because Edge keeps the path it opened a shard with.
        self.data_dir = data_dir.absolute()
        self._flush_each_write = flush_each_write
        self._collections: dict[str, Collection] = {}
        # Guards creation and deletion only; lookups read the dict without it.
        self._mutation_lock = threading.Lock()
        self._closing = False

    # --- start-up ------------------------------------------------------------------------

    def load_all(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for entry in sorted(self.data_dir.iterdir()):
            if entry.name.startswith(STAGING_PREFIX):
                log.warning("removing %s left over by an interrupted create/delete", entry.name)
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.is_dir() and (entry / METADATA_FILE).is_file():
                collection = self._open(entry)
                self._collections[collection.name] = collection
        log.info("loaded %d collection(s) from %s", len(self._collections), self.data_dir)

    def _open(self, path: Path) -> Collection:
        metadata = CollectionMetadata.read(path / METADATA_FILE)
        shard = qe.EdgeShard.load(str(path / SHARD_DIR))
        self._restore_payload_indexes(shard, metadata)
        return Collection(path, metadata, shard, self._flush_each_write)

    @staticmethod
    def _restore_payload_indexes(shard: qe.EdgeShard, metadata: CollectionMetadata) -> None:
        # Edge keeps payload indexes inside its segments; collection.json is our record of
        # what the client asked for, so re-create any index the shard does not report.
        present = shard.info().payload_schema
        for field_name, schema in metadata.payload_indexes.items():
            if field_name not in present:
                log.warning("re-creating payload index %s.%s", metadata.name, field_name)
                shard.update(qe.UpdateOperation.create_field_index(field_name, parse_field_schema(schema)))
        shard.flush()

    # --- lookups -------------------------------------------------------------------------

    def names(self) -> list[str]:
        return sorted(self._collections)

    def exists(self, name: str) -> bool:
        return name in self._collections

    def get(self, name: str) -> Collection:
        if self._closing:
            raise Unavailable("the gateway is shutting down")
        collection = self._collections.get(name)
        if collection is None:
            raise NotFound(f"Collection `{name}` doesn't exist!")
        return collection

    def all(self) -> list[Collection]:
        return list(self._collections.values())

    # --- creation and deletion -----------------------------------------------------------

    def create(self, name: str, request: dict[str, Json]) -> None:
        validate_collection_name(name)
        with engine_errors():
            config = edge_config_from_request(request)
        with self._mutation_lock, engine_errors():
            if self._closing:
                raise Unavailable("the gateway is shutting down")
            if name in self._collections:
                raise AlreadyExists(f"Collection `{name}` already exists!")
            final_path = self.data_dir / name
            if final_path.exists():
                raise ApiError(f"{final_path} exists but is not a loaded collection")
            metadata = CollectionMetadata(
                name=name,
                created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                create_request=request,
            )
            self._build_in_staging(config, metadata, final_path)
            self._collections[name] = self._open(final_path)

    def _build_in_staging(self, config: qe.EdgeConfig, metadata: CollectionMetadata,
                          final_path: Path) -> None:
        staging = self.data_dir / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            # Edge keeps the shard's path, so the shard is closed before the rename and
            # reopened at its final place.
            shard = qe.EdgeShard.create(str(staging / SHARD_DIR), config)
            shard.flush()
            shard.close()
            metadata.write(staging / METADATA_FILE)
            os.rename(staging, final_path)
            fsync_directory(self.data_dir)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def delete(self, name: str) -> bool:
        """Drop a collection. False if there was none, as Qdrant answers."""
        with self._mutation_lock:
            if self._closing:
                raise Unavailable("the gateway is shutting down")
            collection = self._collections.pop(name, None)
            if collection is None:
                return False
            collection.close(NotFound(f"Collection `{name}` doesn't exist!"))
            doomed = self.data_dir / f"{STAGING_PREFIX}{uuid.uuid4().hex}"
            os.rename(collection.path, doomed)
            fsync_directory(self.data_dir)
        shutil.rmtree(doomed, ignore_errors=True)
        return True

    # --- shutdown ------------------------------------------------------------------------

    def close_all(self) -> None:
        """Refuse new requests, let in-flight ones finish, flush and close every shard."""
        with self._mutation_lock:
            self._closing = True
            for collection in self._collections.values():
                try:
                    collection.close(Unavailable("the gateway is shutting down"))
                except Exception:
                    log.exception("closing collection %s failed", collection.name)

