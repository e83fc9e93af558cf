"""Translation between Qdrant REST JSON and qdrant_edge objects (everything except filters).

Each `parse_*` function takes a decoded JSON value, validates it the way Qdrant does and
returns the qdrant_edge object; each `*_to_json` does the reverse for responses.
"""

from __future__ import annotations

import uuid
from typing import Any, Mapping, Optional, Union

import qdrant_edge as qe

from errors import BadInput, Unsupported

Json = Any
PointId = Union[int, str]

_MAX_POINT_ID = 2**64 - 1


# --- generic field access ----------------------------------------------------------------


def require_object(value: Json, what: str) -> dict[str, Json]:
    if not isinstance(value, dict):
        raise BadInput(f"{what} must be a JSON object")
    return value


def require_list(value: Json, what: str) -> list[Json]:
    if not isinstance(value, list):
        raise BadInput(f"{what} must be a JSON array")
    return value


def optional_int(body: Mapping[str, Json], key: str, minimum: int = 0) -> Optional[int]:
    value = body.get(key)
    if value is None:
        return None
    # bool is an int in Python but never a valid count in JSON.
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise BadInput(f"`{key}` must be an integer >= {minimum}")
    return value


def optional_float(body: Mapping[str, Json], key: str) -> Optional[float]:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInput(f"`{key}` must be a number")
    return float(value)


def optional_bool(body: Mapping[str, Json], key: str, default: bool) -> bool:
    value = body.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise BadInput(f"`{key}` must be a boolean")
    return value


# --- point ids ---------------------------------------------------------------------------


def parse_point_id(value: Json) -> PointId:
    """A Qdrant ExtendedPointId: an unsigned 64-bit integer or a UUID in any usual spelling.

    UUIDs are normalised to the lowercase hyphenated form, which is how Qdrant echoes them.
    """
    if isinstance(value, bool):
        raise BadInput(f"Invalid point id {value!r}: expected an unsigned integer or a UUID")
    if isinstance(value, int):
        if 0 <= value <= _MAX_POINT_ID:
            return value
        raise BadInput(f"Invalid point id {value}: integers must be in 0..2^64-1")
    if isinstance(value, str):
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise BadInput(f"Unable to parse UUID: {value}") from None
    raise BadInput(f"Invalid point id {value!r}: expected an unsigned integer or a UUID")


def parse_point_ids(value: Json, what: str = "points") -> list[PointId]:
    return [parse_point_id(item) for item in require_list(value, f"`{what}`")]


def point_id_to_json(point_id: Any) -> PointId:
    # Edge returns uuid.UUID objects for UUID ids; JSON wants the string.
    return point_id if isinstance(point_id, int) else str(point_id)


# --- vectors -----------------------------------------------------------------------------


def parse_vector_input(value: Json, what: str = "vector") -> Any:
    """One vector as Qdrant accepts it: dense list, multi-vector (list of lists) or sparse.

    Elements are not type-checked here: that costs more than the rest of an upsert, and
    Edge rejects a non-number with a TypeError, which becomes a 400 all the same.
    """
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and "indices" in value and "values" in value:
        return parse_sparse_vector(value)
    if isinstance(value, dict) and any(k in value for k in ("text", "image", "object")):
        raise Unsupported("Inference (documents/images as vectors)")
    raise BadInput(f"`{what}` must be an array of numbers, an array of arrays or a sparse vector")


def parse_sparse_vector(value: Mapping[str, Json]) -> qe.SparseVector:
    indices, values = value.get("indices"), value.get("values")
    if not isinstance(indices, list) or not isinstance(values, list) or len(indices) != len(values):
        raise BadInput("sparse vector needs `indices` and `values` arrays of the same length")
    return qe.SparseVector(indices, values)


def parse_point_vector(value: Json) -> Any:
    """The `vector` of a PointStruct: unnamed vector, or a map of vector name -> vector."""
    if isinstance(value, dict) and not ("indices" in value and "values" in value):
        return {name: parse_vector_input(v, f"vector.{name}") for name, v in value.items()}
    return parse_vector_input(value)


def vector_to_json(vector: Any) -> Json:
    if vector is None:
        return None
    if isinstance(vector, dict):
        return {name: vector_to_json(v) for name, v in vector.items()}
    if isinstance(vector, qe.SparseVector):
        return {"indices": list(vector.indices), "values": list(vector.values)}
    return vector


def check_dense_dimension(vector: Any, expected: Optional[int]) -> None:
    """Reject a wrong-sized unnamed dense vector before Edge sees any of the batch.

    Edge validates too, but checking up front keeps one bad point from failing a batch
    half-way, and matches Qdrant's message word for word.
    """
    if expected is None or not isinstance(vector, list) or not vector:
        return
    if isinstance(vector[0], list):
        return  # multi-vector: every row is checked by Edge
    if len(vector) != expected:
        raise BadInput(f"Vector dimension error: expected dim: {expected}, got {len(vector)}")


# --- payload / vector selectors ----------------------------------------------------------


def parse_with_payload(value: Json, default: bool) -> Any:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(k, str) for k in value):
        return value
    if isinstance(value, dict):
        if isinstance(value.get("include"), list):
            return qe.PayloadSelector.Include(value["include"])
        if isinstance(value.get("exclude"), list):
            return qe.PayloadSelector.Exclude(value["exclude"])
    raise BadInput("`with_payload` must be a boolean, a list of keys, {include} or {exclude}")


def parse_with_vector(value: Json, default: bool = False) -> Any:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, list) and all(isinstance(k, str) for k in value):
        return value
    raise BadInput("`with_vector` must be a boolean or a list of vector names")


# --- responses ---------------------------------------------------------------------------


def record_to_json(record: Any) -> dict[str, Json]:
    """A Record (retrieve/scroll). Absent payload/vector are omitted, as Qdrant does."""
    result: dict[str, Json] = {"id": point_id_to_json(record.id)}
    if record.payload is not None:
        result["payload"] = record.payload
    if record.vector is not None:
        result["vector"] = vector_to_json(record.vector)
    if record.order_value is not None:
        result["order_value"] = record.order_value
    return result


def scored_point_to_json(point: Any) -> dict[str, Json]:
    result: dict[str, Json] = {
        "id": point_id_to_json(point.id),
        "version": point.version,
        "score": point.score,
    }
    if point.payload is not None:
        result["payload"] = point.payload
    if point.vector is not None:
        result["vector"] = vector_to_json(point.vector)
    if point.order_value is not None:
        result["order_value"] = point.order_value
    return result


# --- enumerations ------------------------------------------------------------------------

DISTANCES: dict[str, qe.Distance] = {
    "Cosine": qe.Distance.Cosine,
    "Dot": qe.Distance.Dot,
    "Euclid": qe.Distance.Euclid,
    "Manhattan": qe.Distance.Manhattan,
}

DATATYPES: dict[str, qe.VectorStorageDatatype] = {
    "float32": qe.VectorStorageDatatype.Float32,
    "float16": qe.VectorStorageDatatype.Float16,
    "uint8": qe.VectorStorageDatatype.Uint8,
}

PAYLOAD_SCHEMA_TYPES: dict[str, qe.PayloadSchemaType] = {
    "keyword": qe.PayloadSchemaType.Keyword,
    "integer": qe.PayloadSchemaType.Integer,
    "float": qe.PayloadSchemaType.Float,
    "geo": qe.PayloadSchemaType.Geo,
    "text": qe.PayloadSchemaType.Text,
    "bool": qe.PayloadSchemaType.Bool,
    "datetime": qe.PayloadSchemaType.Datetime,
    "uuid": qe.PayloadSchemaType.Uuid,
}

_SCHEMA_TYPE_NAMES = {schema: name for name, schema in PAYLOAD_SCHEMA_TYPES.items()}

TOKENIZERS: dict[str, qe.TokenizerType] = {
    "word": qe.TokenizerType.Word,
    "whitespace": qe.TokenizerType.Whitespace,
    "prefix": qe.TokenizerType.Prefix,
    "multilingual": qe.TokenizerType.Multilingual,
}


def parse_distance(value: Json) -> qe.Distance:
    if value not in DISTANCES:
        raise BadInput(f"Unknown distance {value!r}: expected one of {', '.join(DISTANCES)}")
    return DISTANCES[value]


def schema_type_name(schema: qe.PayloadSchemaType) -> str:
    return _SCHEMA_TYPE_NAMES.get(schema, str(schema).rsplit(".", 1)[-1].lower())


# --- payload index schemas ---------------------------------------------------------------

# Which keys of Qdrant's object form each Edge *IndexParams constructor accepts. Keys Qdrant
# knows but Edge does not (e.g. text `stopwords`) are ignored, like unknown JSON fields.
_INDEX_PARAM_KEYS: dict[str, tuple[type, tuple[str, ...]]] = {
    "keyword": (qe.KeywordIndexParams, ("is_tenant", "on_disk", "enable_hnsw")),
    "integer": (qe.IntegerIndexParams, ("lookup", "range", "is_principal", "on_disk", "enable_hnsw")),
    "float": (qe.FloatIndexParams, ("is_principal", "on_disk", "enable_hnsw")),
    "geo": (qe.GeoIndexParams, ("on_disk", "enable_hnsw")),
    "bool": (qe.BoolIndexParams, ("on_disk", "enable_hnsw")),
    "datetime": (qe.DatetimeIndexParams, ("is_principal", "on_disk", "enable_hnsw")),
    "uuid": (qe.UuidIndexParams, ("is_tenant", "on_disk", "enable_hnsw")),
    "text": (
        qe.TextIndexParams,
        ("min_token_len", "max_token_len", "lowercase", "ascii_folding", "phrase_matching",
         "on_disk", "enable_hnsw"),
    ),
}


def parse_field_schema(value: Json) -> Any:
    """`field_schema` of a create-index request: a type name or a `{type, ...params}` object."""
    if isinstance(value, str):
        if value not in PAYLOAD_SCHEMA_TYPES:
            raise BadInput(f"Unknown payload schema type {value!r}")
        return PAYLOAD_SCHEMA_TYPES[value]
    schema = require_object(value, "`field_schema`")
    type_name = schema.get("type")
    if type_name not in _INDEX_PARAM_KEYS:
        raise BadInput(f"Unknown payload schema type {type_name!r}")
    params_class, allowed_keys = _INDEX_PARAM_KEYS[type_name]
    kwargs = {key: schema[key] for key in allowed_keys if schema.get(key) is not None}
    if type_name == "text" and schema.get("tokenizer") is not None:
        if schema["tokenizer"] not in TOKENIZERS:
            raise BadInput(f"Unknown tokenizer {schema['tokenizer']!r}")
        kwargs["tokenizer"] = TOKENIZERS[schema["tokenizer"]]
    try:
        return params_class(**kwargs)
    except (TypeError, ValueError) as error:
        raise BadInput(f"Invalid `field_schema`: {error}") from None


def payload_index_to_json(info: Any, declared_schema: Json) -> dict[str, Json]:
    """PayloadIndexInfo. `params` echoes the object form the client created it with, if any."""
    result: dict[str, Json] = {"data_type": schema_type_name(info.data_type), "points": info.points}
    if isinstance(declared_schema, dict):
        result["params"] = declared_schema
    return result


# --- search parameters -------------------------------------------------------------------


def parse_search_params(value: Json) -> Optional[qe.SearchParams]:
    if value is None:
        return None
    params = require_object(value, "`params`")
    quantization = params.get("quantization")
    if quantization is not None:
        quantization = require_object(quantization, "`params.quantization`")
    return qe.SearchParams(
        hnsw_ef=optional_int(params, "hnsw_ef"),
        exact=optional_bool(params, "exact", False),
        indexed_only=optional_bool(params, "indexed_only", False),
        quantization=None if quantization is None else qe.QuantizationSearchParams(
            ignore=optional_bool(quantization, "ignore", False),
            rescore=quantization.get("rescore"),
            oversampling=optional_float(quantization, "oversampling"),
        ),
    )


def parse_order_by(value: Json) -> Optional[qe.OrderBy]:
    if value is None:
        return None
    if isinstance(value, str):
        return qe.OrderBy(value)
    order = require_object(value, "`order_by`")
    key = order.get("key")
    if not isinstance(key, str):
        raise BadInput("`order_by.key` must be a string")
    direction = order.get("direction")
    if direction not in (None, "asc", "desc"):
        raise BadInput("`order_by.direction` must be `asc` or `desc`")
    return qe.OrderBy(
        key,
        direction=None if direction is None else (
            qe.Direction.Asc if direction == "asc" else qe.Direction.Desc
        ),
        start_from=order.get("start_from"),
    )
