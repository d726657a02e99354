// Query options for the resources several features show (overview, messages, jobs): one fetcher per key.
import { queryOptions } from "@tanstack/react-query";
import { api, unwrap } from "./client";
import { keys, type MessageFilters } from "./keys";

/** `until`: the trend's last day (UTC date); null = today. */
export const noiseStatsQuery = (days: number, until: string | null) =>
  queryOptions({
    queryKey: keys.noiseStats(days, until),
    queryFn: () =>
      unwrap(api.GET("/api/v1/noise/stats", { params: { query: { days, top: 5, ...(until ? { until } : {}) } } })),
  });

export const messageListQuery = (filters: MessageFilters, limit = 50) =>
  queryOptions({
    queryKey: keys.messageList(filters, limit),
    queryFn: () => unwrap(api.GET("/api/v1/messages", { params: { query: { ...filters, limit } } })),
  });

export const jobsQuery = () =>
  queryOptions({
    queryKey: keys.jobs,
    queryFn: () => unwrap(api.GET("/api/v1/ingestion/jobs", { params: { query: { limit: 50 } } })),
  });

export const chatsQuery = () =>
  queryOptions({
    queryKey: keys.chats,
    queryFn: () => unwrap(api.GET("/api/v1/chats", {})),
    staleTime: 60_000,
  });

export const profilesQuery = () =>
  queryOptions({
    queryKey: keys.profiles,
    queryFn: () => unwrap(api.GET("/api/v1/profiles", { params: { query: { limit: 200 } } })),
    staleTime: 60_000,
  });

export const tasksQuery = () =>
  queryOptions({
    queryKey: keys.taskList,
    queryFn: () => unwrap(api.GET("/api/v1/tasks", { params: { query: { limit: 500 } } })),
  });

/** `run`: only the proposals of this analysis run. */
export const proposalsQuery = (status: "pending" | "approved" | "rejected" | "merged", run: string | null = null) =>
  queryOptions({
    queryKey: keys.proposalList(status, run),
    queryFn: () =>
      unwrap(api.GET("/api/v1/proposals", { params: { query: { status, limit: 200, ...(run ? { run_id: run } : {}) } } })),
  });

export const pendingVersionsCountQuery = () =>
  queryOptions({
    queryKey: keys.pendingVersions,
    queryFn: () => unwrap(api.GET("/api/v1/knowledge/versions/pending-count", {})),
  });

export const projectsQuery = () =>
  queryOptions({ queryKey: keys.projects, queryFn: () => unwrap(api.GET("/api/v1/projects", {})) });

export const agentsQuery = () =>
  queryOptions({ queryKey: keys.agents, queryFn: () => unwrap(api.GET("/api/v1/agents", { params: { query: {} } })) });

export const extractionRunsQuery = () =>
  queryOptions({
    queryKey: keys.runList,
    queryFn: () => unwrap(api.GET("/api/v1/knowledge/runs", { params: { query: { limit: 100 } } })),
  });

const ANALYSIS_LIST = { limit: 100 };
export const analysisRunsQuery = () =>
  queryOptions({
    queryKey: keys.analysisRuns(ANALYSIS_LIST),
    queryFn: () => unwrap(api.GET("/api/v1/analysis/runs", { params: { query: ANALYSIS_LIST } })),
  });
