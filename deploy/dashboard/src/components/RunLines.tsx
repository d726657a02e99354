// The progress line of an extraction run and of an analysis run, the same on their pages and the overview.
import type { Schemas } from "@/api/client";
import { useI18n } from "@/i18n/I18nProvider";
import { runView } from "@/lib/analysisRun";
import { ProgressLine } from "./RunItem";

export function ExtractionRunLine({ run }: { run: Schemas["Run"] }) {
  const { t } = useI18n();
  const done = run.status === "completed" ? Math.max(1, run.message_count) : run.messages_processed;
  const counts = t("runs.counts", {
    processed: run.messages_processed,
    total: run.message_count,
    topics: run.topics_created,
    atoms: run.atoms_created,
    versions: run.versions_created,
  });
  return (
    <ProgressLine
      status={run.status}
      statusLabel={t(`runs.status.${run.status}`)}
      progress={{ max: run.message_count, value: done }}
      label={t("runs.progress")}
      counts={counts + (run.duration_s != null ? ` · ${run.duration_s.toFixed(1)} s` : "")}
      error={run.error}
    />
  );
}

export function AnalysisRunLine({ run }: { run: Schemas["AnalysisRun"] }) {
  const { t } = useI18n();
  return (
    <ProgressLine
      status={run.status}
      statusLabel={t(`analysis.status.${run.status}`)}
      progress={runView(run).progress}
      label={t("analysis.batches")}
      counts={t("analysis.counts", {
        done: run.batches_done,
        total: run.batches,
        failed: run.batches_failed,
        window: run.messages_in_window,
        kept: run.messages_after_prefilter,
        proposals: run.proposals_total,
      })}
      error={run.error}
    />
  );
}
