"""Collection aliases over HTTP, as Qdrant has them: created, moved atomically (delete +
create in one request, all or nothing), resolved by every collection route, refused where a
collection holds the name, removed with their collection, and kept across a restart."""

from __future__ import annotations

import http.client
import json
from pathlib import Path

from conftest import API_KEY
from registry import CollectionRegistry

VECTORS = {"vectors": {"dense": {"size": 2, "distance": "Cosine"}}}


def request(gateway, method: str, path: str, body=None) -> tuple[int, dict]:
    host, port, _ = gateway
    conn = http.client.HTTPConnection(host, port, timeout=5)
    encoded = b"" if body is None else json.dumps(body).encode()
    headers = {"api-key": API_KEY, "content-type": "application/json", "content-length": str(len(encoded))}
    conn.request(method, path, body=encoded if method in ("POST", "PUT") else None, headers=headers)
    response = conn.getresponse()
    status, payload = response.status, json.loads(response.read() or b"{}")
    conn.close()
    return status, payload


def make(gateway, name: str, point_id: int) -> None:
    assert request(gateway, "PUT", f"/collections/{name}", VECTORS)[0] == 200
    status, _ = request(gateway, "PUT", f"/collections/{name}/points?wait=true",
                        {"points": [{"id": point_id, "vector": {"dense": [1, 0]}, "payload": {"in": name}}]})
    assert status == 200


def aliases(gateway) -> list:
    return request(gateway, "GET", "/aliases")[1]["result"]["aliases"]


def swap(gateway, alias: str, to: str) -> tuple[int, dict]:
    return request(gateway, "POST", "/collections/aliases", {"actions": [
        {"delete_alias": {"alias_name": alias}},
        {"create_alias": {"collection_name": to, "alias_name": alias}},
    ]})


def test_alias_resolves_for_every_collection_route_and_swaps_atomically(gateway) -> None:
    make(gateway, "docs-g1", 1)
    make(gateway, "docs-g2", 2)
    status, body = request(gateway, "POST", "/collections/aliases",
                           {"actions": [{"create_alias": {"collection_name": "docs-g1", "alias_name": "docs"}}]})
    assert (status, body["result"]) == (200, True)
    assert aliases(gateway) == [{"alias_name": "docs", "collection_name": "docs-g1"}]
    assert request(gateway, "GET", "/collections/docs/exists")[1]["result"] == {"exists": True}
    assert request(gateway, "GET", "/collections/docs")[1]["result"]["points_count"] == 1
    scrolled = request(gateway, "POST", "/collections/docs/points/scroll", {"limit": 10})[1]["result"]["points"]
    assert [p["payload"]["in"] for p in scrolled] == ["docs-g1"]
    # Aliases are not collections: not listed among them.
    assert [c["name"] for c in request(gateway, "GET", "/collections")[1]["result"]["collections"]] == ["docs-g1", "docs-g2"]

    assert swap(gateway, "docs", "docs-g2")[0] == 200
    scrolled = request(gateway, "POST", "/collections/docs/points/scroll", {"limit": 10})[1]["result"]["points"]
    assert [p["payload"]["in"] for p in scrolled] == ["docs-g2"]
    assert request(gateway, "GET", "/collections/docs-g2/aliases")[1]["result"]["aliases"] == [
        {"alias_name": "docs", "collection_name": "docs-g2"}]
    assert request(gateway, "GET", "/collections/docs-g1/aliases")[1]["result"]["aliases"] == []
    # Writes through the alias land in the collection it names now.
    status, _ = request(gateway, "PUT", "/collections/docs/points?wait=true",
                        {"points": [{"id": 3, "vector": {"dense": [0, 1]}, "payload": {"in": "via-alias"}}]})
    assert status == 200
    assert request(gateway, "POST", "/collections/docs-g2/points/count", {})[1]["result"]["count"] == 2


def test_a_failing_action_applies_none_of_the_request(gateway) -> None:
    make(gateway, "docs-g1", 1)
    request(gateway, "POST", "/collections/aliases", {"actions": [{"create_alias": {"collection_name": "docs-g1", "alias_name": "docs"}}]})
    # delete succeeds on its own, the create names a missing collection: nothing changes.
    status, _ = swap(gateway, "docs", "docs-missing")
    assert status == 404
    assert aliases(gateway) == [{"alias_name": "docs", "collection_name": "docs-g1"}]
    status, _ = request(gateway, "POST", "/collections/aliases", {"actions": [{"delete_alias": {"alias_name": "nope"}}]})
    assert status == 404


def test_names_are_either_a_collection_or_an_alias(gateway) -> None:
    make(gateway, "docs-g1", 1)
    make(gateway, "legacy", 9)
    # An alias cannot take a collection's name (a pre-generations install: copy, then alias).
    status, _ = request(gateway, "POST", "/collections/aliases",
                        {"actions": [{"create_alias": {"collection_name": "docs-g1", "alias_name": "legacy"}}]})
    assert status == 409
    request(gateway, "POST", "/collections/aliases", {"actions": [{"create_alias": {"collection_name": "docs-g1", "alias_name": "docs"}}]})
    status, body = request(gateway, "PUT", "/collections/docs", VECTORS)
    assert status == 400 and "Alias with the same name already exists" in body["status"]["error"]
    # Deleting by the alias's name deletes nothing.
    assert request(gateway, "DELETE", "/collections/docs")[1]["result"] is False
    assert request(gateway, "GET", "/collections/docs-g1/exists")[1]["result"] == {"exists": True}


def test_deleting_a_collection_removes_its_aliases(gateway) -> None:
    make(gateway, "docs-g1", 1)
    request(gateway, "POST", "/collections/aliases", {"actions": [{"create_alias": {"collection_name": "docs-g1", "alias_name": "docs"}}]})
    assert request(gateway, "DELETE", "/collections/docs-g1")[1]["result"] is True
    assert aliases(gateway) == []
    assert request(gateway, "GET", "/collections/docs/exists")[1]["result"] == {"exists": False}


def test_aliases_survive_a_restart(gateway, tmp_path: Path) -> None:
    make(gateway, "docs-g1", 1)
    request(gateway, "POST", "/collections/aliases", {"actions": [
        {"create_alias": {"collection_name": "docs-g1", "alias_name": "docs"}},
        {"create_alias": {"collection_name": "docs-g1", "alias_name": "old"}},
        {"rename_alias": {"old_alias_name": "old", "new_alias_name": "older"}},
    ]})
    _, _, registry = gateway
    reopened = CollectionRegistry(tmp_path / "other")
    reopened.aliases = type(registry.aliases)(registry.data_dir, lambda path, content: None)
    reopened.aliases.load({"docs-g1"})
    assert reopened.aliases.items() == [("docs", "docs-g1"), ("older", "docs-g1")]
