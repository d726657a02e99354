import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { tasksQuery } from "@/api/queries";
import { ClassBadge } from "@/components/ClassBadge";
import { ErrorNote, QueryState } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";
import { useProposal, useReview } from "../api/proposals";

/** One proposal beside the messages that support it, with the three reviews. `rejectFocus` changes when the
 * reviewer presses `r`, which moves focus to the reason field. */
export function ProposalDetail({
  id,
  rejectFocus,
  onReviewed,
}: {
  id: string;
  rejectFocus: number;
  onReviewed: (id: string) => void;
}) {
  const { t, formatDate, formatPercent } = useI18n();
  const proposal = useProposal(id);
  const tasks = useQuery(tasksQuery());
  const { approve, reject, merge } = useReview();
  const [reason, setReason] = useState("");
  const [target, setTarget] = useState("");
  const reasonField = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (rejectFocus > 0) reasonField.current?.focus();
  }, [rejectFocus]);
  useEffect(() => {
    setReason("");
    setTarget(proposal.data?.similar_task_id ?? "");
  }, [id, proposal.data?.similar_task_id]);

  const onReject = (ev: FormEvent) => {
    ev.preventDefault();
    if (reason.trim()) reject.mutate({ id, reason: reason.trim() }, { onSuccess: () => onReviewed(id) });
  };
  const onMerge = (ev: FormEvent) => {
    ev.preventDefault();
    if (target) merge.mutate({ id, taskId: target }, { onSuccess: () => onReviewed(id) });
  };

  return (
    <QueryState query={proposal}>
      {(p) => (
        <article className="proposal" data-testid="proposal-detail" data-status={p.status} aria-labelledby="proposal-title">
          <h2 id="proposal-title">{p.title}</h2>
          <p className="meta">
            <span className={`badge status-${p.status}`} data-testid="proposal-status">
              {t(`proposals.status.${p.status}`)}
            </span>{" "}
            {t(`tasks.priority.${p.priority}`)} · {p.category} · {t("proposals.confidence", { v: formatPercent(p.confidence) })} ·{" "}
            {t(`proposals.rec.${p.recommendation}`)}
          </p>
          {p.description && <p className="text">{p.description}</p>}
          {p.reasoning && <p className="muted small">{p.reasoning}</p>}
          {p.review_notes && (
            <p className="small">
              {t("proposals.notes")}: {p.review_notes}
            </p>
          )}
          {p.task_id && (
            <p className="small">
              <Link to="/tasks">{t("proposals.task")}</Link>
            </p>
          )}
          <div className="evidence-split">
            <section aria-labelledby="evidence-title">
              <h3 id="evidence-title">{t("proposals.evidence")}</h3>
              <ul className="plain">
                {p.messages.map((m) => (
                  <li key={m.key}>
                    <ClassBadge value={m.classification} /> <span className="muted small">{m.author ?? "—"} · {formatDate(m.sent_at)}</span>
                    <div>
                      <Link to={`/messages?key=${encodeURIComponent(m.key)}`}>{m.text}</Link>
                    </div>
                  </li>
                ))}
              </ul>
            </section>
            {p.similar_task && (
              <section aria-labelledby="similar-task-title">
                <h3 id="similar-task-title">{t("proposals.similarTask")}</h3>
                <p>
                  {p.similar_task.title}{" "}
                  <span className="muted small">{p.similarity != null ? t("search.similarity", { v: p.similarity.toFixed(2) }) : ""}</span>
                </p>
              </section>
            )}
          </div>
          {p.status === "pending" && (
            <div className="review-actions">
              <button type="button" onClick={() => approve.mutate(id, { onSuccess: () => onReviewed(id) })} disabled={approve.isPending} data-testid="approve">
                {t("proposals.approve")} <kbd>a</kbd>
              </button>
              <form onSubmit={onReject} className="inline-form">
                <label>
                  {t("proposals.reason")}
                  <input ref={reasonField} value={reason} onChange={(e) => setReason(e.target.value)} required name="reason" />
                </label>
                <button type="submit" className="secondary" disabled={reject.isPending || !reason.trim()}>
                  {t("proposals.reject")} <kbd>r</kbd>
                </button>
              </form>
              <form onSubmit={onMerge} className="inline-form">
                <label>
                  {t("proposals.mergeInto")}
                  <select value={target} onChange={(e) => setTarget(e.target.value)} name="task">
                    <option value="">—</option>
                    {(tasks.data ?? []).map((task) => (
                      <option key={task.id} value={task.id}>
                        {task.title}
                      </option>
                    ))}
                  </select>
                </label>
                <button type="submit" className="secondary" disabled={merge.isPending || !target}>
                  {t("proposals.merge")}
                </button>
              </form>
            </div>
          )}
          {[approve, reject, merge].map((m, i) => m.isError && <ErrorNote key={i} error={m.error} />)}
        </article>
      )}
    </QueryState>
  );
}
