import { describe, expect, it } from "vitest";
import { ApiError } from "@/api/client";
import { pendingOnClose, runView } from "./analysisRun";

describe("an analysis run's row", () => {
  it("offers start and cancel while pending, with no bar yet", () => {
    expect(runView({ status: "pending", batches: 0, batches_done: 0 })).toEqual({
      canStart: true,
      canCancel: true,
      canClose: false,
      progress: null,
    });
  });

  it("shows batches done of the total while running, indeterminate before the total is known", () => {
    expect(runView({ status: "running", batches: 4, batches_done: 1 }).progress).toEqual({ max: 4, value: 1 });
    expect(runView({ status: "running", batches: 0, batches_done: 0 }).progress).toBe("running");
    expect(runView({ status: "running", batches: 4, batches_done: 1 }).canClose).toBe(false);
  });

  it("is full when completed and can then be closed, not started or cancelled", () => {
    const v = runView({ status: "completed", batches: 3, batches_done: 2 });
    expect(v.progress).toEqual({ max: 3, value: 3 });
    expect([v.canStart, v.canCancel, v.canClose]).toEqual([false, false, true]);
    expect(runView({ status: "failed", batches: 3, batches_done: 1 }).canClose).toBe(true);
    expect(runView({ status: "cancelled", batches: 0, batches_done: 0 }).canClose).toBe(true);
    expect(runView({ status: "closed", batches: 3, batches_done: 3 }).canClose).toBe(false);
  });
});

describe("a refused close", () => {
  it("reads the pending count of a 409 and nothing else", () => {
    expect(pendingOnClose(new ApiError(409, "3 proposals … pending", { pending_proposals: 3 }))).toBe(3);
    expect(pendingOnClose(new ApiError(409, "run is running", { status: "running" }))).toBeNull();
    expect(pendingOnClose(new ApiError(400, "bad", { pending_proposals: 3 }))).toBeNull();
    expect(pendingOnClose(new Error("network"))).toBeNull();
  });
});
