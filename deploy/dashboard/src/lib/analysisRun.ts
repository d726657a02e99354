// What an analysis run's row shows and offers, from its status and counters (kept apart from the markup so it
// can be tested on its own).
import { ApiError } from "@/api/client";
import type { Progress } from "@/components/RunItem";
import type { Schemas } from "@/api/client";

type AnalysisRun = Schemas["AnalysisRun"];

export type RunView = {
  canStart: boolean;
  canCancel: boolean;
  canClose: boolean;
  progress: Progress;
};

const FINISHED = new Set(["completed", "failed", "cancelled"]);

export function runView(run: Pick<AnalysisRun, "status" | "batches" | "batches_done">): RunView {
  const running = run.status === "running";
  return {
    canStart: run.status === "pending",
    canCancel: run.status === "pending" || running,
    canClose: FINISHED.has(run.status),
    // Batches are known once the prefilter has run; before that a running run has an indeterminate bar.
    progress:
      run.batches > 0
        ? { max: run.batches, value: run.status === "completed" || run.status === "closed" ? run.batches : run.batches_done }
        : running
          ? "running"
          : null,
  };
}

/** A refused close (409) says how many proposals still wait for review; null for any other error. */
export function pendingOnClose(error: unknown): number | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const n = error.facts.pending_proposals;
  return typeof n === "number" ? n : null;
}
