"""Units for the JSON <-> qdrant_edge conversions the gateway relies on."""

from __future__ import annotations

import pytest
import qdrant_edge as qe

from collection_config import edge_config_from_request, unnamed_vector_size
from conversions import (
    check_dense_dimension, optional_int, parse_point_id, parse_point_vector, parse_with_payload,
    parse_with_vector, vector_to_json,
)
from errors import BadInput, Unsupported


def test_point_ids_are_unsigned_ints_or_uuids_echoed_hyphenated() -> None:
    assert parse_point_id(7) == 7
    assert parse_point_id("6F9619FF8B86D011B42D00C04FC964FF") == "6f9619ff-8b86-d011-b42d-00c04fc964ff"
    for bad in (True, -1, 2**64, "not-a-uuid", 1.5, None):
        with pytest.raises(BadInput):
            parse_point_id(bad)


def test_named_point_vectors_with_dense_and_sparse() -> None:
    parsed = parse_point_vector({"dense": [0.1, 0.2], "sparse": {"indices": [3, 9], "values": [1.0, 0.5]}})
    assert isinstance(parsed["sparse"], qe.SparseVector)
    assert vector_to_json(parsed) == {"dense": [0.1, 0.2], "sparse": {"indices": [3, 9], "values": [1.0, 0.5]}}
    with pytest.raises(BadInput):
        parse_point_vector({"sparse": {"indices": [1, 2], "values": [1.0]}})
    with pytest.raises(BadInput):
        parse_point_vector({"dense": "nope"})
    with pytest.raises(Unsupported):
        parse_point_vector({"dense": {"text": "inference"}})


def test_unnamed_dense_dimension_is_checked_up_front() -> None:
    check_dense_dimension([0.0] * 4, 4)
    check_dense_dimension({"dense": [0.0]}, None)  # named vectors: Edge checks each one
    with pytest.raises(BadInput, match="expected dim: 4, got 3"):
        check_dense_dimension([0.0] * 3, 4)


def test_selectors_and_integers() -> None:
    assert parse_with_payload(None, default=True) is True
    assert parse_with_payload(["key"], default=False) == ["key"]
    assert parse_with_vector(["dense"]) == ["dense"]
    with pytest.raises(BadInput):
        parse_with_vector("dense")
    assert optional_int({"limit": 5}, "limit", minimum=1) == 5
    for bad in (0, True, "5", 2.5):
        with pytest.raises(BadInput):
            optional_int({"limit": bad}, "limit", minimum=1)


def test_collection_config_named_dense_and_sparse_with_idf() -> None:
    request = {"vectors": {"dense": {"size": 4, "distance": "Cosine"}},
               "sparse_vectors": {"sparse": {"modifier": "idf"}}}
    config = edge_config_from_request(request)
    assert isinstance(config, qe.EdgeConfig)
    assert unnamed_vector_size(request) is None
    assert unnamed_vector_size({"vectors": {"size": 384, "distance": "Cosine"}}) == 384
    with pytest.raises(BadInput, match="modifier"):
        edge_config_from_request({"sparse_vectors": {"sparse": {"modifier": "bm42"}}})
    with pytest.raises(BadInput):
        edge_config_from_request({})
