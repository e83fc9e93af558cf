"""The Query API over named dense + sparse vectors, on a real Edge shard through the gateway's
own endpoint functions: prefetch on both, RRF/DBSF fusion, filters on both branches."""

from __future__ import annotations

import pytest

import point_endpoints as points
from api_request import ApiRequest
from errors import ApiError, BadInput, from_engine_error

COLLECTION = "hybrid"


def call(registry, endpoint, body, method="POST"):
    return endpoint(registry, ApiRequest(method, "/", {"collection_name": COLLECTION}, {"wait": "true"}, body))


@pytest.fixture
def registry(gateway):
    _, _, registry = gateway
    registry.create(COLLECTION, {"vectors": {"dense": {"size": 3, "distance": "Cosine"}},
                                 "sparse_vectors": {"sparse": {"modifier": "idf"}}})
    # Dense vectors point "north" for doc a, "east" for doc b; the rare term 42 is only in b.
    call(registry, points.upsert_points, {"points": [
        {"id": 1, "vector": {"dense": [1, 0, 0], "sparse": {"indices": [7], "values": [1.0]}}, "payload": {"key": "a"}},
        {"id": 2, "vector": {"dense": [0.9, 0.1, 0], "sparse": {"indices": [7], "values": [1.0]}}, "payload": {"key": "a"}},
        {"id": 3, "vector": {"dense": [0, 1, 0], "sparse": {"indices": [7, 42], "values": [1.0, 1.0]}}, "payload": {"key": "b"}},
    ]}, method="PUT")
    return registry


def ids(result) -> list:
    return [p["id"] for p in result["points"]]


def test_sparse_branch_finds_the_rare_term(registry) -> None:
    result = call(registry, points.query_points, {"query": {"indices": [42], "values": [1.0]}, "using": "sparse", "limit": 3})
    assert ids(result) == [3]


def test_dense_branch_uses_the_named_vector(registry) -> None:
    result = call(registry, points.query_points, {"query": [1, 0, 0], "using": "dense", "limit": 1})
    assert ids(result) == [1]


@pytest.mark.parametrize("fusion", [{"fusion": "rrf"}, {"fusion": "dbsf"}, {"rrf": {"k": 60}}])
def test_fusion_over_both_prefetches(registry, fusion) -> None:
    body = {"prefetch": [{"query": [1, 0, 0], "using": "dense", "limit": 3},
                         {"query": {"indices": [42], "values": [1.0]}, "using": "sparse", "limit": 3}],
            "query": fusion, "limit": 3, "with_payload": True}
    found = ids(call(registry, points.query_points, body))
    assert set(found) == {1, 2, 3}
    assert found[0] in (1, 3)  # the top of either branch


def test_filters_apply_on_both_branches(registry) -> None:
    only_a = {"must": [{"key": "key", "match": {"value": "a"}}]}
    body = {"prefetch": [{"query": [0, 1, 0], "using": "dense", "limit": 3, "filter": only_a},
                         {"query": {"indices": [42], "values": [1.0]}, "using": "sparse", "limit": 3, "filter": only_a}],
            "query": {"fusion": "rrf"}, "filter": only_a, "limit": 3, "with_payload": True}
    result = call(registry, points.query_points, body)
    assert set(ids(result)) == {1, 2}
    assert all(p["payload"]["key"] == "a" for p in result["points"])


def test_unknown_vector_name_and_bad_fusion_are_400(registry) -> None:
    with pytest.raises(BadInput):
        call(registry, points.query_points, {"query": {"fusion": "mean"}, "prefetch": [{"query": [1, 0, 0], "using": "dense"}]})
    with pytest.raises(Exception) as raised:
        call(registry, points.query_points, {"query": [1, 0, 0], "using": "nope"})
    error = raised.value
    assert (error if isinstance(error, ApiError) else from_engine_error(error)).status_code == 400
