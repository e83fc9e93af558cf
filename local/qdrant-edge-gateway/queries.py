"""Search and Query API requests -> qdrant_edge SearchRequest / QueryRequest.

Supported query kinds: nearest (a raw vector or `{nearest: vector}`, dense, multi or sparse,
with `using`), fusion (`rrf` / `dbsf`, and `{rrf: {k, weights}}`) over prefetches, order_by
and sample. Recommend, discover, context, formula, MMR and query-by-point-id are refused
with a 400 rather than answered differently from Qdrant.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import qdrant_edge as qe

from conversions import (
    Json, optional_float, optional_int, parse_order_by, parse_search_params,
    parse_vector_input, parse_with_payload, parse_with_vector,
    require_object,
)
from errors import BadInput, Unsupported
from filters import parse_optional_filter

DEFAULT_LIMIT = 10
# Qdrant's default `k` for `{"fusion": "rrf"}`.
DEFAULT_RRF_K = 2

_UNSUPPORTED_QUERIES = ("recommend", "discover", "context", "formula", "relevance_feedback")


# --- /points/query -----------------------------------------------------------------------


def parse_query_request(body: Mapping[str, Json]) -> qe.QueryRequest:
    if body.get("lookup_from") is not None:
        raise Unsupported("`lookup_from`")
    using = _parse_using(body)
    return qe.QueryRequest(
        limit=_limit(body),
        offset=optional_int(body, "offset"),
        query=_parse_scoring_query(body.get("query"), using),
        prefetches=_parse_prefetches(body.get("prefetch")),
        with_vector=parse_with_vector(body.get("with_vector")),
        with_payload=parse_with_payload(body.get("with_payload"), default=False),
        filter=parse_optional_filter(body.get("filter")),
        score_threshold=optional_float(body, "score_threshold"),
        params=parse_search_params(body.get("params")),
    )


def _parse_prefetches(value: Json) -> Optional[list[qe.Prefetch]]:
    if value is None:
        return None
    prefetches = value if isinstance(value, list) else [value]
    return [_parse_prefetch(require_object(p, "`prefetch`")) for p in prefetches]


def _parse_prefetch(body: Mapping[str, Json]) -> qe.Prefetch:
    if body.get("lookup_from") is not None:
        raise Unsupported("`lookup_from`")
    return qe.Prefetch(
        limit=_limit(body),
        query=_parse_scoring_query(body.get("query"), _parse_using(body)),
        prefetches=_parse_prefetches(body.get("prefetch")),
        params=parse_search_params(body.get("params")),
        filter=parse_optional_filter(body.get("filter")),
        score_threshold=optional_float(body, "score_threshold"),
    )


def _parse_using(body: Mapping[str, Json]) -> Optional[str]:
    using = body.get("using")
    if using is not None and not isinstance(using, str):
        raise BadInput("`using` must be a vector name")
    return using


def _parse_scoring_query(value: Json, using: Optional[str]) -> Any:
    if value is None:
        return None
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        raise Unsupported("Querying by point id")
    if isinstance(value, list) or (isinstance(value, dict) and "indices" in value):
        return qe.Query.Nearest(parse_vector_input(value, "query"), using=using)
    query = require_object(value, "`query`")
    if "nearest" in query:
        return _parse_nearest(query, using)
    if "fusion" in query:
        return _parse_fusion(query["fusion"])
    if "rrf" in query:
        rrf = require_object(query["rrf"] or {}, "`query.rrf`")
        return qe.Fusion.Rrf(k=optional_int(rrf, "k", minimum=1) or DEFAULT_RRF_K,
                             weights=rrf.get("weights"))
    if "order_by" in query:
        return parse_order_by(query["order_by"])
    if "sample" in query:
        if query["sample"] != "random":
            raise BadInput("`query.sample` must be `random`")
        return qe.Sample.Random
    for kind in _UNSUPPORTED_QUERIES:
        if kind in query:
            raise Unsupported(f"`{kind}` queries")
    raise BadInput(f"Unknown query {sorted(query)}")


def _parse_nearest(query: Mapping[str, Json], using: Optional[str]) -> qe.Query:
    if query.get("mmr") is not None:
        raise Unsupported("MMR re-ranking")
    target = query["nearest"]
    if isinstance(target, (str, int)) and not isinstance(target, bool):
        raise Unsupported("Querying by point id")
    return qe.Query.Nearest(parse_vector_input(target, "query.nearest"), using=using)


def _parse_fusion(value: Json) -> Any:
    if value == "rrf":
        return qe.Fusion.Rrf(k=DEFAULT_RRF_K)
    if value == "dbsf":
        return qe.Fusion.Dbsf()
    raise BadInput("`query.fusion` must be `rrf` or `dbsf`")


def _limit(body: Mapping[str, Json]) -> int:
    limit = optional_int(body, "limit", minimum=1)
    return DEFAULT_LIMIT if limit is None else limit
