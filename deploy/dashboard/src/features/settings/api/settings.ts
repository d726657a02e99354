// Settings' server state: LLM providers (the key is write-only), agents, projects, extraction schedules and
// auto-approval rules. Lists follow live events (src/live/invalidation.ts); each write also refreshes its list
// at once, so this tab never waits for the round trip through the bus.
import { useMutation, useQuery, useQueryClient, type QueryKey } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/api/client";
import { keys } from "@/api/keys";
import { agentsQuery, projectsQuery } from "@/api/queries";

export type Provider = Schemas["Provider"];
export type ProviderCreate = Schemas["ProviderCreate"];
export type ProviderPatch = Schemas["ProviderPatch"];
export type Agent = Schemas["Agent"];
export type AgentPatch = Schemas["AgentPatch"];
export type Project = Schemas["Project"];
export type ProjectCreate = Schemas["ProjectCreate"];
export type Rule = Schemas["Rule"];
export type RuleCreate = Schemas["RuleCreate"];
export type Schedule = Schemas["Schedule"];
export type ScheduleCreate = Schemas["ScheduleCreate"];

function useSettle(...families: QueryKey[]) {
  const client = useQueryClient();
  return () => Promise.all(families.map((queryKey) => client.invalidateQueries({ queryKey }))).then(() => undefined);
}

// --- providers -----------------------------------------------------------------------------------------------

export function useProviders() {
  return useQuery({ queryKey: keys.providers, queryFn: () => unwrap(api.GET("/api/v1/providers", {})) });
}

export function useProviderModels(id: string | null) {
  return useQuery({
    queryKey: keys.providerModels(id ?? ""),
    queryFn: () => unwrap(api.GET("/api/v1/providers/{provider_id}/models", { params: { path: { provider_id: id! } } })),
    enabled: id !== null,
  });
}

export function useProviderWrites() {
  const onSuccess = useSettle(keys.providers, keys.agents);
  const path = (id: string) => ({ path: { provider_id: id } });
  return {
    create: useMutation({ mutationFn: (body: ProviderCreate) => unwrap(api.POST("/api/v1/providers", { body })), onSuccess }),
    update: useMutation({
      mutationFn: (v: { id: string; body: ProviderPatch }) =>
        unwrap(api.PATCH("/api/v1/providers/{provider_id}", { params: path(v.id), body: v.body })),
      onSuccess,
    }),
    remove: useMutation({
      mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/providers/{provider_id}", { params: path(id) })),
      onSuccess,
    }),
    validate: useMutation({
      mutationFn: (id: string) => unwrap(api.POST("/api/v1/providers/{provider_id}/validate", { params: path(id) })),
      onSuccess,
    }),
  };
}

// --- agents --------------------------------------------------------------------------------------------------

export function useAgents() {
  return useQuery(agentsQuery());
}

export function useAgentStats(id: string) {
  return useQuery({
    queryKey: keys.agentStats(id),
    queryFn: () => unwrap(api.GET("/api/v1/agents/{agent_id}/stats", { params: { path: { agent_id: id } } })),
  });
}

export function useAgentUpdate() {
  const onSuccess = useSettle(keys.agents);
  return useMutation({
    mutationFn: (v: { id: string; body: AgentPatch }) =>
      unwrap(api.PATCH("/api/v1/agents/{agent_id}", { params: { path: { agent_id: v.id } }, body: v.body })),
    onSuccess,
  });
}

// --- projects ------------------------------------------------------------------------------------------------

export function useProjects() {
  return useQuery(projectsQuery());
}

export function useProjectWrites() {
  const onSuccess = useSettle(keys.projects);
  const path = (id: string) => ({ path: { project_id: id } });
  return {
    create: useMutation({ mutationFn: (body: ProjectCreate) => unwrap(api.POST("/api/v1/projects", { body })), onSuccess }),
    update: useMutation({
      mutationFn: (v: { id: string; body: ProjectCreate }) =>
        unwrap(api.PATCH("/api/v1/projects/{project_id}", { params: path(v.id), body: v.body })),
      onSuccess,
    }),
    remove: useMutation({
      mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/projects/{project_id}", { params: path(id) })),
      onSuccess,
    }),
  };
}

// --- auto-approval rules -------------------------------------------------------------------------------------

export function useRules() {
  return useQuery({
    queryKey: keys.rules,
    queryFn: () => unwrap(api.GET("/api/v1/knowledge/auto-approval-rules", { params: { query: {} } })),
  });
}

/** How many proposed atom versions a saved rule would approve now (nothing is approved). */
export function useRuleDryRun(id: string) {
  return useQuery({
    queryKey: keys.ruleDryRun(id),
    queryFn: () =>
      unwrap(api.GET("/api/v1/knowledge/auto-approval-rules/{rule_id}/dry-run", { params: { path: { rule_id: id } } })),
  });
}

export function useRuleWrites() {
  const onSuccess = useSettle(keys.rules);
  const path = (id: string) => ({ path: { rule_id: id } });
  return {
    create: useMutation({
      mutationFn: (body: RuleCreate) => unwrap(api.POST("/api/v1/knowledge/auto-approval-rules", { body })),
      onSuccess,
    }),
    update: useMutation({
      mutationFn: (v: { id: string; body: RuleCreate }) =>
        unwrap(api.PATCH("/api/v1/knowledge/auto-approval-rules/{rule_id}", { params: path(v.id), body: v.body })),
      onSuccess,
    }),
    remove: useMutation({
      mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/knowledge/auto-approval-rules/{rule_id}", { params: path(id) })),
      onSuccess,
    }),
    /** The count for a rule not saved yet. */
    draft: useMutation({
      mutationFn: (body: RuleCreate) => unwrap(api.POST("/api/v1/knowledge/auto-approval-rules/dry-run", { body })),
    }),
  };
}

// --- schedules (extraction or analysis) ------------------------------------------------------------------------------------

export function useSchedules() {
  return useQuery({ queryKey: keys.schedules, queryFn: () => unwrap(api.GET("/api/v1/knowledge/schedules", {})) });
}

export function useScheduleWrites() {
  const client = useQueryClient();
  const onSuccess = useSettle(keys.schedules);
  const path = (id: string) => ({ path: { schedule_id: id } });
  return {
    create: useMutation({
      mutationFn: (body: ScheduleCreate) => unwrap(api.POST("/api/v1/knowledge/schedules", { body })),
      onSuccess,
    }),
    update: useMutation({
      mutationFn: (v: { id: string; body: ScheduleCreate }) =>
        unwrap(api.PATCH("/api/v1/knowledge/schedules/{schedule_id}", { params: path(v.id), body: v.body })),
      onSuccess,
    }),
    remove: useMutation({
      mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/knowledge/schedules/{schedule_id}", { params: path(id) })),
      onSuccess,
    }),
    runNow: useMutation({
      mutationFn: (id: string) => unwrap(api.POST("/api/v1/knowledge/schedules/{schedule_id}/run", { params: path(id) })),
      // An extraction schedule queues an extraction run; an analysis schedule creates and starts an analysis run.
      onSuccess: () => Promise.all([keys.runList, keys.analysis, keys.schedules].map((queryKey) => client.invalidateQueries({ queryKey }))),
    }),
  };
}
