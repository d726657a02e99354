"""Pure scoring: factors, weights, thresholds and the noise guarantee."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.scorer.scoring import (
    Score,
    ScoringInput,
    ScoringWeights,
    Thresholds,
    analyse_content,
    classify,
    score_message,
)

PURE_NOISE = [
    "",
    "   ",
    "ok",
    "OK",
    "ок",
    "+",
    "+1",
    "дякую",
    "Дякую!",
    "спасибо",
    "thanks!",
    "👍",
    "😂😂😂",
    "🔥🔥🔥🔥",
    "[sticker]",
    "Стікер",
    "привіт",
    "Привіт всім!",
    "Hi everyone!",
    "Good morning",
    "Доброе утро",
    "хахаха",
    "ахаха",
    "lol",
    "ржу",
    "ага",
    "так",
    "згоден",
    "понял",
    "yep",
    "sure",
    "got it",
    "brb",
    "на звʼязку",
    "Як справи?",
    "....",
    "???",
    "Ок, дякую 🙏",
    "Супер, дякую!",
    "👍👍 +1",
]

contexts = st.fixed_dictionaries(
    {
        "author_signal_ratio": st.none() | st.floats(0, 1),
        "is_reply": st.booleans(),
        "seconds_since_previous": st.none() | st.floats(0, 1e7),
        "topic_keywords": st.frozensets(st.sampled_from(["ok", "дякую", "deploy", "кеш", "thanks", "привіт"])),
    }
)


def neutral(text: str) -> Score:
    return score_message(ScoringInput(text=text))


@settings(max_examples=400, deadline=None)
@given(text=st.sampled_from(PURE_NOISE), context=contexts)
def test_pure_noise_is_noise_whatever_author_timing_and_topic(text: str, context: dict[str, object]) -> None:
    result = score_message(ScoringInput(text=text, **context))  # type: ignore[arg-type]
    assert result.score < 0.30
    assert result.classification == "noise"


@settings(max_examples=200, deadline=None)
@given(
    emoji=st.text(st.sampled_from("👍😂🔥🎉❤️🙏😅✅🤔👏💯🚀"), min_size=1, max_size=8),
    noise=st.floats(0.05, 0.5),
    gap=st.floats(0.0, 0.45),
    context=contexts,
)
def test_emoji_only_messages_stay_below_any_configured_noise_threshold(
    emoji: str, noise: float, gap: float, context: dict[str, object]
) -> None:
    thresholds = Thresholds(noise=noise, signal=min(0.99, noise + gap))
    result = score_message(ScoringInput(text=emoji, **context), thresholds=thresholds)  # type: ignore[arg-type]
    assert result.score < thresholds.noise and result.classification == "noise"


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300), context=contexts)
def test_any_text_scores_in_unit_interval_with_a_consistent_label(text: str, context: dict[str, object]) -> None:
    result = score_message(ScoringInput(text=text, **context))  # type: ignore[arg-type]
    assert 0.0 <= result.score <= 1.0
    assert result.classification == classify(result.score, Thresholds())
    assert set(result.factors) == {"content", "author", "temporal", "topic"}
    assert all(0.0 <= v <= 1.0 for v in result.factors.values())


@settings(max_examples=100, deadline=None)
@given(low=st.floats(0, 1), high=st.floats(0, 1))
def test_a_better_author_history_never_lowers_the_score(low: float, high: float) -> None:
    low, high = sorted((low, high))
    text = "Деплой перенесли на четвер, треба оновити міграцію БД"
    assert neutral(text).score >= 0  # sanity
    a = score_message(ScoringInput(text=text, author_signal_ratio=low)).score
    b = score_message(ScoringInput(text=text, author_signal_ratio=high)).score
    assert b >= a


def test_a_fresh_ok_scores_below_the_noise_threshold_unlike_the_reference() -> None:
    result = score_message(ScoringInput(text="ok", is_reply=True, seconds_since_previous=7200))
    assert result.score < 0.30 and result.classification == "noise"


@pytest.mark.parametrize(
    "text",
    [
        "Помилка 502 на /api/v2/tasks після оновлення nginx, відкотив конфіг до 1.24",
        "Decision: we freeze the API schema for v3 until the release on March 12",
        "Решили хранить эмбеддинги в pgvector, Redis только для кэша сессий",
        "Traceback (most recent call last):\n  File \"app.py\", line 10\nKeyError: 'user_id'",
        "Fix:\n```python\nawait broker.kiq(save_message, data)\n```",
        "Дедлайн по інтеграції з Jira — 15 травня, треба встигнути з міграцією, відповідальний Олег",
    ],
)
def test_errors_decisions_deadlines_and_code_are_signal_without_context(text: str) -> None:
    assert neutral(text).classification == "signal", neutral(text)


@pytest.mark.parametrize(
    "text",
    [
        "щось з кешем",
        "працюю над цим",
        "Still investigating",
        "може проблема в конфігу?",
        "что-то сломалось",
        "https://github.com/org/repo/pull/456",
        "Anyone else seeing this?",
        "не розумію що трапилось",
    ],
)
def test_short_vague_work_messages_are_weak_signal(text: str) -> None:
    assert neutral(text).classification == "weak_signal", neutral(text)


@pytest.mark.parametrize(
    "text",
    ["Хтось йде на обід?", "Who wants pizza for lunch?", "Скучно", "Really?", "Вже пізно", "Sick"],
)
def test_small_talk_and_one_word_reactions_are_noise(text: str) -> None:
    assert neutral(text).classification == "noise", neutral(text)


def test_a_greeting_does_not_hide_the_report_that_follows_it() -> None:
    text = "Привіт! Після вчорашнього деплою воркер падає з timeout на запитах до БД, треба відкотити"
    assert neutral(text).classification == "signal"


def test_the_rules_alone_keep_short_messages_below_signal() -> None:
    assert analyse_content("DB is down").value <= 0.70


@pytest.mark.parametrize("text", ["прод впав", "CRM завис", "сайт лежит", "staging is down", "не проходить оплата"])
def test_short_problem_reports_reach_signal_with_the_model(text: str) -> None:
    assert neutral(text).classification == "signal", neutral(text)


@pytest.mark.parametrize("text", ["@oleh @marina", "@devops-team", "@ivan 👍", "@anna_s, @dmitry"])
def test_a_message_of_nothing_but_mentions_is_pure_noise(text: str) -> None:
    result = score_message(ScoringInput(text=text, author_signal_ratio=1.0, is_reply=True))
    assert result.classification == "noise" and result.factors["content"] == 0.0


def test_a_long_specific_message_without_lexicon_cues_reaches_signal() -> None:
    text = "Бухгалтерія просить щоб акти звірки приходили їм окремим листом, а не разом з рахунками"
    assert neutral(text).classification == "signal", neutral(text)
    assert analyse_content(text).value <= 0.75  # the rules alone stop at weak: this is what the model adds


def test_a_repeated_text_in_the_chat_carries_less() -> None:
    text = "хтось дивився чому впав нічний експорт?"  # a fair question once, chatter when it keeps coming back
    first = score_message(ScoringInput(text=text))
    assert first.classification == "weak_signal"
    again = score_message(ScoringInput(text=text, repeats=1))
    assert again.factors["content"] < first.factors["content"]
    assert score_message(ScoringInput(text=text, repeats=2)).classification == "noise"


def test_the_rules_alone_are_still_available() -> None:
    text = "Клієнт з Полтави пише що після оновлення застосунку не бачить своїх попередніх замовлень у профілі"
    rules = score_message(ScoringInput(text=text), model=False)
    assert rules.factors["content"] == round(analyse_content(text).value, 4)


def test_context_moves_weak_content_up_or_down() -> None:
    text = "може проблема в конфігу воркера?"
    base = neutral(text).score
    boosted = score_message(
        ScoringInput(text=text, author_signal_ratio=1.0, is_reply=True, topic_keywords=frozenset({"воркера"}))
    ).score
    lowered = score_message(
        ScoringInput(
            text=text, author_signal_ratio=0.0, seconds_since_previous=1.0, topic_keywords=frozenset({"billing"})
        )
    ).score
    assert lowered < base < boosted


def test_topic_keywords_match_words_case_insensitively_never_inside_other_words() -> None:
    hit = score_message(ScoringInput(text="Scorer latency is up", topic_keywords=frozenset({"SCORER"})))
    miss = score_message(ScoringInput(text="the book is on the shelf", topic_keywords=frozenset({"ok"})))
    assert hit.factors["topic"] > miss.factors["topic"]


def test_long_topic_keywords_match_inflected_forms() -> None:
    inflected = score_message(ScoringInput(text="Що з міграції бази?", topic_keywords=frozenset({"міграція"})))
    other = score_message(ScoringInput(text="Що з бекапом бази?", topic_keywords=frozenset({"міграція"})))
    assert inflected.factors["topic"] > other.factors["topic"]


def test_neutral_context_factors_are_one_half() -> None:
    factors = neutral("щось з кешем").factors
    assert factors["author"] == factors["temporal"] == factors["topic"] == 0.5


@pytest.mark.parametrize(
    ("score", "label"),
    [
        (0.0, "noise"),
        (0.2999, "noise"),
        (0.30, "weak_signal"),
        (0.60, "weak_signal"),
        (0.6001, "signal"),
        (1.0, "signal"),
    ],
)
def test_classify_uses_strict_bounds_at_both_thresholds(score: float, label: str) -> None:
    assert classify(score, Thresholds()) == label


def test_custom_thresholds_change_the_label_not_the_score() -> None:
    text = "працюю над цим"
    default = neutral(text)
    strict = score_message(ScoringInput(text=text), thresholds=Thresholds(noise=0.5, signal=0.8))
    assert strict.score == default.score and strict.classification == "noise"


def test_weights_must_sum_to_one() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        ScoringWeights(content=0.5)
    assert ScoringWeights(content=0.7, author=0.1, temporal=0.1, topic=0.1).content == 0.7


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ValueError):
        Thresholds(noise=0.7, signal=0.6)


def test_custom_weights_are_applied() -> None:
    # Rich content, so the content ceiling is not what limits the score.
    text = "Вирішили: переходимо на TaskIQ до п'ятниці, Ігор робить міграцію БД"
    heavy_author = ScoringWeights(content=0.2, author=0.6, temporal=0.1, topic=0.1)
    low = score_message(ScoringInput(text=text, author_signal_ratio=0.0), weights=heavy_author).score
    high = score_message(ScoringInput(text=text, author_signal_ratio=1.0), weights=heavy_author).score
    assert high - low == pytest.approx(0.6, abs=1e-3)
