// The messages feature's server state: the feed (cursor pages), one message, its similar ones, the override.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/api/client";
import { keys, type MessageFilters } from "@/api/keys";
import type { Classification } from "@/components/ClassBadge";

const PAGE = 50;

export function useMessageFeed(filters: MessageFilters) {
  return useInfiniteQuery({
    queryKey: keys.messageList(filters, PAGE),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/messages", {
          params: { query: { ...filters, limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
}

export function useMessage(key: string | null) {
  return useQuery({
    queryKey: keys.message(key ?? ""),
    queryFn: () => unwrap(api.GET("/api/v1/messages/{key}", { params: { path: { key: key! } } })),
    enabled: key !== null,
  });
}

export function useSimilar(key: string) {
  return useQuery({
    queryKey: keys.similar(key),
    queryFn: () => unwrap(api.GET("/api/v1/messages/{key}/similar", { params: { path: { key }, query: {} } })),
    retry: false, // 409 (no embedding yet) is an answer, not a failure to retry
  });
}

export function useOverride() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (vars: { key: string; classification: Classification; reason?: string }) =>
      unwrap(
        api.POST("/api/v1/messages/{key}/classification", {
          params: { path: { key: vars.key } },
          body: { classification: vars.classification, reason: vars.reason || null },
        }),
      ),
    // The change itself arrives as an event (src/live/invalidation.ts); this only refreshes the history.
    onSuccess: (_, vars) => client.invalidateQueries({ queryKey: keys.message(vars.key) }),
  });
}
