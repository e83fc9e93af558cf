"""Service and collection endpoints: root, health, collections and payload indexes."""

from __future__ import annotations

import json
from typing import Any

import qdrant_edge as qe

from api_request import ApiRequest, RawResponse, update_result
from collection_config import collection_config_to_json
from conversions import Json, parse_field_schema, payload_index_to_json
from errors import BadInput
from registry import CollectionRegistry

GATEWAY_TITLE = "qdrant-edge-gateway"
# The REST API version we speak. @qdrant/js-client-rest warns unless the server's major
# version equals its own and the minor differs by at most one; the project pins 1.18.
QDRANT_API_VERSION = "1.18.0"


def root(registry: CollectionRegistry, request: ApiRequest) -> RawResponse:
    # Qdrant answers `/` with a bare VersionInfo, not inside the usual envelope.
    body = {"title": GATEWAY_TITLE, "version": QDRANT_API_VERSION}
    return RawResponse(200, "application/json", json.dumps(body).encode())


def healthz(registry: CollectionRegistry, request: ApiRequest) -> RawResponse:
    return RawResponse(200, "text/plain; charset=utf-8", b"healthz check passed")


def readyz(registry: CollectionRegistry, request: ApiRequest) -> RawResponse:
    # Every collection is loaded before the port opens, so listening means ready.
    return RawResponse(200, "text/plain; charset=utf-8", b"all shards are ready")


def list_collections(registry: CollectionRegistry, request: ApiRequest) -> Json:
    return {"collections": [{"name": name} for name in registry.names()]}


def collection_exists(registry: CollectionRegistry, request: ApiRequest) -> Json:
    return {"exists": registry.exists(request.collection_name)}


def get_collection(registry: CollectionRegistry, request: ApiRequest) -> Json:
    collection = registry.get(request.collection_name)
    with collection.reading() as shard:
        info = shard.info()
        # Segment counters can overstate after a crash (a replaced segment not yet cleaned
        # up); an exact count reads the id tracker and is cheap.
        points_count = shard.count(qe.CountRequest(exact=True))
    declared = collection.metadata.payload_indexes
    return {
        "status": "green",
        "optimizer_status": "ok",
        "indexed_vectors_count": info.indexed_vectors_count,
        "points_count": points_count,
        "segments_count": info.segments_count,
        "config": collection_config_to_json(collection.metadata.create_request),
        "payload_schema": {
            field_name: payload_index_to_json(index, declared.get(field_name))
            for field_name, index in info.payload_schema.items()
        },
    }


def create_collection(registry: CollectionRegistry, request: ApiRequest) -> Json:
    registry.create(request.collection_name, request.body_object())
    return True


def delete_collection(registry: CollectionRegistry, request: ApiRequest) -> Json:
    return registry.delete(request.collection_name)


def create_payload_index(registry: CollectionRegistry, request: ApiRequest) -> Json:
    body = request.body_object()
    field_name = body.get("field_name")
    if not isinstance(field_name, str) or not field_name:
        raise BadInput("`field_name` must be a non-empty string")
    declared_schema: Any = body.get("field_schema")
    if declared_schema is None:
        raise BadInput("`field_schema` is required: Qdrant Edge does not infer index types")
    schema = parse_field_schema(declared_schema)
    collection = registry.get(request.collection_name)
    # Shard first, then our record: a crash in between leaves an index we do not list in
    # collection.json, which Edge still reports and a later delete still removes.
    operation_id = collection.write(qe.UpdateOperation.create_field_index(field_name, schema))
    collection.save_payload_index(field_name, declared_schema)
    return update_result(operation_id, request.wait)
