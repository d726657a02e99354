"""The analysis run's pure parts: prefilter, offline proposer, LLM answer parsing, recommendations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.extractor.analysis.drafts import ProjectContext, recommend
from services.extractor.analysis.llm import ProposerError, parse, render
from services.extractor.analysis.offline import OfflineProposer, propose_conversation
from services.extractor.analysis.prefilter import prefilter
from services.extractor.model import SourceMessage

T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def msg(n: int, text: str, classification: str = "signal", minutes: int | None = None) -> SourceMessage:
    return SourceMessage(
        key=f"k:{n}",
        text=text,
        sent_at=T0 + timedelta(minutes=n if minutes is None else minutes),
        chat_id="1",
        message_id=n,
        classification=classification,
        score=0.8,
    )


def test_prefilter_drops_noise_short_messages_and_off_project_ones() -> None:
    messages = [
        msg(1, "Оплата карткою падає з помилкою 500", "signal"),
        msg(2, "ок дякую", "signal"),  # under 10 characters
        msg(3, "Logout button is broken on Android", "weak_signal"),
        msg(4, "Платеж не проходит, нужно срочно посмотреть", "noise"),
        msg(5, "Платежи снова падают после релиза", "signal"),
    ]
    assert [m.key for m in prefilter(messages)] == ["k:1", "k:3", "k:5"]
    project = ProjectContext(name="Payments", keywords=["оплат", "Платеж"])
    assert [m.key for m in prefilter(messages, project)] == ["k:1", "k:5"]
    # A keyword matches at the start of a word only: "login" is not found inside "relogin".
    components = ProjectContext(components=[{"name": "auth", "keywords": ["login"]}])
    assert prefilter([msg(1, "please relogin and retry now")], components) == []
    assert len(prefilter([msg(1, "Login fails with a 500 error")], components)) == 1


@pytest.mark.parametrize(
    ("text", "category", "priority"),
    [
        ("Found a crash on Android 14 when opening the top-up screen: IllegalStateException", "bug", "medium"),
        ("Блокер: на iOS не приходять push-сповіщення про поповнення.", "bug", "high"),
        ("Нужно добавить экспорт отчётов в CSV для бухгалтерии до конца месяца", "feature", "medium"),
        ("⚠️ На проді 502 на /v2/payments, прод лежить, терміново дивимось", "bug", "critical"),
    ],
)
def test_work_in_each_language_becomes_a_proposal_citing_its_message(text: str, category: str, priority: str) -> None:
    draft = propose_conversation([msg(1, "Привіт усім 👋"), msg(2, text)], None)
    assert draft is not None
    assert (draft.category, draft.priority, draft.message_keys) == (category, priority, ["k:2"])
    assert 0.5 <= draft.confidence <= 1


@pytest.mark.parametrize(
    "text",
    [
        "Gradle cache на CI-раннерах переповнився, почистив.",
        "Fixed the flaky login test, all green now",
        "Нагадую: staging сьогодні о 18:00 перезапускається",
        "дякую, супер 🙌",
        "Как прошли выходные? Кто-нибудь был на концерте?",
    ],
)
def test_finished_work_notices_and_chatter_propose_nothing(text: str) -> None:
    assert propose_conversation([msg(1, text)], None) is None


def test_one_proposal_per_conversation_and_a_solved_problem_is_less_certain() -> None:
    problem = msg(1, "The export job times out after 30s on staging, error 504")
    requirement = msg(2, "We need to add a retry with backoff there, it must not fail silently")
    solution = msg(3, "Solution: I raised the timeout to 120s and it works now on staging")
    open_draft = propose_conversation([problem, requirement], None)
    solved_draft = propose_conversation([problem, requirement, solution], None)
    assert open_draft is not None and solved_draft is not None
    assert open_draft.message_keys == ["k:1", "k:2"] and open_draft.category == "bug"
    assert solved_draft.confidence < open_draft.confidence and "solution" in solved_draft.reasoning


def test_project_rules_raise_priority_and_tag_components() -> None:
    project = ProjectContext(
        components=[{"name": "payments", "keywords": ["оплат"]}],
        priority_rules=[{"keywords": ["apple pay"], "priority": "high"}],
    )
    draft = propose_conversation([msg(1, "Apple Pay оплата не працює на iOS 17, помилка при підтвердженні")], project)
    assert draft is not None and draft.priority == "high" and "payments" in draft.tags


async def test_the_offline_proposer_is_deterministic_per_batch() -> None:
    batch = [[msg(1, "Login fails with error 500 after the update")], [msg(40, "Треба оновити документацію API")]]
    first = await OfflineProposer().propose(batch)
    assert first == await OfflineProposer().propose(batch) and len(first.drafts) == 2


def test_llm_answers_map_numbers_to_keys_and_malformed_ones_fail_with_the_reason() -> None:
    user, keys = render([[msg(1, "a problem here"), msg(2, "another one")]], ProjectContext(name="P", keywords=["x"]))
    assert keys == ["k:1", "k:2"] and "[2]" in user and "Project: P" in user
    answer = '{"proposals": [{"title": "Fix it", "message_ids": [2, 2, 7]}, {"title": "Ghost", "message_ids": [9]}]}'
    drafts = parse(f"```json\n{answer}\n```", keys)
    assert [(d.title, d.message_keys) for d in drafts] == [("Fix it", ["k:2"])]
    for broken in ("not json", '{"proposals": [{"title": "x"}]}', '{"proposals": [{"title": "x", "message_ids": []}]}'):
        with pytest.raises(ProposerError, match="malformed answer"):
            parse(broken, keys)
    with pytest.raises(ProposerError, match="malformed"):
        parse('{"proposals": [{"title": "x", "message_ids": [1], "priority": "urgent"}]}', keys)


def test_recommendation_by_similarity_and_confidence() -> None:
    limits = {"merge_at": 0.92, "update_at": 0.8, "reject_below": 0.5}
    assert recommend(0.9, 0.95, **limits) == "merge"
    assert recommend(0.9, 0.85, **limits) == "update_existing"
    assert recommend(0.3, 0.5, **limits) == "reject"
    assert recommend(0.7, None, **limits) == "new_task"
