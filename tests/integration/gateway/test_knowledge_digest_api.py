"""The digest over HTTP: JSON and Markdown, by topic, with source messages; open means unsolved."""

from __future__ import annotations

import httpx

from shared.contracts.knowledge import TopicCreated, topic_id_for
from shared.testing.gateway import TOKEN, GatewayHarness

from .knowledge_events import KEYS, TOPIC, atom, publish, seed_run, wait_until

AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def test_digest_lists_decisions_by_topic_open_problems_and_questions_with_sources(
    harness: GatewayHarness,
) -> None:
    async with harness.serve() as base, httpx.AsyncClient(base_url=base, headers=AUTH, timeout=10) as api:
        _, ids = await seed_run(harness)
        blocker = atom("blocker", "Staging лежить", KEYS[3:4], confidence=0.95)
        await publish(harness, [TopicCreated(topic_id=topic_id_for("Other"), name="Other"), blocker])
        await wait_until(harness, "SELECT 1 FROM atoms WHERE id = $1", blocker.atom_id)

        body = (await api.get("/api/v1/knowledge/digest", params={"days": 7})).json()
        assert [(g["topic"]["name"], [a["title"] for a in g["atoms"]]) for g in body["decisions"]] == [
            (TOPIC, ["Деплоїмо лише у вівторок"])
        ]
        # The problem has a solution linked with `solves`; the blocker has none.
        assert [a["id"] for a in body["open_problems"]] == [blocker.atom_id]
        assert [a["id"] for a in body["open_questions"]] == [ids["question"]]
        (source,) = body["open_problems"][0]["source_messages"]
        assert source["key"] == KEYS[3] and source["text"].startswith("повідомлення 4") and source["author"]
        assert body["open_problems"][0]["age_days"] == 0

        markdown = await api.get("/api/v1/knowledge/digest", params={"days": 14}, headers={"Accept": "text/markdown"})
        assert markdown.status_code == 200 and markdown.headers["content-type"] == "text/markdown; charset=utf-8"
        text = markdown.text
        assert text.startswith("# Knowledge digest: last 14 days")
        assert f"### {TOPIC}\n- **Деплоїмо лише у вівторок**" in text
        assert "- [blocker] **Staging лежить** — open since today (unreviewed)" in text
        assert "повідомлення 4: the deploy failed with error 500" in text
        assert "Who owns the staging database?" in text

        other = (await api.get("/api/v1/knowledge/digest", params={"topic": topic_id_for("Other")})).json()
        assert other["topic"]["name"] == "Other" and other["decisions"] == [] and other["open_problems"] == []
        assert (await api.get("/api/v1/knowledge/digest", params={"days": 5})).status_code == 400
        missing = await api.get("/api/v1/knowledge/digest", params={"topic": "00000000-0000-4000-8000-00000000dead"})
        assert missing.status_code == 404
