"""Background upkeep of open collections: periodic flushes and optional idle optimisation.

Periodic flush: only needed with --no-flush. Edge truncates its WAL only on flush, so
without one the WAL (and the replay at the next start) would grow without bound.

Idle optimisation: Qdrant Edge never optimises on its own, so without `optimize()` a
collection stays one growing appendable segment, searched by brute force, and deleted
points are never vacuumed. But `EdgeShard.optimize()` holds Python's GIL for its whole run
(measured: 6 s for 20k 384-d points, during which no other thread of this process ran), so
every request stalls while it works. It is therefore off by default and, when enabled, runs
only on a collection that has had no write for `optimize_idle_seconds`.
"""

from __future__ import annotations

import logging
import threading
import time

from registry import Collection, CollectionRegistry

log = logging.getLogger("qdrant-edge-gateway")

_POLL_INTERVAL_S = 1.0


class BackgroundMaintenance(threading.Thread):
    def __init__(self, registry: CollectionRegistry, flush_periodically: bool,
                 optimize_idle_seconds: float) -> None:
        super().__init__(name="maintenance", daemon=True)
        self._registry = registry
        self._flush_periodically = flush_periodically
        self._optimize_idle_seconds = optimize_idle_seconds
        self._stopped = threading.Event()

    @property
    def has_work(self) -> bool:
        return self._flush_periodically or self._optimize_idle_seconds > 0

    def stop(self) -> None:
        self._stopped.set()

    def run(self) -> None:
        while not self._stopped.wait(_POLL_INTERVAL_S):
            for collection in self._registry.all():
                if self._stopped.is_set():
                    return
                self._look_after(collection)

    def _look_after(self, collection: Collection) -> None:
        try:
            if self._flush_periodically:
                collection.flush_pending()
            if self._optimize_idle_seconds > 0 and collection.needs_optimization(self._optimize_idle_seconds):
                started = time.perf_counter()
                changed = collection.optimize()
                log.info("optimized %s in %.1fs (changed: %s)", collection.name,
                         time.perf_counter() - started, changed)
        except Exception:
            # A collection deleted meanwhile ends up here too; the next round skips it.
            log.debug("maintenance of %s failed", collection.name, exc_info=True)
