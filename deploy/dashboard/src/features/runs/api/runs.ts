// Extraction runs: the list (live through `knowledge` events), start one for a chat and period, cancel one.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/api/client";
import { keys } from "@/api/keys";
import { extractionRunsQuery } from "@/api/queries";

export function useRuns() {
  return useQuery(extractionRunsQuery());
}

export function useStartExtraction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { chat_id: string; period_start: string; period_end?: string }) =>
      unwrap(api.POST("/api/v1/knowledge/extract", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.runList }),
  });
}

export function useCancelRun() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST("/api/v1/knowledge/runs/{run_id}/cancel", { params: { path: { run_id: id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.runList }),
  });
}
