"""Collection configuration: Qdrant's create-collection request -> EdgeConfig, and the
`config` part of collection info back from what was stored.

Cluster settings (shard_number, replication_factor, write_consistency_factor, wal_config,
strict_mode_config, metadata) are accepted and echoed but have no effect: there is one shard
on one node, which is also what a single-node Qdrant does with most of them.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import qdrant_edge as qe

from conversions import (
    DATATYPES, Json, optional_bool, optional_float, optional_int, parse_distance, require_object,
)
from errors import BadInput, Unsupported

# Qdrant's defaults, reported in collection info where the request did not set a value.
DEFAULT_HNSW_CONFIG: dict[str, Json] = {
    "m": 16, "ef_construct": 100, "full_scan_threshold": 10000, "max_indexing_threads": 0,
    "on_disk": False,
}
DEFAULT_OPTIMIZER_CONFIG: dict[str, Json] = {
    "deleted_threshold": 0.2, "vacuum_min_vector_number": 1000, "default_segment_number": 0,
    "max_segment_size": None, "memmap_threshold": None, "indexing_threshold": 10000,
    "flush_interval_sec": 5, "max_optimization_threads": None,
}
DEFAULT_WAL_CONFIG: dict[str, Json] = {"wal_capacity_mb": 32, "wal_segments_ahead": 0}


def edge_config_from_request(request: Mapping[str, Json]) -> qe.EdgeConfig:
    if request.get("sharding_method") == "custom":
        raise Unsupported("Custom sharding")
    if request.get("init_from") is not None:
        raise Unsupported("`init_from`")
    vectors = _parse_vectors_config(request.get("vectors"))
    sparse_vectors = _parse_sparse_vectors_config(request.get("sparse_vectors"))
    if vectors is None and not sparse_vectors:
        raise BadInput("A collection needs `vectors` or `sparse_vectors`")
    return qe.EdgeConfig(
        vectors=vectors,
        sparse_vectors=sparse_vectors or None,
        on_disk_payload=request.get("on_disk_payload"),
        hnsw_config=_parse_hnsw_config(request.get("hnsw_config")),
        quantization_config=_parse_quantization(request.get("quantization_config")),
        optimizers=_parse_optimizers_config(request.get("optimizers_config")),
    )


def is_single_vector_config(vectors: Json) -> bool:
    """`{size, distance}` is the unnamed vector; anything else is a map of named vectors."""
    return isinstance(vectors, dict) and ("size" in vectors or "distance" in vectors)


def unnamed_vector_size(request: Mapping[str, Json]) -> Optional[int]:
    vectors = request.get("vectors")
    return vectors.get("size") if is_single_vector_config(vectors) else None


def _parse_vectors_config(value: Json) -> Any:
    if value is None:
        return None
    if is_single_vector_config(value):
        return _parse_vector_params(value, "vectors")
    named = require_object(value, "`vectors`")
    return {name: _parse_vector_params(params, f"vectors.{name}") for name, params in named.items()}


def _parse_vector_params(value: Json, what: str) -> qe.EdgeVectorParams:
    params = require_object(value, f"`{what}`")
    size = optional_int(params, "size", minimum=1)
    if size is None:
        raise BadInput(f"`{what}.size` is required")
    datatype = params.get("datatype")
    if datatype is not None and datatype not in DATATYPES:
        raise BadInput(f"Unknown `{what}.datatype` {datatype!r}")
    multivector = params.get("multivector_config")
    return qe.EdgeVectorParams(
        size=size,
        distance=parse_distance(params.get("distance")),
        on_disk=params.get("on_disk"),
        datatype=None if datatype is None else DATATYPES[datatype],
        hnsw_config=_parse_hnsw_config(params.get("hnsw_config")),
        quantization_config=_parse_quantization(params.get("quantization_config")),
        multivector_config=None if multivector is None else qe.MultiVectorConfig(
            qe.MultiVectorComparator.MaxSim
        ),
    )


def _parse_sparse_vectors_config(value: Json) -> dict[str, qe.EdgeSparseVectorParams]:
    if value is None:
        return {}
    result = {}
    for name, params in require_object(value, "`sparse_vectors`").items():
        params = require_object(params or {}, f"`sparse_vectors.{name}`")
        index = require_object(params.get("index") or {}, f"`sparse_vectors.{name}.index`")
        modifier = params.get("modifier")
        if modifier not in (None, "none", "idf"):
            raise BadInput(f"Unknown sparse vector modifier {modifier!r}")
        result[name] = qe.EdgeSparseVectorParams(
            full_scan_threshold=optional_int(index, "full_scan_threshold"),
            on_disk=index.get("on_disk"),
            modifier=qe.Modifier.Idf if modifier == "idf" else None,
        )
    return result


def _parse_hnsw_config(value: Json) -> Optional[qe.HnswIndexConfig]:
    if value is None:
        return None
    diff = require_object(value, "`hnsw_config`")
    merged = {**DEFAULT_HNSW_CONFIG, **{k: v for k, v in diff.items() if v is not None}}
    return qe.HnswIndexConfig(
        m=optional_int(merged, "m") or 0,
        ef_construct=optional_int(merged, "ef_construct", minimum=4) or 100,
        full_scan_threshold=optional_int(merged, "full_scan_threshold") or 0,
        max_indexing_threads=optional_int(merged, "max_indexing_threads") or 0,
        on_disk=optional_bool(merged, "on_disk", False),
        payload_m=optional_int(merged, "payload_m"),
    )


def _parse_optimizers_config(value: Json) -> Optional[qe.EdgeOptimizersConfig]:
    if value is None:
        return None
    diff = require_object(value, "`optimizers_config`")
    return qe.EdgeOptimizersConfig(
        deleted_threshold=optional_float(diff, "deleted_threshold"),
        vacuum_min_vector_number=optional_int(diff, "vacuum_min_vector_number"),
        default_segment_number=optional_int(diff, "default_segment_number"),
        max_segment_size=optional_int(diff, "max_segment_size"),
        indexing_threshold=optional_int(diff, "indexing_threshold"),
    )


def _parse_quantization(value: Json) -> Any:
    if value is None:
        return None
    config = require_object(value, "`quantization_config`")
    if "scalar" in config:
        scalar = require_object(config["scalar"], "`quantization_config.scalar`")
        if scalar.get("type", "int8") != "int8":
            raise BadInput("scalar quantization `type` must be `int8`")
        return qe.ScalarQuantizationConfig(
            qe.ScalarType.Int8, quantile=optional_float(scalar, "quantile"),
            always_ram=scalar.get("always_ram"),
        )
    if "product" in config:
        product = require_object(config["product"], "`quantization_config.product`")
        ratio = getattr(qe.CompressionRatio, str(product.get("compression", "")).upper(), None)
        if ratio is None:
            raise BadInput("product quantization `compression` must be x4, x8, x16, x32 or x64")
        return qe.ProductQuantizationConfig(ratio, always_ram=product.get("always_ram"))
    if "binary" in config:
        binary = require_object(config["binary"], "`quantization_config.binary`")
        return qe.BinaryQuantizationConfig(always_ram=binary.get("always_ram"))
    raise Unsupported(f"Quantization {sorted(config)}")


# --- collection info ---------------------------------------------------------------------


def collection_config_to_json(request: Mapping[str, Json]) -> dict[str, Json]:
    """CollectionConfig as Qdrant reports it, from the stored create request."""
    params: dict[str, Json] = {
        "vectors": request.get("vectors", {}),
        "shard_number": 1,
        "replication_factor": 1,
        "write_consistency_factor": 1,
        "on_disk_payload": request.get("on_disk_payload", True),
    }
    if request.get("sparse_vectors"):
        params["sparse_vectors"] = request["sparse_vectors"]
    config: dict[str, Json] = {
        "params": params,
        "hnsw_config": {**DEFAULT_HNSW_CONFIG, **(request.get("hnsw_config") or {})},
        "optimizer_config": {**DEFAULT_OPTIMIZER_CONFIG, **(request.get("optimizers_config") or {})},
        "wal_config": {**DEFAULT_WAL_CONFIG, **(request.get("wal_config") or {})},
        "quantization_config": request.get("quantization_config"),
    }
    if request.get("metadata") is not None:
        config["metadata"] = request["metadata"]
    return config
