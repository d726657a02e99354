// The knowledge review's server state: versions waiting for review, their diffs, atoms with their provenance,
// and the reviews themselves (one or many at once).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/api/client";
import { keys } from "@/api/keys";

export type Entity = "topic" | "atom";
export type VersionRef = { entity: Entity; entity_id: string; version: number };

export function usePendingVersions() {
  return useQuery({
    queryKey: keys.versionList("proposed"),
    queryFn: () => unwrap(api.GET("/api/v1/knowledge/versions", { params: { query: { state: "proposed", limit: 500 } } })),
  });
}

export function useVersionDiff(ref: VersionRef | null) {
  const from = ref && ref.version > 1 ? ref.version - 1 : null;
  return useQuery({
    queryKey: keys.versionDiff(ref?.entity ?? "", ref?.entity_id ?? "", ref?.version ?? 0),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/knowledge/versions/{entity}/{entity_id}/diff", {
          params: { path: { entity: ref!.entity, entity_id: ref!.entity_id }, query: { from: from!, to: ref!.version } },
        }),
      ),
    enabled: ref !== null && from !== null, // a first version has nothing to compare with
  });
}

export function useAtom(id: string | null) {
  return useQuery({
    queryKey: keys.atom(id ?? ""),
    queryFn: () => unwrap(api.GET("/api/v1/knowledge/atoms/{atom_id}", { params: { path: { atom_id: id! } } })),
    enabled: id !== null,
  });
}

export function useVersionReview() {
  const client = useQueryClient();
  const settle = () => client.invalidateQueries({ queryKey: keys.knowledge });
  const path = (r: VersionRef) => ({ path: { entity: r.entity, entity_id: r.entity_id, version: r.version } });
  const approve = useMutation({
    mutationFn: (r: VersionRef) =>
      unwrap(api.POST("/api/v1/knowledge/versions/{entity}/{entity_id}/{version}/approve", { params: path(r), body: null })),
    onSuccess: settle,
  });
  const reject = useMutation({
    mutationFn: (v: VersionRef & { reason: string }) =>
      unwrap(
        api.POST("/api/v1/knowledge/versions/{entity}/{entity_id}/{version}/reject", {
          params: path(v),
          body: { reason: v.reason },
        }),
      ),
    onSuccess: settle,
  });
  const bulk = useMutation({
    mutationFn: (v: { items: VersionRef[]; approve: boolean; reason?: string }) =>
      unwrap(
        v.approve
          ? api.POST("/api/v1/knowledge/versions/bulk-approve", { body: { items: v.items, reason: v.reason || null } })
          : api.POST("/api/v1/knowledge/versions/bulk-reject", { body: { items: v.items, reason: v.reason || null } }),
      ),
    onSuccess: settle,
  });
  return { approve, reject, bulk };
}
