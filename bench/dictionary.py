"""The query-word dictionary (shared/text/dictionary.py): load time, memory, lookup speed, and how much of a
chat's vocabulary it knows.

Run: `uv run python bench/dictionary.py`. Coverage is over the content words of the demo chat and the scenario
conversations (the vocabulary terms search stores), per script: the share the dictionary has an entry for, and
the share whose translation the same corpus also uses (what a query word can match). Prints, never asserts.
"""

from __future__ import annotations

import resource
import time

from services.ingest.export_reader import read_export
from shared.contracts.messages import MessageIngested
from shared.testing.search_quality import DEMO_EXPORT, scenario_events
from shared.text.dictionary import bundled
from shared.text.lemmas import warm_up
from shared.text.vocabulary import is_latin, text_terms


def corpus_texts() -> list[str]:
    """The texts search indexes in the quality benches: the demo export as the importer reads it, the scenarios."""
    demo = [item.text for item in read_export(DEMO_EXPORT) if isinstance(item, MessageIngested)]
    return [*demo, *(event.text for event in scenario_events())]


def main() -> None:
    warm_up()  # the lemmatiser's own dictionaries are not the dictionary's cost
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    dictionary = bundled()
    if dictionary is None:
        raise SystemExit("the dormouse-ua package is not installed")
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    print(f"load: {time.perf_counter() - started:.1f} s, peak memory +{grown:.0f} MB")
    print(f"entries: {len(dictionary.english)} Ukrainian words, {len(dictionary.ukrainian)} English words")

    terms = list(dict.fromkeys(t for text in corpus_texts() for t in text_terms(text)))
    vocabulary = set(terms)
    started = time.perf_counter()
    found = {term: dictionary.translations(term) for term in terms}
    took = time.perf_counter() - started
    print(f"lookups: {len(terms) / took:,.0f} words/s (first lookup of each word, lemmatiser cache warm)")
    for name, latin in (("Cyrillic (uk/ru)", False), ("Latin (en)", True)):
        part = [t for t in terms if is_latin(t) == latin]
        known = [t for t in part if found[t]]
        used = [t for t in known if any(x in vocabulary for x in found[t])]
        print(
            f"{name}: {len(part)} words, known {len(known) / len(part):.0%}, "
            f"with a translation the corpus uses {len(used) / len(part):.0%}"
        )
        print("  e.g. " + ", ".join(f"{t} → {next(x for x in found[t] if x in vocabulary)}" for t in used[:8]))


if __name__ == "__main__":
    main()
