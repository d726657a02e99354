"""asyncpg connections to the read models, with pgvector and msgspec-JSON codecs on every connection."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec
import numpy as np
from pgvector import Vector
from pgvector.asyncpg import register_vector

_json_encoder = msgspec.json.Encoder()
_json_decoder = msgspec.json.Decoder()
_JSONB_VERSION = b"\x01"  # jsonb's binary wire format is a version byte followed by the JSON text
_VECTOR_HEADER = struct.Struct(">HH")  # dimensions, unused
# asyncpg prepares every statement, and PostgreSQL switches a prepared statement to a generic plan after
# five runs. Read models start empty: a generic plan made then (a sequential scan) would stay for the
# connection's life while the table grows to millions of rows. Planning each run costs far less.
# The read models live in memory or on SSDs, where a random page costs about what a sequential one does:
# with the default of 4, key look-ups by the thousand (dedup before insert) scanned whole tables.
SERVER_SETTINGS = {"plan_cache_mode": "force_custom_plan", "random_page_cost": "1.1"}


def asyncpg_dsn(database_url: str) -> str:
    """Strip a driver suffix (`postgresql+psycopg://`): asyncpg only knows the plain schemes."""
    parts = urlsplit(database_url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgres", "postgresql"):
        raise ValueError(f"not a PostgreSQL URL (scheme {parts.scheme!r}); expected postgresql://…")
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, parts.fragment))


def _encode_jsonb(value: Any) -> bytes:
    # Values are Python objects (dicts, lists, msgspec Structs); a str is stored as a JSON string,
    # so never pass pre-encoded JSON text.
    return _JSONB_VERSION + _json_encoder.encode(value)


def _decode_jsonb(data: bytes) -> Any:
    return _json_decoder.decode(data[1:])


def _encode_vector(value: np.ndarray | Sequence[float] | Vector) -> bytes:
    if isinstance(value, Vector):
        return value.to_binary()
    arr = np.asarray(value, dtype=">f4")
    if arr.ndim != 1:
        raise ValueError(f"a vector must be one-dimensional, got shape {arr.shape}")
    return _VECTOR_HEADER.pack(arr.shape[0], 0) + arr.tobytes()


def _decode_vector(data: bytes) -> np.ndarray:
    # numpy float32 rather than pgvector's Vector: the embedder and the similarity code work in numpy.
    dims, _ = _VECTOR_HEADER.unpack_from(data)
    return np.frombuffer(data, dtype=">f4", count=dims, offset=_VECTOR_HEADER.size).astype(np.float32)


async def init_connection(conn: asyncpg.Connection) -> None:
    """Register the codecs; needs the `vector` extension, so run migrations before opening a pool."""
    await register_vector(conn)  # halfvec / sparsevec codecs where the extension has them
    await conn.set_type_codec(
        "vector", schema="public", encoder=_encode_vector, decoder=_decode_vector, format="binary"
    )
    for type_name in ("jsonb", "json"):
        binary = type_name == "jsonb"
        await conn.set_type_codec(
            type_name,
            schema="pg_catalog",
            encoder=_encode_jsonb if binary else lambda v: _json_encoder.encode(v).decode(),
            decoder=_decode_jsonb if binary else _json_decoder.decode,
            format="binary" if binary else "text",
        )


async def create_pool(database_url: str, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A connection pool whose connections all carry the vector and JSON codecs."""
    pool = await asyncpg.create_pool(
        asyncpg_dsn(database_url),
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        server_settings=SERVER_SETTINGS,
    )
    assert pool is not None  # only None when awaited inside `async with`, which we do not do
    return pool


async def connect(database_url: str) -> asyncpg.Connection:
    """One connection with the same codecs as the pool (CLI commands, replay, tests)."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url), server_settings=SERVER_SETTINGS)
    try:
        await init_connection(conn)
    except BaseException:
        await conn.close()
        raise
    return conn
