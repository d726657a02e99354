import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router-dom";
import { describe, expect, it } from "vitest";
import { analysisRunsQuery, extractionRunsQuery } from "@/api/queries";
import { I18nProvider } from "@/i18n/I18nProvider";
import { ActiveRuns } from "./ActiveRuns";

const extraction = (id: string, status: string) => ({
  id,
  status,
  chat_id: `chat-${id}`,
  message_keys: [],
  message_count: 10,
  messages_processed: 4,
  topics_created: 1,
  atoms_created: 2,
  versions_created: 3,
  duration_s: null,
  error: null,
});
const analysis = (id: string, status: string) => ({
  id,
  status,
  window_start: "2026-03-01T00:00:00Z",
  window_end: "2026-03-08T00:00:00Z",
  batches: 4,
  batches_done: 1,
  batches_failed: 0,
  messages_in_window: 40,
  messages_after_prefilter: 20,
  proposals_total: 2,
  error: null,
});

function show(client: QueryClient) {
  render(
    <QueryClientProvider client={client}>
      <I18nProvider>
        <MemoryRouter>
          <ActiveRuns />
        </MemoryRouter>
      </I18nProvider>
    </QueryClientProvider>,
  );
}

describe("runs in progress on the overview", () => {
  it("lists only the runs still going, each with its progress and a link to its page", () => {
    const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity } } });
    client.setQueryData(extractionRunsQuery().queryKey, [extraction("e1", "running"), extraction("e2", "completed")] as never);
    client.setQueryData(analysisRunsQuery().queryKey, [analysis("a1", "running"), analysis("a2", "closed")] as never);
    show(client);
    const items = screen.getAllByRole("listitem");
    expect(items.map((li) => li.getAttribute("data-status"))).toEqual(["running", "running"]);
    expect(screen.getByRole("link", { name: /chat-e1/ }).getAttribute("href")).toBe("/runs");
    expect(screen.getByRole("link", { name: /Аналіз/ }).getAttribute("href")).toBe("/analysis?run=a1");
    const bars = screen.getAllByRole("progressbar") as HTMLProgressElement[];
    expect(bars.map((b) => [b.value, b.max])).toEqual([
      [4, 10],
      [1, 4],
    ]);
  });

  it("says so when nothing runs", () => {
    const client = new QueryClient({ defaultOptions: { queries: { staleTime: Infinity } } });
    client.setQueryData(extractionRunsQuery().queryKey, [extraction("e2", "failed")] as never);
    client.setQueryData(analysisRunsQuery().queryKey, [] as never);
    show(client);
    expect(screen.getByText("Жоден запуск не виконується")).toBeTruthy();
  });
});
