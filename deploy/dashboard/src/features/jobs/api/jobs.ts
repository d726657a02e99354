import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/api/client";
import { keys } from "@/api/keys";

export type JobRequest = { chats: string[]; since?: string; until?: string; depth?: number; batch_size: number };

export function useStartJob() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: JobRequest) => unwrap(api.POST("/api/v1/ingestion/jobs", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.jobs }),
  });
}

export function useCancelJob() {
  return useMutation({
    mutationFn: (jobId: string) =>
      unwrap(api.POST("/api/v1/ingestion/jobs/{job_id}/cancel", { params: { path: { job_id: jobId } } })),
  });
}

export function useEstimate() {
  return useMutation({
    mutationFn: (req: Omit<JobRequest, "batch_size">) =>
      unwrap(api.GET("/api/v1/ingestion/estimate", { params: { query: req } })),
  });
}
