import { QueryClient } from "@tanstack/react-query";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keys } from "@/api/keys";
import { LiveCache, patchFromEvent, staleFamilies } from "./invalidation";
import type { EventFrame } from "./socket";

const frame = (type: string, data: Record<string, unknown>): EventFrame => ({
  seq: 1,
  topic: type.split(".")[0],
  type,
  occurred_at: "2026-01-01T00:00:00Z",
  data,
});
const msg = (key: string) => ({ key, classification: "noise", classification_override: null, text: key });

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("live cache updates", () => {
  it("patches an overridden message in single pages, paged feeds and its detail", () => {
    const client = new QueryClient();
    client.setQueryData(keys.messageList({}, 8), { items: [msg("a"), msg("b")], next_cursor: null });
    client.setQueryData(keys.messageList({ q: "x" }, 50), {
      pages: [{ items: [msg("b")], next_cursor: null }],
      pageParams: [null],
    });
    client.setQueryData(keys.message("b"), msg("b"));
    patchFromEvent(client, frame("noise_filtering.classification_overridden", { key: "b", classification: "signal" }));
    const single = client.getQueryData<{ items: ReturnType<typeof msg>[] }>(keys.messageList({}, 8))!;
    expect(single.items.map((m) => m.classification)).toEqual(["noise", "signal"]);
    const paged = client.getQueryData<{ pages: { items: ReturnType<typeof msg>[] }[] }>(keys.messageList({ q: "x" }, 50))!;
    expect(paged.pages[0].items[0].classification_override).toBe("signal");
    expect(client.getQueryData<ReturnType<typeof msg>>(keys.message("b"))!.classification).toBe("signal");
  });

  it("moves a job's counters forward on progress events", () => {
    const client = new QueryClient();
    client.setQueryData(keys.jobs, [{ id: "j1", status: "pending", fetched: 0, stored: 0, skipped: 0, errors: 0 }]);
    patchFromEvent(client, frame("messages.ingestion.progress", { job_id: "j1", fetched: 200, stored: 150, skipped: 50, errors: 0 }));
    expect(client.getQueryData(keys.jobs)).toEqual([
      { id: "j1", status: "running", fetched: 200, stored: 150, skipped: 50, errors: 0, current_chat: null },
    ]);
  });

  it("moves an analysis run's batches forward in every cached list and its detail", () => {
    const client = new QueryClient();
    const run = { id: "r1", status: "pending", batches: 0, batches_done: 0, batches_failed: 0, proposals_total: 0, tokens_used: 0 };
    client.setQueryData(keys.analysisRuns({}), [run, { ...run, id: "r2" }]);
    client.setQueryData(keys.analysisRuns({ status: "running" }), [run]);
    client.setQueryData(keys.analysisRun("r1"), run);
    patchFromEvent(
      client,
      frame("analysis.run_progress", { run_id: "r1", batches_done: 2, batches_total: 5, proposals_total: 3, batches_failed: 1 }),
    );
    const patched = { ...run, status: "running", batches: 5, batches_done: 2, batches_failed: 1, proposals_total: 3 };
    expect(client.getQueryData(keys.analysisRuns({}))).toEqual([patched, { ...run, id: "r2" }]);
    expect(client.getQueryData(keys.analysisRuns({ status: "running" }))).toEqual([patched]);
    expect(client.getQueryData(keys.analysisRun("r1"))).toEqual(patched);
  });

  it("marks the families an event can change as stale", () => {
    expect(staleFamilies("providers.validated")).toEqual([keys.providers, keys.agents]);
    expect(staleFamilies("agents.updated")).toEqual([keys.agents]);
    expect(staleFamilies("projects.created")).toEqual([keys.projects]);
    expect(staleFamilies("analysis.run_closed")).toEqual([keys.analysis, keys.proposals]);
    expect(staleFamilies("messages.ingested")).toEqual([keys.messages, keys.noise, keys.chats]);
    expect(staleFamilies("messages.ingestion.completed")).toEqual([keys.ingestion]);
    expect(staleFamilies("noise_filtering.message_scored")).toEqual([keys.messages, keys.noise]);
    expect(staleFamilies("proposals.approved")).toEqual([keys.proposals, keys.tasks]);
    expect(staleFamilies("tasks.status_changed")).toEqual([keys.tasks]);
  });

  it("batches a burst of events into one invalidation per family", async () => {
    const client = new QueryClient();
    const spy = vi.spyOn(client, "invalidateQueries");
    const cache = new LiveCache(client, 400);
    for (let i = 0; i < 1000; i++) cache.apply(frame("messages.ingested", { key: `k${i}` }));
    expect(spy).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(400);
    expect(spy.mock.calls.map((c) => c[0]?.queryKey)).toEqual([keys.messages, keys.noise, keys.chats]);
  });
});
