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
the spelling says they are the same word, the vectors only have to not disagree.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import nats
import numpy as np

from services.gateway.search.embed_client import EmbeddingUnavailable, embed_text
from shared.logging import get_logger
from shared.text.lemmas import words
from shared.text.spelling import STEM, likeness, sound_key
from shared.text.vocabulary import is_latin, vocabulary_term

log = get_logger(__name__)

NEIGHBOURS = 10  # r(x): mean similarity to this many nearest words of the other script
MIN_CSLS = 0.02  # chosen on the tuning half of data/search_queries.json (bench/search_quality.py)
MIN_LOANWORD_CSLS = -0.03
MIN_LOANWORD_LIKENESS = 0.5  # Dice of the sound keys' letter pairs
MAX_PER_WORD = 2
_VECTOR_CACHE = 4096  # query words: a vector per model never changes


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
    return key[:STEM] == candidate.sound_key[:STEM] and likeness(key, candidate.sound_key) >= MIN_LOANWORD_LIKENESS


def choose(term: str, candidates: Sequence[Candidate]) -> list[str]:
    """The candidates that count as translations of `term`, best first (pure: unit-tested)."""
    near = [c.similarity for c in candidates if c.nearest]
    own_hub = sum(near) / len(near) if near else 0.0
    scored = []
    for c in candidates:
        csls = 2 * c.similarity - own_hub - c.hub
        if csls >= MIN_CSLS or (csls >= MIN_LOANWORD_CSLS and is_loanword_pair(term, c)):
            scored.append((csls, c.term))
    scored.sort(key=lambda pair: -pair[0])
    return [term for _, term in scored[:MAX_PER_WORD]]


_CANDIDATES_SQL = """
    WITH candidates AS (
        (SELECT term, sound_key, embedding, true AS nearest FROM search_terms
         WHERE embedding_model = $2 AND latin <> $3
         ORDER BY embedding <=> $1 LIMIT $4)
        UNION ALL
        (SELECT term, sound_key, embedding, false FROM search_terms
         WHERE embedding_model = $2 AND latin <> $3 AND left(sound_key, $6) = left($5, $6)
         LIMIT $4)
    )
    SELECT c.term, c.sound_key, c.nearest, 1 - (c.embedding <=> $1) AS similarity, (
        SELECT avg(1 - (t.embedding <=> c.embedding))
        FROM (SELECT embedding FROM search_terms
              WHERE embedding_model = $2 AND latin = $3
              ORDER BY embedding <=> c.embedding LIMIT $4) AS t
    ) AS hub
    FROM candidates AS c
"""


async def candidates(conn: asyncpg.Connection, term: str, vector: np.ndarray, model_id: str) -> list[Candidate]:
    """The term's nearest words of the other script and the ones spelled like it, each with its hubness."""
    rows = await conn.fetch(_CANDIDATES_SQL, vector, model_id, is_latin(term), NEIGHBOURS, sound_key(term), STEM)
    found: dict[str, Candidate] = {}
    for r in rows:  # a word found both ways keeps its nearest-vector row (it counts in r(x))
        if r["term"] not in found or r["nearest"]:
            found[r["term"]] = Candidate(
                r["term"], float(r["similarity"]), float(r["hub"] or 0.0), r["sound_key"], r["nearest"]
            )
    return list(found.values())


class Translator:
    """Query words → their other-script equivalents in the vocabulary; one per gateway (caches word vectors)."""

    def __init__(self, pool: asyncpg.Pool, nc: nats.NATS, prefix: str, *, timeout: float) -> None:
        self._pool, self._nc, self._prefix, self._timeout = pool, nc, prefix, timeout
        self._vectors: dict[tuple[str, str], np.ndarray] = {}

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
        found: dict[str, list[str]] = {}
        async with self._pool.acquire() as conn:
            for (word, term), vector in zip(by_word.items(), vectors, strict=True):
                if vector is None:
                    continue
                if chosen := choose(term, await candidates(conn, term, vector, model_id)):
                    found[word] = chosen
        return found
