import { useQuery } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { tasksQuery } from "@/api/queries";
import { QueryState } from "@/components/QueryState";
import { ReviewActions } from "@/components/ReviewActions";
import { SourceMessages } from "@/components/SourceMessages";
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
  const { t, formatPercent } = useI18n();
  const proposal = useProposal(id);
  const tasks = useQuery(tasksQuery());
  const { approve, reject, merge } = useReview();
  const [target, setTarget] = useState("");
  useEffect(() => setTarget(proposal.data?.similar_task_id ?? ""), [id, proposal.data?.similar_task_id]);

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
              <SourceMessages messages={p.messages} />
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
            <ReviewActions
              subject={id}
              rejectFocus={rejectFocus}
              approve={approve}
              reject={reject}
              onApprove={() => approve.mutate(id, { onSuccess: () => onReviewed(id) })}
              onReject={(reason) => reject.mutate({ id, reason }, { onSuccess: () => onReviewed(id) })}
              approveTestId="approve"
              extraErrors={[merge]}
            >
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
            </ReviewActions>
          )}
        </article>
      )}
    </QueryState>
  );
}
