import { useRef, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { QueryState } from "@/components/QueryState";
import { useHotkeys } from "@/components/useHotkeys";
import { useI18n } from "@/i18n/I18nProvider";
import { useLiveTopics } from "@/live/LiveProvider";
import { useProposals, useReview, type ProposalStatus } from "../api/proposals";
import { ProposalDetail } from "./ProposalDetail";

const TOPICS = ["proposals", "tasks"];
const STATUSES: ProposalStatus[] = ["pending", "approved", "rejected", "merged"];

export function ProposalsPage() {
  useLiveTopics(TOPICS);
  const { t, formatPercent } = useI18n();
  const [params, setParams] = useSearchParams();
  const status = (STATUSES as string[]).includes(params.get("status") ?? "") ? (params.get("status") as ProposalStatus) : "pending";
  const run = params.get("run");
  const list = useProposals(status, run);
  const items = list.data ?? [];
  const latest = useRef(items);
  latest.current = items;
  const selected = params.get("id");
  const { approve } = useReview();
  const [rejectFocus, setRejectFocus] = useState(0);

  const go = (next: Record<string, string>) =>
    setParams({ status, ...(run ? { run } : {}), ...(selected ? { id: selected } : {}), ...next }, { replace: true });
  const move = (by: number) => {
    if (items.length === 0) return;
    const at = items.findIndex((p) => p.id === selected);
    go({ id: items[Math.min(items.length - 1, Math.max(0, at < 0 ? 0 : at + by))].id });
  };
  // After this tab's own review the proposal leaves the queue: the reviewer goes on to the next one. (Another
  // tab's review only changes what is shown here.) The queue is read when the review succeeds, not when the key
  // was pressed: it may have loaded meanwhile, or the live event may already have taken the reviewed one out.
  const reviewed = (id: string) => {
    const queue = latest.current;
    const at = queue.findIndex((p) => p.id === id);
    const next = at < 0 ? queue[0] : (queue[at + 1] ?? queue[at - 1]);
    if (next && next.id !== id) go({ id: next.id });
  };
  useHotkeys({
    j: () => move(1),
    k: () => move(-1),
    a: () => selected && status === "pending" && approve.mutate(selected, { onSuccess: () => reviewed(selected) }),
    r: () => selected && setRejectFocus((n) => n + 1),
  });

  return (
    <>
      <h1>{t("proposals.title")}</h1>
      <div role="tablist" aria-label={t("proposals.filter")} className="tabs">
        {STATUSES.map((s) => (
          <button key={s} type="button" role="tab" aria-selected={s === status} className={s === status ? "" : "secondary"} onClick={() => setParams({ status: s, ...(run ? { run } : {}) })}>
            {t(`proposals.status.${s}`)}
          </button>
        ))}
      </div>
      {run && (
        <p className="small" data-testid="run-filter">
          {t("proposals.ofRun")} <Link to={`/analysis?run=${run}`}>{run.slice(0, 8)}</Link> ·{" "}
          <Link to={`/proposals?status=${status}`}>{t("proposals.allRuns")}</Link>
        </p>
      )}
      <p className="muted small">{t("proposals.keys")}</p>
      <div className="split">
        <section aria-label={t("proposals.queue")}>
          <QueryState query={list}>
            {() =>
              items.length === 0 ? (
                <p className="muted">{t("common.none")}</p>
              ) : (
                <ul className="plain" data-testid="proposal-list">
                  {items.map((p) => (
                    <li key={p.id}>
                      <button
                        type="button"
                        className={`feed-item${p.id === selected ? " selected" : ""}`}
                        aria-current={p.id === selected ? "true" : undefined}
                        onClick={() => go({ id: p.id })}
                        data-id={p.id}
                      >
                        <span className="feed-head">
                          <strong>{p.title}</strong>
                          <span className="muted small">
                            {t(`tasks.priority.${p.priority}`)} · {formatPercent(p.confidence)} · {p.source_message_keys.length} ✉
                          </span>
                        </span>
                      </button>
                    </li>
                  ))}
                </ul>
              )
            }
          </QueryState>
        </section>
        <section className="card detail-pane" aria-live="polite">
          {selected ? <ProposalDetail id={selected} rejectFocus={rejectFocus} onReviewed={reviewed} /> : <p className="muted">{t("proposals.select")}</p>}
        </section>
      </div>
    </>
  );
}
