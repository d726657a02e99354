"""Lexicon patterns: whole-word matching in Ukrainian, Russian and English."""

from __future__ import annotations

import pytest

from services.scorer import lexicon as lx


def test_ok_inside_book_is_not_agreement() -> None:
    assert lx.AGREEMENT.search("read the book") is None
    assert lx.AGREEMENT.search("ok, merging") is not None


def test_dyakuyu_matches_alone_but_not_inside_another_word() -> None:
    assert lx.THANKS.search("Дякую!") is not None
    assert lx.THANKS.search("дякуємо всім") is not None
    assert lx.THANKS.search("я подякую йому пізніше") is None


def test_tak_inside_a_sentence_is_not_a_noise_segment() -> None:
    assert lx.NOISE_SEGMENT.fullmatch("так")
    assert not lx.NOISE_SEGMENT.fullmatch("тут щось не так")


@pytest.mark.parametrize(
    "segment",
    [
        "привіт всім",
        "добрий день",
        "спасибо",
        "thanks guys",
        "+",
        "+1",
        "ок",
        "окей",
        "понял",
        "згоден",
        "ага",
        "хахаха",
        "ахах",
        "lol",
        "ржу",
        "brb",
        "на зв'язку",
        "як справи",
        "what's up",
        "good morning team",
        "до зустрічі",
        "see you",
        "ддддд",
        "10-4",
    ],
)
def test_greetings_thanks_agreement_laughter_and_chatter_are_noise_segments(segment: str) -> None:
    assert lx.NOISE_SEGMENT.fullmatch(segment), segment


@pytest.mark.parametrize(
    "segment",
    ["book", "okay the build is red", "привіт з продакшену", "дякую за фікс міграції", "lol the db"],
)
def test_segments_with_content_are_not_noise(segment: str) -> None:
    assert not lx.NOISE_SEGMENT.fullmatch(segment), segment


@pytest.mark.parametrize("text", ["помилка в білді", "через помилку", "помилкою", "ошибка 500", "нашёл ошибку"])
def test_error_stems_match_inflected_ukrainian_and_russian_forms(text: str) -> None:
    assert lx.ERROR.search(text), text


@pytest.mark.parametrize("text", ["безпомилковий", "багато людей", "ошибочно"])
def test_error_stems_do_not_fire_inside_other_words(text: str) -> None:
    assert lx.ERROR.search(text) is None, text


def test_curly_and_modifier_apostrophes_normalise_to_one_form() -> None:
    assert lx.normalise("на звʼязку") == lx.normalise("на зв’язку") == "на зв'язку"


def test_backticks_survive_normalisation_so_inline_code_is_seen() -> None:
    assert lx.CODE_TOKEN.search(lx.normalise("run `make migrate` first"))


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (lx.URL, "see https://github.com/org/repo/pull/12"),
        (lx.CODE_TOKEN, "fails in app/services/scorer.py"),
        (lx.CODE_TOKEN, "call get_llm_service() there"),
        (lx.STACK_TRACE, 'File "app.py", line 3\nKeyError: x'),
        (lx.NUMBER_WITH_UNIT, "p95 is 120ms now"),
        (lx.NUMBER_WITH_UNIT, "released v2.3.1"),
        (lx.DEADLINE, "дедлайн до п'ятниці"),
        (lx.DEADLINE, "нужно к пятнице"),
        (lx.DECISION, "вирішили перейти на pgvector"),
        (lx.DECISION, "решили оставить Redis"),
        (lx.REQUIREMENT, "треба додати ретраї"),
        (lx.TASK, "я візьму цей тікет"),
        (lx.TECH, "на сервері закінчилась пам'ять"),
    ],
)
def test_signal_patterns_find_links_code_numbers_deadlines_decisions_and_tasks(pattern: object, text: str) -> None:
    assert pattern.search(lx.normalise(text)), text  # type: ignore[attr-defined]


def test_first_letter_grouping_keeps_top_level_alternatives_separate() -> None:
    pattern = lx.whole_words([r"переходимо|переїжджаємо", "ok+"])
    assert pattern.search("переїжджаємо завтра")
    assert pattern.search("okkk")
    assert pattern.search("ппереходимо") is None


@pytest.mark.parametrize(
    "text",
    [
        "імпорт не проходить",
        "пошта не відправляється",
        "платежі не проходять вже годину",
        "клієнти не можуть оплатити",
        "черга стоїть",
        "Kafka лягла",
        "касса не печатает чеки",
        "отчёт не выгружается",
        "the site won't load",
        "deploy is stuck",
        "the queue is backed up",
        "search returns nothing",
    ],
)
def test_broken_finds_statements_that_something_stopped_working(text: str) -> None:
    assert lx.BROKEN.search(text) is not None


@pytest.mark.parametrize(
    "text", ["не знаю кому питати", "я не зрозумів задачу", "не встиг", "не уверен что это правильно", "тут не так"]
)
def test_broken_leaves_first_person_negations_of_knowing_or_managing(text: str) -> None:
    assert lx.BROKEN.search(text) is None


@pytest.mark.parametrize(
    "text", ["хтось бачив мій зарядник?", "метро стоит, опоздаю", "has anyone seen my keys?", "в їдальні борщ"]
)
def test_everyday_office_life_is_chatter(text: str) -> None:
    assert lx.CHATTER.search(text) is not None


@pytest.mark.parametrize("text", ["пофіксив", "задеплоїв", "смержил", "выкатил", "merged", "deployed"])
def test_dev_workflow_done_statuses_are_status(text: str) -> None:
    assert lx.STATUS.search(text) is not None
