"""A query word's equivalents in the chat's other script, found in the chat's own vocabulary.

Lemmas never cross scripts, and multilingual-e5 often misses a pair between whole messages («інвалідація кешу»
against "requires invalidation logic"), yet it places many single words next to their translation or loanword
(«сертифікат» ~ certificate, «регрес» ~ regression). Every word of the embedded messages is stored with its
vector (table search_terms, filled by the embedder through the projector); a query word is embedded the same way
and its nearest words of the other script are its candidates.

Raw nearest neighbours are dominated by hubs: words close to everything (a long identifier, "www"). They are
scored by CSLS (cross-domain similarity local scaling, Conneau et al. 2018, the standard fix in bilingual
lexicon induction): 2·cos(x, y) − r(x) − r(y), where r is a word's mean similarity to its nearest words of the
other script. A candidate counts as a translation above MIN_CSLS, at most MAX_PER_WORD per word.

The vectors miss many loanwords («індекс» has no "index" among its nearest words), so words spelled alike in
Latin letters (shared/text/spelling.py) are candidates too, and count with a lower CSLS (MIN_LOANWORD_CSLS):
the spelling says they are the same word, the vectors only have to not disagree. A Cyrillic word also meets the
other East Slavic spelling of itself this way (Russian «приходят» → «приходить», Ukrainian «приходити»), which
lemmas never join; within one script the spelling must be nearly the same (MIN_COGNATE_LIKENESS).

Before both, a dictionary (shared/text/dictionary.py) says what a word means where it knows the word: «кешу» →
cache, «пакетна» → batch, "decision" → «рішення». Its translations count when the chat uses them (they are in
the vocabulary), at most MAX_DICTIONARY_PER_WORD, ahead of the ones spelling finds; the vectors' nearest words
count only for words the dictionary does not know (for one it knows they were mostly wrong: bench figures in
the README).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg
import nats
import numpy as np

from services.gateway.search.embed_client import EmbeddingUnavailable, embed_text
from shared.logging import get_logger
from shared.settings import Settings
from shared.text.dictionary import Dictionary, bundled
from shared.text.lemmas import words
from shared.text.spelling import STEM, likeness, sound_key
from shared.text.vocabulary import is_latin, vocabulary_term

log = get_logger(__name__)

NEIGHBOURS = 10  # r(x): mean similarity to this many nearest words of the other script
MIN_CSLS = 0.02  # chosen on the tuning half of data/search_queries.json (bench/search_quality.py)
MIN_LOANWORD_CSLS = -0.03
MIN_LOANWORD_LIKENESS = 0.5  # Dice of the sound keys' letter pairs
MIN_COGNATE_LIKENESS = 0.8  # the same, for a Russian and a Ukrainian word
MAX_PER_WORD = 2
MAX_DICTIONARY_PER_WORD = 2
_VECTOR_CACHE = 4096  # query words: a vector per model never changes
HUB_TTL_S = 600.0
HUB_CACHE = 50_000


@dataclass(frozen=True)
class Candidate:
    term: str
    similarity: float  # cosine to the query word
    hub: float  # r(term): its mean similarity to its nearest words of the query word's script
    sound_key: str = ""
    nearest: bool = True  # among the query word's nearest vectors (else found by spelling only)


def is_loanword_pair(term: str, candidate: Candidate) -> bool:
    """Spelled alike in Latin letters: equal sound keys, or a shared stem and most letter pairs in common."""
    key = sound_key(term)
    if key == candidate.sound_key:
        return True
    floor = MIN_COGNATE_LIKENESS if is_latin(term) == is_latin(candidate.term) else MIN_LOANWORD_LIKENESS
    return key[:STEM] == candidate.sound_key[:STEM] and likeness(key, candidate.sound_key) >= floor


def choose(term: str, candidates: Sequence[Candidate], *, by_meaning: bool = True) -> list[str]:
    """The candidates that count as translations of `term`, best first (pure: unit-tested); without
    `by_meaning`, only loanwords."""
    near = [c.similarity for c in candidates if c.nearest]
    own_hub = sum(near) / len(near) if near else 0.0
    scored = []
    for c in candidates:
        csls = 2 * c.similarity - own_hub - c.hub
        if (by_meaning and c.nearest and csls >= MIN_CSLS) or (csls >= MIN_LOANWORD_CSLS and is_loanword_pair(term, c)):
            scored.append((csls, c.term))
    scored.sort(key=lambda pair: -pair[0])
    return [term for _, term in scored[:MAX_PER_WORD]]


_CANDIDATES_SQL = """
    (SELECT term, sound_key, true AS nearest, 1 - (embedding <=> $1) AS similarity FROM search_terms
     WHERE embedding_model = $2 AND latin <> $3
     ORDER BY embedding <=> $1 LIMIT $4)
    UNION ALL
    (SELECT term, sound_key, false, 1 - (embedding <=> $1) FROM search_terms
     WHERE embedding_model = $2 AND (latin <> $3 OR NOT $3) AND left(sound_key, $6) = left($5, $6) AND term <> $7
     LIMIT $4)
"""
_HUBS_SQL = """
    SELECT c.term, (
        SELECT avg(1 - (t.embedding <=> c.embedding))
        FROM (SELECT embedding FROM search_terms
              WHERE embedding_model = $1 AND latin = $3
              ORDER BY embedding <=> c.embedding LIMIT $4) AS t
    ) AS hub
    FROM search_terms AS c
    WHERE c.embedding_model = $1 AND c.term = ANY($2::text[])
"""


class Hubs:
    """r(y) of vocabulary words, kept a while: each costs an index walk, the same hubs come up for every query,
    and a word's r drifts only as the vocabulary grows."""

    def __init__(self, ttl_s: float = HUB_TTL_S, size: int = HUB_CACHE) -> None:
        self._ttl_s, self._size = ttl_s, size
        self._known: dict[tuple[str, str, bool], tuple[float, float]] = {}  # (model, term, latin) → (hub, until)

    async def of(self, conn: asyncpg.Connection, model_id: str, terms: list[str], latin: bool) -> dict[str, float]:
        """r of each term against the words of the script `latin` (the query word's)."""
        now = time.monotonic()
        found: dict[str, float] = {}
        for term in terms:
            cached = self._known.get((model_id, term, latin))
            if cached is not None and cached[1] > now:
                found[term] = cached[0]
        missing = [t for t in terms if t not in found]
        if missing:
            rows = await conn.fetch(_HUBS_SQL, model_id, missing, latin, NEIGHBOURS)
            if len(self._known) + len(rows) > self._size:
                self._known.clear()
            for row in rows:
                hub = float(row["hub"] or 0.0)
                found[row["term"]] = hub
                self._known[(model_id, row["term"], latin)] = (hub, now + self._ttl_s)
        return found


async def candidates(
    conn: asyncpg.Connection, term: str, vector: np.ndarray, model_id: str, hubs: Hubs
) -> list[Candidate]:
    """The term's nearest words of the other script and the ones spelled like it (a Cyrillic word's also in
    Cyrillic), each with its hubness."""
    latin = is_latin(term)
    rows = await conn.fetch(_CANDIDATES_SQL, vector, model_id, latin, NEIGHBOURS, sound_key(term), STEM, term)
    unique: dict[str, asyncpg.Record] = {}
    for r in rows:  # a word found both ways keeps its nearest-vector row (it counts in r(x))
        if r["term"] not in unique or r["nearest"]:
            unique[r["term"]] = r
    hub = await hubs.of(conn, model_id, list(unique), latin)
    return [
        Candidate(t, float(r["similarity"]), hub.get(t, 0.0), r["sound_key"], r["nearest"]) for t, r in unique.items()
    ]


async def in_vocabulary(conn: asyncpg.Connection, model_id: str, terms: set[str]) -> set[str]:
    """Those of the terms the chat's vocabulary holds."""
    if not terms:
        return set()
    rows = await conn.fetch(
        "SELECT term FROM search_terms WHERE embedding_model = $1 AND term = ANY($2::text[])", model_id, list(terms)
    )
    return {row["term"] for row in rows}


def configured_dictionary(settings: Settings) -> Callable[[], Dictionary | None]:
    """What TT_SEARCH_DICTIONARY names: the bundled dictionary, or none; a bad setting fails at start."""
    if settings.search_dictionary == "on":
        return bundled
    if settings.search_dictionary == "off":
        return lambda: None
    raise ValueError(f"unknown TT_SEARCH_DICTIONARY {settings.search_dictionary!r}; expected on or off")


class Translator:
    """Query words → their other-script equivalents in the vocabulary; one per gateway (caches word vectors)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        nc: nats.NATS,
        prefix: str,
        *,
        timeout: float,
        dictionary: Callable[[], Dictionary | None] = bundled,
    ) -> None:
        self._pool, self._nc, self._prefix, self._timeout = pool, nc, prefix, timeout
        self._vectors: dict[tuple[str, str], np.ndarray] = {}
        self._hubs = Hubs()
        self._load_dictionary = dictionary
        self._dictionary: asyncio.Future[Dictionary | None] | None = None

    def preload(self) -> None:
        """Start reading the dictionary (seconds, once per process) so the first search need not wait for it."""
        if self._dictionary is None:
            self._dictionary = asyncio.ensure_future(asyncio.to_thread(self._load_dictionary))

    async def dictionary(self) -> Dictionary | None:
        self.preload()
        assert self._dictionary is not None
        return await asyncio.shield(self._dictionary)  # a cancelled search must not cancel the loading

    async def _vector(self, term: str, model_id: str) -> np.ndarray | None:
        cached = self._vectors.get((model_id, term))
        if cached is not None:
            return cached
        reply = await embed_text(self._nc, self._prefix, term, kind="passage", timeout=self._timeout)
        if reply.model_id != model_id:  # the embedder changed model since the query was embedded
            return None
        vector = np.asarray(reply.vector, dtype=np.float32)
        if len(self._vectors) >= _VECTOR_CACHE:
            self._vectors.pop(next(iter(self._vectors)))
        self._vectors[(model_id, term)] = vector
        return vector

    async def translate(self, query: str, model_id: str) -> dict[str, list[str]]:
        """Each query word (as typed, lower-case) with its translations; words without any are left out.
        Best effort: when the embedder cannot answer, the query goes on untranslated."""
        by_word = {w: t for w in words(query) if (t := vocabulary_term(w)) is not None}
        if not by_word:
            return {}
        try:
            vectors = await asyncio.gather(*(self._vector(t, model_id) for t in by_word.values()))
        except EmbeddingUnavailable as exc:
            log.warning("query_words_not_translated", reason=str(exc))
            return {}
        dictionary = await self.dictionary()
        offered = {word: dictionary.translations(word) for word in by_word} if dictionary is not None else {}
        found: dict[str, list[str]] = {}
        async with self._pool.acquire() as conn:
            used = await in_vocabulary(conn, model_id, {t for terms in offered.values() for t in terms})
            for (word, term), vector in zip(by_word.items(), vectors, strict=True):
                meant = [t for t in offered.get(word, ()) if t in used and t != term][:MAX_DICTIONARY_PER_WORD]
                if vector is not None:
                    found_by = await candidates(conn, term, vector, model_id, self._hubs)
                    meant.extend(choose(term, found_by, by_meaning=not offered.get(word)))
                if meant:
                    found[word] = list(dict.fromkeys(meant))
        return found
