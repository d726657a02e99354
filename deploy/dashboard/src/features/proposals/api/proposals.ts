// The proposals review queue's server state: lists by status, one proposal with its evidence, the reviews.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/api/client";
import { keys } from "@/api/keys";
import { proposalsQuery } from "@/api/queries";

export type ProposalStatus = "pending" | "approved" | "rejected" | "merged";

export function useProposals(status: ProposalStatus, run: string | null = null) {
  return useQuery(proposalsQuery(status, run));
}

export function useProposal(id: string | null) {
  return useQuery({
    queryKey: keys.proposal(id ?? ""),
    queryFn: () => unwrap(api.GET("/api/v1/proposals/{proposal_id}", { params: { path: { proposal_id: id! } } })),
    enabled: id !== null,
  });
}

/** Approve, reject (reason) or merge (task); the lists follow from the events (src/live/invalidation.ts). */
export function useReview() {
  const client = useQueryClient();
  const settle = () => client.invalidateQueries({ queryKey: keys.proposals });
  const approve = useMutation({
    mutationFn: (id: string) =>
      unwrap(api.POST("/api/v1/proposals/{proposal_id}/approve", { params: { path: { proposal_id: id } }, body: { reviewer: "dashboard" } })),
    onSuccess: settle,
  });
  const reject = useMutation({
    mutationFn: (v: { id: string; reason: string }) =>
      unwrap(
        api.POST("/api/v1/proposals/{proposal_id}/reject", {
          params: { path: { proposal_id: v.id } },
          body: { reason: v.reason, reviewer: "dashboard" },
        }),
      ),
    onSuccess: settle,
  });
  const merge = useMutation({
    mutationFn: (v: { id: string; taskId: string }) =>
      unwrap(
        api.POST("/api/v1/proposals/{proposal_id}/merge", {
          params: { path: { proposal_id: v.id } },
          body: { task_id: v.taskId, reviewer: "dashboard" },
        }),
      ),
    onSuccess: settle,
  });
  return { approve, reject, merge };
}
