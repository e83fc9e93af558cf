"""Collection aliases, as Qdrant has them: another name for a collection, moved atomically.

    POST /collections/aliases   {"actions": [{"create_alias": {"collection_name", "alias_name"}},
                                             {"delete_alias": {"alias_name"}},
                                             {"rename_alias": {"old_alias_name", "new_alias_name"}}]}
    GET  /aliases                                 every alias
    GET  /collections/{collection_name}/aliases   the aliases of one collection

Every route that takes a collection name also takes an alias (the registry resolves it), as
in Qdrant; a collection cannot be created under a name an alias holds, nor an alias under a
collection's name; deleting a collection removes its aliases; deleting by an alias name
deletes nothing.

One request's actions are checked together and applied all or none, by replacing the whole
mapping at once: a request resolving a name during a swap sees the old target or the new one.
The mapping is kept in `<data-dir>/aliases.json`, written durably before the answer.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Callable, Mapping

from api_request import ApiRequest
from conversions import Json, require_list, require_object
from errors import AlreadyExists, BadInput, NotFound

ALIASES_FILE = "aliases.json"


class AliasTable:
    """alias name -> collection name, persisted; reads never take the lock."""

    def __init__(self, data_dir: Path, write_durably: Callable[[Path, bytes], None]) -> None:
        self._path = data_dir / ALIASES_FILE
        self._write_durably = write_durably
        self._lock = threading.Lock()
        self._mapping: dict[str, str] = {}

    def load(self, collection_names: set[str]) -> None:
        if self._path.is_file():
            stored = json.loads(self._path.read_text(encoding="utf-8"))
            # An alias of a collection deleted while the file was not rewritten (a crash) goes.
            self._mapping = {a: c for a, c in stored.items() if c in collection_names}

    def resolve(self, name: str) -> str | None:
        return self._mapping.get(name)

    def holds(self, name: str) -> bool:
        return name in self._mapping

    def items(self) -> list[tuple[str, str]]:
        return sorted(self._mapping.items())

    def apply(self, actions: list[Mapping[str, Any]], has_collection: Callable[[str], bool]) -> None:
        """Checks every action against the mapping as the earlier ones leave it, then swaps."""
        with self._lock:
            mapping = dict(self._mapping)
            for action in actions:
                _apply_one(mapping, action, has_collection)
            self._write_durably(self._path, json.dumps(mapping, indent=2, sort_keys=True).encode("utf-8"))
            self._mapping = mapping

    def drop_collection(self, collection: str) -> None:
        with self._lock:
            if collection not in self._mapping.values():
                return
            mapping = {a: c for a, c in self._mapping.items() if c != collection}
            self._write_durably(self._path, json.dumps(mapping, indent=2, sort_keys=True).encode("utf-8"))
            self._mapping = mapping


def _apply_one(mapping: dict[str, str], action: Mapping[str, Any], has_collection: Callable[[str], bool]) -> None:
    kinds = [k for k in ("create_alias", "delete_alias", "rename_alias") if k in action]
    if len(kinds) != 1 or len(action) != 1:
        raise BadInput("each action must be exactly one of create_alias, delete_alias, rename_alias")
    kind = kinds[0]
    body = require_object(action[kind], f"`{kind}`")
    if kind == "create_alias":
        collection, alias = _name(body, "collection_name"), _name(body, "alias_name")
        # `collection_name` must name a collection, not an alias (Qdrant's rule).
        if not has_collection(collection):
            raise NotFound(f"Collection `{collection}` doesn't exist!")
        if has_collection(alias):
            raise AlreadyExists(f"Collection `{alias}` already exists!")
        mapping[alias] = collection  # an existing alias of that name is re-pointed, as in Qdrant
    elif kind == "delete_alias":
        alias = _name(body, "alias_name")
        if mapping.pop(alias, None) is None:
            raise NotFound(f"Alias {alias} does not exists!")
    else:
        old, new = _name(body, "old_alias_name"), _name(body, "new_alias_name")
        if old not in mapping:
            raise NotFound(f"Alias {old} does not exists!")
        if has_collection(new):
            raise AlreadyExists(f"Collection `{new}` already exists!")
        mapping[new] = mapping.pop(old)


def _name(body: Mapping[str, Json], field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value:
        raise BadInput(f"`{field}` must be a non-empty string")
    return value


# --- endpoints (the registry is passed in like every other endpoint's) --------------------


def update_aliases(registry: Any, request: ApiRequest) -> Json:
    actions = require_list(request.body_object().get("actions"), "`actions`")
    registry.aliases.apply([require_object(a, "action") for a in actions], registry.has_collection)
    return True


def list_aliases(registry: Any, request: ApiRequest) -> Json:
    return {"aliases": [{"alias_name": a, "collection_name": c} for a, c in registry.aliases.items()]}


def collection_aliases(registry: Any, request: ApiRequest) -> Json:
    name = request.collection_name
    if not registry.has_collection(name):
        raise NotFound(f"Collection `{name}` doesn't exist!")
    return {"aliases": [{"alias_name": a, "collection_name": c} for a, c in registry.aliases.items() if c == name]}
