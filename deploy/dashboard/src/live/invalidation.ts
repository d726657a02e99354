// The one place where live events touch the server-state cache. An event either patches the cached rows it
// names (so a change shows at once) or marks whole resource families stale; stale marks are batched so a
// burst of thousands of events (an import) costs one refetch per visible query, not one per event.
import type { QueryClient, QueryKey } from "@tanstack/react-query";
import type { Schemas } from "@/api/client";
import { keys } from "@/api/keys";
import type { EventFrame } from "./socket";

type Message = Schemas["Message"];
type MessagePage = Schemas["MessagePage"];
type Job = Schemas["IngestionJob"];
type AnalysisRun = Schemas["AnalysisRun"];

/** Which resource families an event type makes stale. */
export function staleFamilies(type: string): QueryKey[] {
  if (type.startsWith("messages.ingestion.")) return [keys.ingestion];
  if (type === "messages.chat_updated") return [keys.chats];
  if (type === "messages.profile_updated") return [keys.profiles];
  if (type.startsWith("messages.")) return [keys.messages, keys.noise, keys.chats];
  if (type.startsWith("noise_filtering.")) return [keys.messages, keys.noise];
  if (type.startsWith("proposals.")) return [keys.proposals, keys.tasks]; // approving or merging changes tasks
  if (type.startsWith("tasks.")) return [keys.tasks];
  if (type.startsWith("knowledge.")) return [keys.knowledge];
  // A provider's change shows in its agents' choices; a deleted one leaves its agents without a provider.
  if (type.startsWith("providers.")) return [keys.providers, keys.agents];
  if (type.startsWith("agents.")) return [keys.agents];
  if (type.startsWith("projects.")) return [keys.projects];
  // A run's batches make proposals; closing records their rates.
  if (type.startsWith("analysis.")) return [keys.analysis, keys.proposals];
  return [];
}

type Pages = { pages: MessagePage[]; pageParams: unknown[] };

function patchPage(page: MessagePage, key: string, patch: Partial<Message>): MessagePage {
  return { ...page, items: page.items.map((m) => (m.key === key ? { ...m, ...patch } : m)) };
}

function patchMessages(client: QueryClient, key: string, patch: Partial<Message>): void {
  // Lists are single pages (overview) or cursor-paged feeds (messages page).
  client.setQueriesData<MessagePage | Pages>({ queryKey: keys.messageLists }, (data) => {
    if (!data) return data;
    if ("pages" in data) return { ...data, pages: data.pages.map((p) => patchPage(p, key, patch)) };
    return patchPage(data, key, patch);
  });
  client.setQueryData<Message>(keys.message(key), (m) => m && { ...m, ...patch });
}

function patchJob(client: QueryClient, jobId: string, patch: Partial<Job>): void {
  client.setQueryData<Job[]>(keys.jobs, (jobs) => jobs?.map((j) => (j.id === jobId ? { ...j, ...patch } : j)));
}

function patchAnalysisRun(client: QueryClient, runId: string, patch: Partial<AnalysisRun>): void {
  client.setQueriesData<AnalysisRun[]>({ queryKey: [...keys.analysis, "runs"] }, (runs) =>
    runs?.map((r) => (r.id === runId ? { ...r, ...patch } : r)),
  );
  client.setQueryData<AnalysisRun>(keys.analysisRun(runId), (r) => r && { ...r, ...patch });
}

/** Patches what the event says exactly; returns the families to mark stale. */
export function patchFromEvent(client: QueryClient, frame: EventFrame): QueryKey[] {
  const d = frame.data;
  switch (frame.type) {
    case "noise_filtering.classification_overridden": {
      const c = d.classification as Message["classification"];
      patchMessages(client, String(d.key), { classification: c, classification_override: c });
      break;
    }
    case "messages.ingestion.progress":
      patchJob(client, String(d.job_id), {
        status: "running",
        fetched: Number(d.fetched ?? 0),
        stored: Number(d.stored ?? 0),
        skipped: Number(d.skipped ?? 0),
        errors: Number(d.errors ?? 0),
        current_chat: (d.current_chat as string | null) ?? null,
      });
      break;
    case "analysis.run_progress":
      // Each batch shows at once; the refetch that follows brings the rest of the row.
      patchAnalysisRun(client, String(d.run_id), {
        status: "running",
        batches_done: Number(d.batches_done ?? 0),
        batches: Number(d.batches_total ?? 0),
        batches_failed: Number(d.batches_failed ?? 0),
        proposals_total: Number(d.proposals_total ?? 0),
        tokens_used: Number(d.tokens_used ?? 0),
      });
      break;
  }
  return staleFamilies(frame.type);
}

export class LiveCache {
  private pending = new Map<string, QueryKey>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly client: QueryClient,
    private readonly batchMs = 400,
  ) {}

  apply(frame: EventFrame): void {
    for (const family of patchFromEvent(this.client, frame)) this.pending.set(JSON.stringify(family), family);
    if (this.pending.size > 0 && this.timer === null) this.timer = setTimeout(() => this.flush(), this.batchMs);
  }

  /** After a reconnect that could not resume, anything shown may be stale. */
  resync(): void {
    void this.client.invalidateQueries();
  }

  flush(): void {
    this.timer = null;
    const families = [...this.pending.values()];
    this.pending.clear();
    for (const queryKey of families) void this.client.invalidateQueries({ queryKey });
  }
}
