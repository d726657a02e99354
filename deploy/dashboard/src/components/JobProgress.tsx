// An ingestion job's counters and, when its size is known (a depth), a progress bar. Shared by the overview
// and the jobs page.
import type { Schemas } from "@/api/client";
import { useI18n } from "@/i18n/I18nProvider";

export function JobProgress({ job }: { job: Schemas["IngestionJob"] }) {
  const { t } = useI18n();
  const done = job.fetched + job.skipped;
  return (
    <div className="job-progress" data-testid="job-progress">
      <span className={`badge status-${job.status}`}>{t(`jobs.status.${job.status}`)}</span>{" "}
      {job.depth ? (
        <progress max={job.depth} value={Math.min(done, job.depth)} aria-label={job.chats.join(", ")} />
      ) : job.status === "running" ? (
        <progress aria-label={job.chats.join(", ")} />
      ) : null}{" "}
      <span className="small muted">
        {t("jobs.counts", { fetched: job.fetched, stored: job.stored, skipped: job.skipped, errors: job.errors })}
        {job.current_chat ? ` · ${job.current_chat}` : ""}
      </span>
      {job.error && <div className="small error-text">{job.error}</div>}
    </div>
  );
}
