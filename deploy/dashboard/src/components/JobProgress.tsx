// An ingestion job's counters and, when its size is known (a depth), a progress bar. Shared by the overview
// and the jobs page.
import type { Schemas } from "@/api/client";
import { useI18n } from "@/i18n/I18nProvider";
import { ProgressLine } from "./RunItem";

export function JobProgress({ job }: { job: Schemas["IngestionJob"] }) {
  const { t } = useI18n();
  const done = job.fetched + job.skipped;
  const counts = t("jobs.counts", { fetched: job.fetched, stored: job.stored, skipped: job.skipped, errors: job.errors });
  return (
    <ProgressLine
      status={job.status}
      statusLabel={t(`jobs.status.${job.status}`)}
      progress={job.depth ? { max: job.depth, value: done } : job.status === "running" ? "running" : null}
      label={job.chats.join(", ")}
      counts={counts + (job.current_chat ? ` · ${job.current_chat}` : "")}
      error={job.error}
    />
  );
}
