import { useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";
import { ErrorNote, QueryState } from "@/components/QueryState";
import { useHotkeys } from "@/components/useHotkeys";
import { useI18n } from "@/i18n/I18nProvider";
import { useLiveTopics } from "@/live/LiveProvider";
import { usePendingVersions, useVersionReview, type VersionRef } from "../api/knowledge";
import { VersionReview } from "./VersionReview";

const TOPICS = ["knowledge"];
const idOf = (v: VersionRef) => `${v.entity}:${v.entity_id}:${v.version}`;

export function KnowledgePage() {
  useLiveTopics(TOPICS);
  const { t, formatDate } = useI18n();
  const [params, setParams] = useSearchParams();
  const pending = usePendingVersions();
  const items = pending.data ?? [];
  const selectedId = params.get("v");
  const selected = items.find((v) => idOf(v) === selectedId) ?? null;
  const { approve, bulk } = useVersionReview();
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const [bulkReason, setBulkReason] = useState("");
  const [rejectFocus, setRejectFocus] = useState(0);

  const select = (id: string) => setParams({ v: id }, { replace: true });
  const move = (by: number) => {
    if (items.length === 0) return;
    const at = items.findIndex((v) => idOf(v) === selectedId);
    select(idOf(items[Math.min(items.length - 1, Math.max(0, at < 0 ? 0 : at + by))]));
  };
  // After this tab's own review the version leaves the queue: go on to the next one.
  const reviewed = () => {
    const at = items.findIndex((v) => idOf(v) === selectedId);
    const next = at < 0 ? undefined : (items[at + 1] ?? items[at - 1]);
    if (next) select(idOf(next));
  };
  useHotkeys({
    j: () => move(1),
    k: () => move(-1),
    a: () => selected && approve.mutate(selected, { onSuccess: reviewed }),
    r: () => selected && setRejectFocus((n) => n + 1),
  });
  const toggle = (id: string) =>
    setChecked((set) => {
      const next = new Set(set);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const chosen = items.filter((v) => checked.has(idOf(v)));
  const runBulk = (approveAll: boolean) => (ev?: FormEvent) => {
    ev?.preventDefault();
    if (chosen.length === 0 || (!approveAll && !bulkReason.trim())) return;
    const refs = chosen.map(({ entity, entity_id, version }) => ({ entity, entity_id, version }));
    bulk.mutate({ items: refs, approve: approveAll, reason: bulkReason.trim() || undefined }, { onSuccess: () => setChecked(new Set()) });
  };

  return (
    <>
      <h1>{t("knowledge.title")}</h1>
      <p className="muted small">{t("knowledge.keys")}</p>
      <form className="card bulk" onSubmit={runBulk(false)} aria-label={t("knowledge.bulk")}>
        <span>{t("knowledge.selected", { n: chosen.length })}</span>
        <button type="button" onClick={() => runBulk(true)()} disabled={chosen.length === 0 || bulk.isPending} data-testid="bulk-approve">
          {t("knowledge.bulkApprove")}
        </button>
        <label>
          {t("proposals.reason")}
          <input value={bulkReason} onChange={(e) => setBulkReason(e.target.value)} name="bulk-reason" />
        </label>
        <button type="submit" className="secondary" disabled={chosen.length === 0 || !bulkReason.trim() || bulk.isPending}>
          {t("knowledge.bulkReject")}
        </button>
        {bulk.data && (
          <span role="status">{t("knowledge.bulkDone", { done: bulk.data.done, total: bulk.data.total })}</span>
        )}
        {bulk.isError && <ErrorNote error={bulk.error} />}
      </form>
      <div className="split">
        <section aria-label={t("knowledge.queue")}>
          <QueryState query={pending}>
            {() =>
              items.length === 0 ? (
                <p className="muted">{t("knowledge.empty")}</p>
              ) : (
                <ul className="plain" data-testid="version-list">
                  {items.map((v) => {
                    const id = idOf(v);
                    return (
                      <li key={id} className="version-row">
                        <input
                          type="checkbox"
                          checked={checked.has(id)}
                          onChange={() => toggle(id)}
                          aria-label={t("knowledge.choose", { title: v.entity_title })}
                        />
                        <button
                          type="button"
                          className={`feed-item${id === selectedId ? " selected" : ""}`}
                          aria-current={id === selectedId ? "true" : undefined}
                          onClick={() => select(id)}
                          data-id={id}
                        >
                          <span className="feed-head">
                            <span className="badge">{t(`knowledge.entity.${v.entity}`)}</span>
                            <strong>{v.entity_title}</strong>
                            <span className="muted small">
                              v{v.version} · {formatDate(v.created_at)}
                            </span>
                          </span>
                        </button>
                      </li>
                    );
                  })}
                </ul>
              )
            }
          </QueryState>
        </section>
        <section className="card detail-pane" aria-live="polite">
          {selected ? (
            <VersionReview version={selected} rejectFocus={rejectFocus} onReviewed={reviewed} />
          ) : (
            <p className="muted">{selectedId ? t("knowledge.reviewed") : t("knowledge.select")}</p>
          )}
        </section>
      </div>
    </>
  );
}
