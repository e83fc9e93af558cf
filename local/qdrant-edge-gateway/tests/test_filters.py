"""Units for filter parsing: everything Sluice sends is understood, and anything unknown is
refused (a silently dropped condition would widen a delete-by-filter)."""

from __future__ import annotations

import pytest
import qdrant_edge as qe

from errors import BadInput
from filters import parse_filter, parse_optional_filter


def test_the_filters_sluice_sends_parse() -> None:
    document = {"must": [{"key": "doc_id", "match": {"value": "d1"}}],
                "must_not": [{"key": "version", "match": {"value": "v1"}}]}
    assert isinstance(parse_filter(document), qe.Filter)
    assert isinstance(parse_filter({"must": [{"key": "chunk_hash", "match": {"any": ["a", "b"]}}]}), qe.Filter)
    assert isinstance(parse_filter({"must": {"key": "n", "range": {"gte": 5}}}), qe.Filter)
    assert isinstance(parse_filter({"must": [{"has_id": [1, 2]}]}), qe.Filter)
    assert isinstance(parse_filter({"should": [{"must": [{"key": "a", "match": {"value": 1}}]}], "min_should": {"conditions": [{"key": "b", "match": {"value": 2}}], "min_count": 1}}), qe.Filter)
    assert parse_optional_filter(None) is None


@pytest.mark.parametrize("bad", [
    {"must": [{"key": "doc_id", "match": {"value": "d1"}, "typo": 1}]},
    {"must": [{"key": "doc_id", "matches": {"value": "d1"}}]},
    {"muts": [{"key": "doc_id", "match": {"value": "d1"}}]},
    {"must": [{"key": "doc_id", "match": {"valeu": "d1"}}]},
    {"must": [{"key": "n", "range": {"gte": "five"}}]},
    {"must": [{"match": {"value": "no key"}}]},
    "not an object",
])
def test_unknown_or_malformed_conditions_are_refused(bad) -> None:
    with pytest.raises(BadInput):
        parse_filter(bad)
