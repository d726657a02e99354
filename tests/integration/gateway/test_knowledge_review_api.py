"""Review over HTTP: list and detail, edit → proposed version → diff → approve applies → 409, reject, bulk."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from shared.contracts.knowledge import TopicCreated, topic_id_for
from shared.testing.gateway import TOKEN, GatewayHarness

from .knowledge_events import KEYS, TOPIC, seed_run, wait_until

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def client(base: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base + "/api/v1/knowledge", headers=AUTH, timeout=10)


async def test_lists_and_details_show_atoms_with_topics_links_and_source_messages(harness: GatewayHarness) -> None:
    async with harness.serve() as base, client(base) as api:
        run_id, ids = await seed_run(harness)
        atoms = (await api.get("/atoms")).json()
        assert len(atoms["items"]) == 4 and atoms["next_cursor"] is None
        assert all(a["topics"] == [{"id": ids["topic"], "name": TOPIC}] for a in atoms["items"])
        first = (await api.get("/atoms", params={"limit": 3})).json()
        rest = (await api.get("/atoms", params={"limit": 3, "cursor": first["next_cursor"]})).json()
        assert {a["id"] for a in first["items"] + rest["items"]} == {a["id"] for a in atoms["items"]}
        assert [a["title"] for a in (await api.get("/atoms", params={"type": "decision"})).json()["items"]] == [
            "Деплоїмо лише у вівторок"
        ]
        assert len((await api.get("/atoms", params={"min_confidence": 0.8})).json()["items"]) == 3
        assert len((await api.get("/atoms", params={"q": "staging"})).json()["items"]) == 1
        assert (await api.get("/atoms", params={"min_confidence": 0.9, "max_confidence": 0.1})).status_code == 400

        problem = (await api.get(f"/atoms/{ids['problem']}")).json()
        assert [m["key"] for m in problem["source_messages"]] == KEYS[:2]
        assert problem["source_messages"][0]["author"].startswith("User")
        assert problem["links"]["incoming"][0]["atom_id"] == ids["solution"]
        assert problem["links"]["incoming"][0]["link_type"] == "solves"
        assert [v["state"] for v in problem["versions"]] == ["proposed"]

        topics = (await api.get("/topics")).json()["items"]
        assert [(t["name"], t["atom_count"], t["message_count"]) for t in topics] == [(TOPIC, 4, 3)]
        detail = (await api.get(f"/topics/{ids['topic']}")).json()
        assert detail["atoms_by_type"] == {"decision": 1, "problem": 1, "question": 1, "solution": 1}
        assert len((await api.get(f"/topics/{ids['topic']}/atoms", params={"type": "problem"})).json()) == 1
        messages = (await api.get(f"/topics/{ids['topic']}/messages", params={"limit": 2})).json()
        more = (await api.get(f"/topics/{ids['topic']}/messages", params={"cursor": messages["next_cursor"]})).json()
        assert sorted(m["key"] for m in messages["items"] + more["items"]) == KEYS[:3]
        run = (await api.get(f"/runs/{run_id}")).json()
        assert run["status"] == "completed" and run["in_read_model"]["messages_consumed"] == 4
        assert (await api.get("/atoms/00000000-0000-4000-8000-00000000dead")).status_code == 404


async def test_edit_proposes_a_version_that_diffs_and_applies_on_approval_once(harness: GatewayHarness) -> None:
    async with harness.serve() as base, client(base) as api:
        _, ids = await seed_run(harness)
        problem = ids["problem"]
        edit = await api.patch(
            f"/atoms/{problem}", json={"title": "Деплой блокує реліз", "type": "blocker", "reason": "уточнення"}
        )
        assert edit.status_code == 202, edit.text
        assert edit.json()["version"] == 2 and edit.json()["created_by"] == "api"
        # Read-your-writes: the answer comes once the projector applied the event. The atom itself is unchanged
        # until the proposal is approved.
        assert (await api.get(f"/atoms/{problem}")).json()["title"] == "Деплой падає з помилкою 500"
        assert (await api.get("/versions/pending-count")).json() == {"topics": 0, "atoms": 5, "total": 5}
        queue = (await api.get("/versions", params={"state": "proposed", "entity": "atom"})).json()
        assert (
            len(queue) == 5 and queue[0]["version"] == 2 and queue[0]["entity_title"] == "Деплой падає з помилкою 500"
        )

        diff = (await api.get(f"/versions/atom/{problem}/diff")).json()
        assert diff["from"]["version"] == 1 and diff["to"] == {"version": 2, "state": "proposed"}
        assert set(diff["changes"]) == {"title", "type"}
        assert diff["text_diff"]["title"].endswith("-Деплой падає з помилкою 500\n+Деплой блокує реліз")
        assert (await api.get(f"/versions/atom/{problem}/diff", params={"from": 1, "to": 9})).status_code == 404
        assert (await api.get(f"/versions/thing/{problem}/diff")).status_code == 400

        # Nothing new: the same edit again is refused.
        same = await api.patch(f"/atoms/{problem}", json={"title": "Деплой блокує реліз", "type": "blocker"})
        assert same.status_code == 409
        bad = await api.patch(f"/atoms/{problem}", json={"confidence": 2})
        assert bad.status_code == 400 and "confidence" in bad.text

        first, second = await asyncio.gather(
            api.post(f"/versions/atom/{problem}/2/approve"), api.post(f"/versions/atom/{problem}/2/approve")
        )
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        atom = (await api.get(f"/atoms/{problem}")).json()
        assert (atom["title"], atom["type"], atom["approved"]) == ("Деплой блокує реліз", "blocker", True)
        assert [(v["version"], v["state"], v["reviewed_by"]) for v in atom["versions"]] == [
            (1, "proposed", None),
            (2, "approved", "api"),
        ]
        assert (await api.post(f"/versions/atom/{problem}/2/approve")).status_code == 409
        assert (await api.post(f"/versions/atom/{problem}/2/reject", json={"reason": "x"})).status_code == 409
        assert (await api.post(f"/versions/atom/{problem}/7/approve")).status_code == 404


async def test_reject_needs_a_reason_and_bulk_review_reports_each_item(harness: GatewayHarness) -> None:
    async with harness.serve() as base, client(base) as api:
        _, ids = await seed_run(harness)
        question = ids["question"]
        assert (await api.post(f"/versions/atom/{question}/1/reject", json={})).status_code == 400
        assert (await api.post(f"/versions/atom/{question}/1/reject", json={"reason": "  "})).status_code == 400
        rejected = await api.post(f"/versions/atom/{question}/1/reject", json={"reason": "не питання, а жарт"})
        assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
        await wait_until(harness, "SELECT 1 FROM atom_versions WHERE atom_id = $1 AND state = 'rejected'", question)
        (version,) = (await api.get(f"/atoms/{question}/versions")).json()
        assert version["reason"] == "не питання, а жарт" and version["reviewed_by"] == "api"

        items = [{"entity": "atom", "entity_id": ids[k], "version": 1} for k in ("decision", "solution", "question")]
        items.append({"entity": "atom", "entity_id": "00000000-0000-4000-8000-00000000dead", "version": 1})
        assert (await api.post("/versions/bulk-reject", json={"items": items})).status_code == 400
        bulk = (await api.post("/versions/bulk-approve", json={"items": items})).json()
        assert [r["status"] for r in bulk["results"]] == ["approved", "approved", "conflict", "not_found"]
        assert (bulk["done"], bulk["total"]) == (2, 4)
        await wait_until(harness, "SELECT 1 FROM atoms WHERE id = $1 AND approved", ids["solution"])
        assert (await api.get("/versions/pending-count")).json()["atoms"] == 1
        approved = (await api.get("/atoms", params={"approved": True})).json()["items"]
        assert {a["id"] for a in approved} == {ids["decision"], ids["solution"]}


async def test_topic_edit_rename_parent_and_archive_restore(harness: GatewayHarness) -> None:
    async with harness.serve() as base, client(base) as api:
        _, ids = await seed_run(harness)
        await harness.publisher.emit(TopicCreated(topic_id=topic_id_for("Release"), name="Release"))
        release = await wait_until(harness, "SELECT id::text FROM topics WHERE name = 'Release'")
        topic = ids["topic"]
        assert (await api.patch(f"/topics/{topic}", json={"name": "release"})).status_code == 409
        assert (await api.patch(f"/topics/{topic}", json={"parent_id": topic})).status_code == 400
        assert (await api.patch(f"/topics/{topic}", json={"color": "red"})).status_code == 400
        edit = await api.patch(f"/topics/{topic}", json={"parent_id": release, "description": "CI/CD і релізи"})
        assert edit.status_code == 202, edit.text
        await wait_until(harness, "SELECT 1 FROM topic_versions WHERE topic_id = $1 AND version = 2", topic)
        assert (await api.post(f"/versions/topic/{topic}/2/approve")).status_code == 200
        await wait_until(harness, "SELECT 1 FROM topics WHERE id = $1 AND parent_id IS NOT NULL", topic)
        children = (await api.get(f"/topics/{release}/children")).json()
        assert [c["name"] for c in children] == [TOPIC] and children[0]["description"] == "CI/CD і релізи"
        # A cycle (the parent under its own child) is refused.
        assert (await api.patch(f"/topics/{release}", json={"parent_id": topic})).status_code == 400

        assert (await api.post(f"/topics/{topic}/archive")).status_code == 202
        await wait_until(harness, "SELECT 1 FROM topics WHERE id = $1 AND NOT active", topic)
        assert (await api.post(f"/topics/{topic}/archive")).status_code == 409
        assert [t["name"] for t in (await api.get("/topics")).json()["items"]] == ["Release"]
        assert [t["name"] for t in (await api.get("/topics", params={"archived": True})).json()["items"]] == [TOPIC]
        assert (await api.post(f"/topics/{topic}/restore")).status_code == 202
        await wait_until(harness, "SELECT 1 FROM topics WHERE id = $1 AND active", topic)

        assert (await api.post(f"/atoms/{ids['decision']}/archive")).status_code == 202
        await wait_until(harness, "SELECT 1 FROM atoms WHERE id = $1 AND archived", ids["decision"])
        assert ids["decision"] not in {a["id"] for a in (await api.get("/atoms")).json()["items"]}
        assert (await api.post(f"/atoms/{ids['decision']}/restore")).status_code == 202
        link = await api.post(
            f"/atoms/{ids['decision']}/links", json={"target_atom_id": ids["question"], "link_type": "solves"}
        )
        assert link.status_code == 202
        assert (
            await api.post(
                f"/atoms/{ids['decision']}/links", json={"target_atom_id": ids["decision"], "link_type": "solves"}
            )
        ).status_code == 400
        await wait_until(harness, "SELECT 1 FROM atom_links WHERE source_atom_id = $1", ids["decision"])
        links: dict[str, Any] = (await api.get(f"/atoms/{ids['question']}/links")).json()
        assert links["incoming"][0]["atom_id"] == ids["decision"]


async def test_mutating_routes_need_the_token(harness: GatewayHarness) -> None:
    async with harness.serve() as base, httpx.AsyncClient(base_url=base + "/api/v1/knowledge") as anonymous:
        _, ids = await seed_run(harness)
        for method, path in [
            ("PATCH", f"/atoms/{ids['problem']}"),
            ("POST", f"/versions/atom/{ids['problem']}/1/approve"),
            ("POST", f"/topics/{ids['topic']}/archive"),
            ("POST", "/extract"),
            ("POST", "/schedules"),
            ("POST", "/auto-approval-rules"),
        ]:
            assert (await anonymous.request(method, path, json={})).status_code == 401, path


async def test_topics_and_atoms_created_by_hand_and_archived_in_bulk(harness: GatewayHarness) -> None:
    async with harness.serve() as base, client(base) as api:
        _, ids = await seed_run(harness)
        created = await api.post(
            "/topics", json={"name": "  Реліз   2.0 ", "parent_id": ids["topic"], "color": "#AA0000"}
        )
        assert created.status_code == 201, created.text
        topic = created.json()  # read-your-writes: the row as projected
        assert (topic["name"], topic["parent_id"], topic["atom_count"]) == ("Реліз 2.0", ids["topic"], 0)
        assert (await api.post("/topics", json={"name": "реліз 2.0"})).status_code == 409
        orphan = {"name": "X", "parent_id": "00000000-0000-4000-8000-00000000dead"}
        assert (await api.post("/topics", json=orphan)).status_code == 400
        (v1,) = (await api.get(f"/topics/{topic['id']}/versions")).json()
        assert (v1["state"], v1["created_by"], v1["snapshot"]["parent_id"]) == ("approved", "api", ids["topic"])

        body = {"type": "decision", "title": "Реліз у п'ятницю", "message_keys": KEYS[:1], "topic_ids": [topic["id"]]}
        atom = await api.post("/atoms", json=body)
        assert atom.status_code == 201, atom.text
        made = atom.json()
        assert made["approved"] and [t["id"] for t in made["topics"]] == [topic["id"]]
        assert [(v["state"], v["created_by"]) for v in made["versions"]] == [("approved", "api")]
        assert made["source_messages"][0]["key"] == KEYS[0]
        assert (await api.post("/atoms", json=body)).status_code == 409
        assert (await api.post("/atoms", json={**body, "message_keys": ["nope"]})).status_code == 400
        missing_topic = {**body, "topic_ids": ["00000000-0000-4000-8000-00000000dead"]}
        assert (await api.post("/atoms", json=missing_topic)).status_code == 400

        dead = "00000000-0000-4000-8000-00000000dead"
        bulk = (await api.post("/atoms/bulk-archive", json={"ids": [ids["problem"], made["id"], dead]})).json()
        assert [r["status"] for r in bulk["results"]] == ["archived", "archived", "not_found"]
        again = (await api.post("/atoms/bulk-archive", json={"ids": [ids["problem"]]})).json()
        assert again["results"][0]["status"] == "conflict" and again["done"] == 0
        assert {a["id"] for a in (await api.get("/atoms", params={"archived": True})).json()["items"]} == {
            ids["problem"],
            made["id"],
        }
        topics = (await api.post("/topics/bulk-archive", json={"ids": [topic["id"]]})).json()
        assert topics["done"] == 1
        restored = (await api.post("/topics/bulk-restore", json={"ids": [topic["id"], ids["topic"]]})).json()
        assert [r["status"] for r in restored["results"]] == ["restored", "conflict"]
