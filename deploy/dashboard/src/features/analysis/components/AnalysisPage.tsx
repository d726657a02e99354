// Analysis runs: create one for a window (and a project), start it, follow each batch live, cancel it, and close
// it once its proposals are reviewed (the API refuses while some wait: the count is shown with a link to them).
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { projectsQuery } from "@/api/queries";
import { AgentSelect, ProjectSelect } from "@/components/EntitySelect";
import { ErrorNote, ProblemNote, QueryList } from "@/components/QueryState";
import { RunItem } from "@/components/RunItem";
import { AnalysisRunLine } from "@/components/RunLines";
import { useI18n } from "@/i18n/I18nProvider";
import { dayBefore, dayStart } from "@/lib/dates";
import { useLiveTopics } from "@/live/LiveProvider";
import { useAnalysisRuns, useAnalysisWrites, type AnalysisRun } from "../api/analysis";
import { pendingOnClose, runView } from "@/lib/analysisRun";

const TOPICS = ["analysis", "proposals"];

function CreateRun() {
  const { t } = useI18n();
  const { create } = useAnalysisWrites();
  const [since, setSince] = useState(() => dayBefore(new Date(), 7));
  const [until, setUntil] = useState(() => dayBefore(new Date(), -1));
  const [projectId, setProjectId] = useState("");
  const [agentId, setAgentId] = useState("");
  const [startNow, setStartNow] = useState(true);
  const [problem, setProblem] = useState<string | null>(null);
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    if (!since || !until || until <= since) return setProblem(t("analysis.badWindow"));
    setProblem(null);
    create.mutate({
      window_start: dayStart(since)!,
      window_end: dayStart(until)!,
      project_id: projectId || null,
      agent_id: agentId || null,
      start: startNow,
    });
  };
  return (
    <form className="card job-form" onSubmit={submit} aria-labelledby="analysis-create-title" data-testid="analysis-form">
      <h2 id="analysis-create-title">{t("analysis.new")}</h2>
      <label>
        {t("jobs.since")}
        <input type="date" value={since} onChange={(e) => setSince(e.target.value)} required name="since" />
      </label>
      <label>
        {t("analysis.until")}
        <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} required name="until" />
      </label>
      <ProjectSelect value={projectId} onChange={setProjectId} />
      <AgentSelect role="task_proposer" empty={t("analysis.defaultAgent")} value={agentId} onChange={setAgentId} />
      <label className="inline">
        <input type="checkbox" checked={startNow} onChange={(e) => setStartNow(e.target.checked)} name="start" />
        {t("analysis.startNow")}
      </label>
      <button type="submit" disabled={create.isPending}>
        {t("settings.create")}
      </button>
      <ProblemNote problem={problem} />
      {create.isError && <ErrorNote error={create.error} />}
    </form>
  );
}

function Rates({ run }: { run: AnalysisRun }) {
  const { t, formatPercent } = useI18n();
  if (run.approval_rate == null || run.rejection_rate == null) return null;
  return (
    <p className="small" data-testid="analysis-rates">
      {t("analysis.rates", { approved: formatPercent(run.approval_rate), rejected: formatPercent(run.rejection_rate) })}
    </p>
  );
}

function RunRow({ run, highlighted }: { run: AnalysisRun; highlighted: boolean }) {
  const { t, formatDate, formatDay: day } = useI18n();
  const projects = useQuery(projectsQuery());
  const { start, cancel, close } = useAnalysisWrites();
  const view = runView(run);
  const project = run.project_id ? (projects.data?.find((p) => p.id === run.project_id)?.name ?? t("analysis.project")) : null;
  const pending = close.isError && close.variables === run.id ? pendingOnClose(close.error) : null;
  const proposals = `/proposals?run=${run.id}&status=pending`;
  return (
    <RunItem
      status={run.status}
      title={
        <span className={highlighted ? "highlight" : undefined}>
          {day(run.window_start)} – {day(run.window_end)}
          {project ? ` · ${project}` : ""}
        </span>
      }
      meta={`${run.trigger} · ${formatDate(run.created_at)}`}
      active={view.canCancel}
      onCancel={() => cancel.mutate(run.id)}
      cancelRequested={cancel.isSuccess && cancel.variables === run.id && run.status === "running"}
      line={<AnalysisRunLine run={run} />}
    >
      <Rates run={run} />
      <div className="actions">
        {run.proposals_total > 0 && (
          <Link to={proposals} data-testid="run-proposals">
            {t("analysis.proposals", { n: run.proposals_total, pending: run.proposals_pending })}
          </Link>
        )}
        {view.canStart && (
          <button type="button" onClick={() => start.mutate(run.id)} disabled={start.isPending}>
            {t("analysis.start")}
          </button>
        )}
        {view.canClose && (
          <button type="button" className="secondary" onClick={() => close.mutate(run.id)} disabled={close.isPending} data-testid="close-run">
            {t("analysis.close")}
          </button>
        )}
      </div>
      {pending !== null ? (
        <p role="alert" className="error" data-testid="close-refused">
          {t("analysis.closeRefused", { n: pending })} <Link to={proposals}>{t("analysis.review")}</Link>
        </p>
      ) : (
        close.isError && close.variables === run.id && <ErrorNote error={close.error} />
      )}
      {[start, cancel].map((m, i) => m.isError && m.variables === run.id && <ErrorNote key={i} error={m.error} />)}
    </RunItem>
  );
}

export function AnalysisPage() {
  useLiveTopics(TOPICS);
  const { t } = useI18n();
  const runs = useAnalysisRuns();
  const [params] = useSearchParams();
  const highlighted = params.get("run");
  return (
    <>
      <h1>{t("analysis.title")}</h1>
      <div className="columns">
        <CreateRun />
        <section className="card" aria-labelledby="analysis-list-title">
          <h2 id="analysis-list-title">{t("analysis.list")}</h2>
          <QueryList query={runs}>
            {(list) => (
              <ul className="plain" data-testid="analysis-runs">
                {list.map((r) => (
                  <RunRow key={r.id} run={r} highlighted={r.id === highlighted} />
                ))}
              </ul>
            )}
          </QueryList>
        </section>
      </div>
    </>
  );
}
