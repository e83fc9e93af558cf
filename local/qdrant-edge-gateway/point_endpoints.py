"""Point endpoints: upsert, delete, scroll, count, query."""

from __future__ import annotations

from typing import Any, Mapping, Optional

import qdrant_edge as qe

from api_request import ApiRequest, update_result
from collection_config import unnamed_vector_size
from conversions import (
    Json, check_dense_dimension, optional_bool, optional_int, parse_order_by, parse_point_id,
    parse_point_ids, parse_point_vector, parse_with_payload, parse_with_vector,
    point_id_to_json, record_to_json, require_list, require_object, scored_point_to_json,
)
from errors import BadInput
from filters import parse_filter, parse_optional_filter
from queries import parse_query_request
from registry import Collection, CollectionRegistry

_UPDATE_MODES = {
    "upsert": qe.UpdateMode.Upsert,
    "insert_only": qe.UpdateMode.InsertOnly,
    "update_only": qe.UpdateMode.UpdateOnly,
}


# --- writes ------------------------------------------------------------------------------


def upsert_points(registry: CollectionRegistry, request: ApiRequest) -> Json:
    body = request.body_object()
    collection = registry.get(request.collection_name)
    dimension = unnamed_vector_size(collection.metadata.create_request)
    if "batch" in body:
        points = _parse_batch_points(require_object(body["batch"], "`batch`"), dimension)
    else:
        points = [_parse_point(p, dimension) for p in require_list(body.get("points"), "`points`")]
    mode = body.get("update_mode")
    if mode is not None and mode not in _UPDATE_MODES:
        raise BadInput("`update_mode` must be upsert, insert_only or update_only")
    operation = qe.UpdateOperation.upsert_points(
        points,
        condition=parse_optional_filter(body.get("update_filter")),
        update_mode=None if mode is None else _UPDATE_MODES[mode],
    )
    return update_result(collection.write(operation), request.wait)


def _parse_point(value: Json, dimension: Optional[int]) -> qe.Point:
    point = require_object(value, "point")
    if "vector" not in point:
        raise BadInput("every point needs a `vector`")
    return _make_point(point.get("id"), point["vector"], point.get("payload"), dimension)


def _parse_batch_points(batch: Mapping[str, Json], dimension: Optional[int]) -> list[qe.Point]:
    ids = require_list(batch.get("ids"), "`batch.ids`")
    vectors = _batch_vectors_per_point(batch.get("vectors"), len(ids))
    payloads = batch.get("payloads")
    if payloads is None:
        payloads = [None] * len(ids)
    elif len(require_list(payloads, "`batch.payloads`")) != len(ids):
        raise BadInput("`batch.payloads` must have one entry per id")
    return [_make_point(i, v, p, dimension) for i, v, p in zip(ids, vectors, payloads)]


def _batch_vectors_per_point(value: Json, count: int) -> list[Json]:
    """Batch vectors come as a list (unnamed) or as name -> list; regroup them per point."""
    if isinstance(value, dict):
        per_point: list[dict[str, Json]] = [{} for _ in range(count)]
        for name, column in value.items():
            if len(require_list(column, f"`batch.vectors.{name}`")) != count:
                raise BadInput(f"`batch.vectors.{name}` must have one vector per id")
            for point_vectors, vector in zip(per_point, column):
                point_vectors[name] = vector
        return list(per_point)
    vectors = require_list(value, "`batch.vectors`")
    if len(vectors) != count:
        raise BadInput("`batch.vectors` must have one vector per id")
    return vectors


def _make_point(point_id: Json, vector: Json, payload: Json, dimension: Optional[int]) -> qe.Point:
    if payload is not None:
        require_object(payload, "`payload`")
    parsed_vector = parse_point_vector(vector)
    check_dense_dimension(parsed_vector, dimension)
    return qe.Point(id=parse_point_id(point_id), vector=parsed_vector, payload=payload)


def delete_points(registry: CollectionRegistry, request: ApiRequest) -> Json:
    body = request.body_object()
    collection = registry.get(request.collection_name)
    ids, points_filter = _points_selector(body)
    operation = (qe.UpdateOperation.delete_points(ids) if ids is not None
                 else qe.UpdateOperation.delete_points_by_filter(points_filter))
    return update_result(collection.write(operation), request.wait)


def _points_selector(body: Mapping[str, Json]) -> tuple[Optional[list[Any]], Optional[qe.Filter]]:
    """`points: [ids]` or `filter: {...}`: exactly one of them."""
    has_points, has_filter = body.get("points") is not None, body.get("filter") is not None
    if has_points == has_filter:
        raise BadInput("Exactly one of `points` (a list of ids) or `filter` must be given")
    if has_points:
        return parse_point_ids(body["points"]), None
    return None, parse_filter(body["filter"])


# --- reads -------------------------------------------------------------------------------


def scroll_points(registry: CollectionRegistry, request: ApiRequest) -> Json:
    body = request.body_object()
    offset = body.get("offset")
    scroll = qe.ScrollRequest(
        offset=None if offset is None else parse_point_id(offset),
        limit=optional_int(body, "limit", minimum=1) or 10,
        filter=parse_optional_filter(body.get("filter")),
        with_payload=parse_with_payload(body.get("with_payload"), default=True),
        with_vector=parse_with_vector(body.get("with_vector")),
        order_by=parse_order_by(body.get("order_by")),
    )
    with _reading(registry, request) as shard:
        records, next_offset = shard.scroll(scroll)
    return {
        "points": [record_to_json(record) for record in records],
        "next_page_offset": None if next_offset is None else point_id_to_json(next_offset),
    }


def count_points(registry: CollectionRegistry, request: ApiRequest) -> Json:
    body = request.body_object()
    count = qe.CountRequest(
        exact=optional_bool(body, "exact", True),
        filter=parse_optional_filter(body.get("filter")),
    )
    with _reading(registry, request) as shard:
        return {"count": shard.count(count)}


def query_points(registry: CollectionRegistry, request: ApiRequest) -> Json:
    query = parse_query_request(request.body_object())
    with _reading(registry, request) as shard:
        return {"points": [scored_point_to_json(point) for point in shard.query(query)]}


def _reading(registry: CollectionRegistry, request: ApiRequest) -> Any:
    collection: Collection = registry.get(request.collection_name)
    return collection.reading()
