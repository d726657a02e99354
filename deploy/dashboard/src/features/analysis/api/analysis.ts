// Analysis runs: the list (live through `analysis` events, each batch patched in), create one for a window and
// a project, start, cancel and close it.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/api/client";
import { keys } from "@/api/keys";
import { analysisRunsQuery } from "@/api/queries";

export type AnalysisRun = Schemas["AnalysisRun"];
export type RunCreate = Schemas["RunCreate"];

export function useAnalysisRuns() {
  return useQuery(analysisRunsQuery());
}

export function useAnalysisRun(id: string | null) {
  return useQuery({
    queryKey: keys.analysisRun(id ?? ""),
    queryFn: () => unwrap(api.GET("/api/v1/analysis/runs/{run_id}", { params: { path: { run_id: id! } } })),
    enabled: id !== null,
  });
}

export function useAnalysisWrites() {
  const client = useQueryClient();
  const onSuccess = () => client.invalidateQueries({ queryKey: keys.analysis });
  const path = (id: string) => ({ path: { run_id: id } });
  return {
    create: useMutation({ mutationFn: (body: RunCreate) => unwrap(api.POST("/api/v1/analysis/runs", { body })), onSuccess }),
    start: useMutation({
      mutationFn: (id: string) => unwrap(api.POST("/api/v1/analysis/runs/{run_id}/start", { params: path(id) })),
      onSuccess,
    }),
    cancel: useMutation({
      mutationFn: (id: string) => unwrap(api.POST("/api/v1/analysis/runs/{run_id}/cancel", { params: path(id) })),
      onSuccess,
    }),
    close: useMutation({
      mutationFn: (id: string) => unwrap(api.POST("/api/v1/analysis/runs/{run_id}/close", { params: path(id) })),
      onSuccess,
    }),
  };
}
