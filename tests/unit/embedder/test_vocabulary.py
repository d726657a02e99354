"""The embedder's vocabulary: each new word is embedded once per model, and again if its event was not published."""

from __future__ import annotations

from services.embedder.vocabulary import TERMS_PER_EVENT, Vocabulary, chunks, terms_msg_id


async def test_a_word_is_new_once_per_model_and_again_after_a_failed_publish_releases_it() -> None:
    words = Vocabulary()
    assert await words.claim_new(None, "m1", ["Кеш інвалідація", "кешу"]) == ["кеш", "інвалідація"]
    assert await words.claim_new(None, "m1", ["кеш", "cache"]) == ["cache"]
    assert await words.claim_new(None, "m2", ["кеш"]) == ["кеш"]  # another model has vectors of its own
    words.release("m1", ["cache"])
    assert await words.claim_new(None, "m1", ["cache"]) == ["cache"]


def test_events_carry_a_bounded_number_of_words_and_a_retry_has_the_same_id() -> None:
    terms = [f"word{chr(97 + i % 26)}{i}" for i in range(TERMS_PER_EVENT * 2 + 1)]
    parts = chunks(terms)
    assert [len(p) for p in parts] == [TERMS_PER_EVENT, TERMS_PER_EVENT, 1]
    assert terms_msg_id("m", parts[0]) == terms_msg_id("m", list(parts[0])) != terms_msg_id("m", parts[1])
