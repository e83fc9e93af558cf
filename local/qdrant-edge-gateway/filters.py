"""Qdrant JSON filters -> qdrant_edge Filter objects.

Covers the whole Filter grammar of Qdrant's REST API: must / should / must_not (a single
condition or a list), min_should, nested filters, field conditions (match, range, geo,
values_count, is_empty / is_null flags), is_empty, is_null, has_id, has_vector and nested.
Anything else is rejected with a 400 naming the offending keys, never silently dropped: a
dropped condition would widen a delete-by-filter.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import qdrant_edge as qe

from conversions import Json, parse_point_ids, require_list, require_object
from errors import BadInput

_FILTER_KEYS = ("must", "should", "must_not", "min_should")
_FIELD_CONDITION_PARTS = (
    "match", "range", "geo_bounding_box", "geo_radius", "geo_polygon", "values_count",
    "is_empty", "is_null",
)


def parse_optional_filter(value: Json) -> Optional[qe.Filter]:
    return None if value is None else parse_filter(value)


def parse_filter(value: Json) -> qe.Filter:
    body = require_object(value, "`filter`")
    unknown = set(body) - set(_FILTER_KEYS)
    if unknown:
        raise BadInput(f"Unknown filter clause(s): {', '.join(sorted(unknown))}")
    return qe.Filter(
        must=_parse_clause(body.get("must"), "must"),
        should=_parse_clause(body.get("should"), "should"),
        must_not=_parse_clause(body.get("must_not"), "must_not"),
        min_should=_parse_min_should(body.get("min_should")),
    )


def _parse_clause(value: Json, name: str) -> Optional[list[Any]]:
    if value is None:
        return None
    # Qdrant accepts one condition in place of a list of one.
    conditions = value if isinstance(value, list) else [value]
    return [parse_condition(condition, name) for condition in conditions]


def _parse_min_should(value: Json) -> Optional[qe.MinShould]:
    if value is None:
        return None
    body = require_object(value, "`min_should`")
    min_count = body.get("min_count")
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 0:
        raise BadInput("`min_should.min_count` must be a non-negative integer")
    conditions = require_list(body.get("conditions"), "`min_should.conditions`")
    return qe.MinShould([parse_condition(c, "min_should") for c in conditions], min_count)


def parse_condition(value: Json, clause: str) -> Any:
    condition = require_object(value, f"condition in `{clause}`")
    if "key" in condition:
        return _parse_field_condition(condition)
    if "is_empty" in condition:
        return qe.IsEmptyCondition(_payload_field_key(condition["is_empty"], "is_empty"))
    if "is_null" in condition:
        return qe.IsNullCondition(_payload_field_key(condition["is_null"], "is_null"))
    if "has_id" in condition:
        return qe.HasIdCondition(set(parse_point_ids(condition["has_id"], "has_id")))
    if "has_vector" in condition:
        if not isinstance(condition["has_vector"], str):
            raise BadInput("`has_vector` must be a vector name")
        return qe.HasVectorCondition(condition["has_vector"])
    if "nested" in condition:
        nested = require_object(condition["nested"], "`nested`")
        return qe.NestedCondition(_require_key(nested), parse_filter(nested.get("filter")))
    if not condition or set(condition) <= set(_FILTER_KEYS):
        return parse_filter(condition)
    raise BadInput(
        f"Unsupported filter condition with keys {sorted(condition)} in `{clause}`: expected "
        "a field condition ({key, match|range|...}), is_empty, is_null, has_id, has_vector, "
        "nested or a nested filter"
    )


def _payload_field_key(value: Json, name: str) -> str:
    return _require_key(require_object(value, f"`{name}`"))


def _require_key(body: Mapping[str, Json]) -> str:
    key = body.get("key")
    if not isinstance(key, str) or not key:
        raise BadInput("condition `key` must be a non-empty string")
    return key


def _parse_field_condition(condition: Mapping[str, Json]) -> qe.FieldCondition:
    key = _require_key(condition)
    unknown = set(condition) - {"key", *_FIELD_CONDITION_PARTS}
    if unknown:
        raise BadInput(f"Unsupported field condition part(s) on `{key}`: {', '.join(sorted(unknown))}")
    if all(condition.get(part) is None for part in _FIELD_CONDITION_PARTS):
        raise BadInput(f"Field condition on `{key}` needs match, range, geo_*, values_count, "
                       "is_empty or is_null")
    return qe.FieldCondition(
        key=key,
        match=_optional(condition.get("match"), _parse_match),
        range=_optional(condition.get("range"), _parse_range),
        geo_bounding_box=_optional(condition.get("geo_bounding_box"), _parse_geo_bounding_box),
        geo_radius=_optional(condition.get("geo_radius"), _parse_geo_radius),
        geo_polygon=_optional(condition.get("geo_polygon"), _parse_geo_polygon),
        values_count=_optional(condition.get("values_count"), _parse_values_count),
        is_empty=_optional_flag(condition, "is_empty"),
        is_null=_optional_flag(condition, "is_null"),
    )


def _optional(value: Json, parse: Any) -> Any:
    return None if value is None else parse(value)


def _optional_flag(condition: Mapping[str, Json], name: str) -> Optional[bool]:
    value = condition.get(name)
    if value is not None and not isinstance(value, bool):
        raise BadInput(f"`{name}` in a field condition must be a boolean")
    return value


# --- match -------------------------------------------------------------------------------


def _is_scalar_value(value: Json) -> bool:
    # Qdrant's ValueVariants: string, integer or bool (not float).
    return isinstance(value, (str, bool)) or (isinstance(value, int))


def _parse_any_variants(value: Json, name: str) -> list[Any]:
    values = require_list(value, f"`match.{name}`")
    all_strings = all(isinstance(v, str) for v in values)
    all_ints = all(isinstance(v, int) and not isinstance(v, bool) for v in values)
    if not (all_strings or all_ints):
        raise BadInput(f"`match.{name}` must be a list of strings or a list of integers")
    return values


def _parse_match(value: Json) -> Any:
    match = require_object(value, "`match`")
    if "value" in match:
        if not _is_scalar_value(match["value"]):
            raise BadInput("`match.value` must be a string, an integer or a boolean")
        return qe.MatchValue(match["value"])
    if "any" in match:
        return qe.MatchAny(_parse_any_variants(match["any"], "any"))
    if "except" in match:
        return qe.MatchExcept(_parse_any_variants(match["except"], "except"))
    text_matches = {
        "text": qe.MatchText,
        "text_any": qe.MatchTextAny,
        "phrase": qe.MatchPhrase,
        "prefix": qe.MatchPrefix,
        "substring": qe.MatchSubstring,
    }
    for name, match_class in text_matches.items():
        if name in match:
            if not isinstance(match[name], str):
                raise BadInput(f"`match.{name}` must be a string")
            return match_class(match[name])
    raise BadInput(f"Unsupported match {sorted(match)}: expected value, any, except, text, "
                   "text_any or phrase")


# --- range, values_count, geo ------------------------------------------------------------

_RANGE_BOUNDS = ("gt", "gte", "lt", "lte")


def _parse_range(value: Json) -> Any:
    bounds = require_object(value, "`range`")
    given = {name: bounds[name] for name in _RANGE_BOUNDS if bounds.get(name) is not None}
    # Qdrant tells numeric and datetime ranges apart by the JSON type of the bounds.
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in given.values()):
        return qe.RangeFloat(**{name: float(v) for name, v in given.items()})
    if all(isinstance(v, str) for v in given.values()):
        try:
            return qe.RangeDateTime(**given)
        except ValueError as error:
            raise BadInput(f"Invalid datetime in `range`: {error}") from None
    raise BadInput("`range` bounds must be all numbers or all RFC 3339 datetime strings")


def _parse_values_count(value: Json) -> qe.ValuesCount:
    bounds = require_object(value, "`values_count`")
    given = {name: bounds[name] for name in _RANGE_BOUNDS if bounds.get(name) is not None}
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in given.values()):
        raise BadInput("`values_count` bounds must be non-negative integers")
    return qe.ValuesCount(**given)


def _parse_geo_point(value: Json, what: str) -> qe.GeoPoint:
    point = require_object(value, what)
    lon, lat = point.get("lon"), point.get("lat")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (lon, lat)):
        raise BadInput(f"{what} needs numeric `lon` and `lat`")
    try:
        return qe.GeoPoint(lon=float(lon), lat=float(lat))
    except ValueError as error:
        raise BadInput(f"{what}: {error}") from None


def _parse_geo_bounding_box(value: Json) -> qe.GeoBoundingBox:
    box = require_object(value, "`geo_bounding_box`")
    return qe.GeoBoundingBox(
        top_left=_parse_geo_point(box.get("top_left"), "`geo_bounding_box.top_left`"),
        bottom_right=_parse_geo_point(box.get("bottom_right"), "`geo_bounding_box.bottom_right`"),
    )


def _parse_geo_radius(value: Json) -> qe.GeoRadius:
    circle = require_object(value, "`geo_radius`")
    radius = circle.get("radius")
    if isinstance(radius, bool) or not isinstance(radius, (int, float)):
        raise BadInput("`geo_radius.radius` must be a number")
    return qe.GeoRadius(center=_parse_geo_point(circle.get("center"), "`geo_radius.center`"),
                        radius=float(radius))


def _parse_line_string(value: Json, what: str) -> list[qe.GeoPoint]:
    line = require_object(value, what)
    return [_parse_geo_point(p, f"{what} point") for p in require_list(line.get("points"), what)]


def _parse_geo_polygon(value: Json) -> qe.GeoPolygon:
    polygon = require_object(value, "`geo_polygon`")
    interiors = polygon.get("interiors")
    return qe.GeoPolygon(
        exterior=_parse_line_string(polygon.get("exterior"), "`geo_polygon.exterior`"),
        interiors=None if interiors is None else [
            _parse_line_string(ring, "`geo_polygon.interiors`")
            for ring in require_list(interiors, "`geo_polygon.interiors`")
        ],
    )
