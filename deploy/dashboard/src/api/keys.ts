// Query keys, one family per API resource. The live layer (src/live/invalidation.ts) invalidates and patches
// these families when events arrive, so every key a feature caches must come from here.
export type MessageFilters = {
  chat?: string;
  author?: string;
  classification?: "signal" | "weak_signal" | "noise";
  min_score?: number;
  max_score?: number;
  since?: string;
  until?: string;
  q?: string;
};

export const keys = {
  noise: ["noise"] as const,
  noiseStats: (days: number, until: string | null) => ["noise", "stats", days, until] as const,
  messages: ["messages"] as const,
  messageLists: ["messages", "list"] as const,
  messageList: (filters: MessageFilters, limit: number) => ["messages", "list", filters, limit] as const,
  message: (key: string) => ["messages", "detail", key] as const,
  similar: (key: string) => ["messages", "similar", key] as const,
  ingestion: ["ingestion"] as const,
  jobs: ["ingestion", "jobs"] as const,
  estimate: (params: object) => ["ingestion", "estimate", params] as const,
  chats: ["chats"] as const,
  profiles: ["profiles"] as const,
  search: (params: object) => ["search", params] as const,
  proposals: ["proposals"] as const,
  proposalList: (status: string, run: string | null = null) => ["proposals", "list", status, run] as const,
  proposal: (id: string) => ["proposals", "detail", id] as const,
  knowledge: ["knowledge"] as const,
  versionList: (state: string) => ["knowledge", "versions", state] as const,
  pendingVersions: ["knowledge", "versions", "pending-count"] as const,
  versionDiff: (entity: string, id: string, version: number) => ["knowledge", "diff", entity, id, version] as const,
  atom: (id: string) => ["knowledge", "atom", id] as const,
  runList: ["knowledge", "runs"] as const,
  digest: (days: number) => ["knowledge", "digest", days] as const,
  tasks: ["tasks"] as const,
  taskList: ["tasks", "list"] as const,
  topicList: (params: object) => ["knowledge", "topics", params] as const,
  topic: (id: string) => ["knowledge", "topic", id] as const,
  topicAtoms: (id: string) => ["knowledge", "topic", id, "atoms"] as const,
  topicMessages: (id: string) => ["knowledge", "topic", id, "messages"] as const,
  atomList: (params: object) => ["knowledge", "atoms", params] as const,
  rules: ["knowledge", "rules"] as const,
  ruleDryRun: (id: string) => ["knowledge", "rules", "dry-run", id] as const,
  schedules: ["knowledge", "schedules"] as const,
  providers: ["providers"] as const,
  providerModels: (id: string) => ["providers", "models", id] as const,
  agents: ["agents"] as const,
  agentStats: (id: string) => ["agents", "stats", id] as const,
  projects: ["projects"] as const,
  analysis: ["analysis"] as const,
  analysisRuns: (params: object) => ["analysis", "runs", params] as const,
  analysisRun: (id: string) => ["analysis", "run", id] as const,
};
