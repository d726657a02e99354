// One long-running piece of work (an ingestion job, an extraction run, an analysis run): its state, a progress
// bar, its counters, its error and a cancel button while it is active. The runs, jobs and analysis pages and
// the overview all show work this way.
import type { ReactNode } from "react";
import { useI18n } from "@/i18n/I18nProvider";

/** `running`: size unknown, an indeterminate bar. */
export type Progress = { max: number; value: number } | "running" | null;

export function ProgressLine({
  status,
  statusLabel,
  progress,
  label,
  counts,
  error,
}: {
  status: string;
  statusLabel: string;
  progress: Progress;
  label: string;
  counts?: ReactNode;
  error?: string | null;
}) {
  return (
    <div className="job-progress" data-testid="job-progress">
      <span className={`badge status-${status}`}>{statusLabel}</span>{" "}
      {progress === "running" ? (
        <progress aria-label={label} />
      ) : progress ? (
        <progress max={Math.max(1, progress.max)} value={Math.min(progress.value, Math.max(1, progress.max))} aria-label={label} />
      ) : null}{" "}
      {counts && <span className="small muted">{counts}</span>}
      {error && <div className="small error-text">{error}</div>}
    </div>
  );
}

/** A cancel button that turns into "cancel requested" once this tab asked. */
export function CancelButton({ onCancel, requested }: { onCancel: () => void; requested: boolean }) {
  const { t } = useI18n();
  return requested ? (
    <span role="status">{t("jobs.cancelRequested")}</span>
  ) : (
    <button type="button" className="secondary" onClick={onCancel}>
      {t("jobs.cancel")}
    </button>
  );
}

export function RunItem({
  status,
  title,
  meta,
  line,
  active,
  onCancel,
  cancelRequested = false,
  children,
}: {
  status: string;
  title: ReactNode;
  meta?: ReactNode;
  line: ReactNode;
  active: boolean;
  onCancel?: () => void;
  cancelRequested?: boolean;
  children?: ReactNode;
}) {
  return (
    <li className="job" data-status={status}>
      <strong>{title}</strong> {meta && <span className="muted small">{meta}</span>}
      {line}
      {children}
      {active && onCancel && <CancelButton onCancel={onCancel} requested={cancelRequested} />}
    </li>
  );
}
