import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "@/api/client";
import { keys } from "@/api/keys";

export type SearchParams = { q: string; mode: "hybrid" | "semantic" | "keyword"; types: string[] };

export function useSearch(params: SearchParams | null) {
  return useQuery({
    queryKey: keys.search(params ?? {}),
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/search", {
          params: { query: { q: params!.q, mode: params!.mode, types: params!.types.join(",") } },
        }),
      ),
    enabled: params !== null && params.q.trim() !== "",
    staleTime: 30_000,
  });
}
