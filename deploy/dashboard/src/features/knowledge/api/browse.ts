// Browsing the knowledge base outside review: topics with their counts, atoms by type and confidence, one topic
// with its atoms and messages, one atom with its provenance; archive and restore. Lists follow `knowledge` events.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/api/client";
import type { AtomType } from "@/api/enums";
import { keys } from "@/api/keys";

export type TopicFilters = { q?: string; archived?: boolean };
export type AtomFilters = {
  type?: AtomType;
  approved?: boolean;
  archived?: boolean;
  q?: string;
  min_confidence?: number;
  max_confidence?: number;
  topic?: string;
};

export function useTopics(filters: TopicFilters) {
  return useQuery({
    queryKey: keys.topicList(filters),
    queryFn: () => unwrap(api.GET("/api/v1/knowledge/topics", { params: { query: { ...filters, limit: 500 } } })),
  });
}

export function useTopic(id: string) {
  return useQuery({
    queryKey: keys.topic(id),
    queryFn: () => unwrap(api.GET("/api/v1/knowledge/topics/{topic_id}", { params: { path: { topic_id: id } } })),
  });
}

export function useTopicAtoms(id: string) {
  return useQuery({
    queryKey: keys.topicAtoms(id),
    queryFn: () => unwrap(api.GET("/api/v1/knowledge/topics/{topic_id}/atoms", { params: { path: { topic_id: id }, query: {} } })),
  });
}

export function useTopicMessages(id: string) {
  return useInfiniteQuery({
    queryKey: keys.topicMessages(id),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/knowledge/topics/{topic_id}/messages", {
          params: { path: { topic_id: id }, query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
}

export function useAtoms(filters: AtomFilters) {
  return useInfiniteQuery({
    queryKey: keys.atomList(filters),
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET("/api/v1/knowledge/atoms", {
          params: { query: { ...filters, limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
}

/** Archive or restore a topic or an atom (the change arrives as an event; this tab refreshes at once). */
export function useArchive() {
  const client = useQueryClient();
  const onSuccess = () => client.invalidateQueries({ queryKey: keys.knowledge });
  return useMutation({
    mutationFn: (v: { entity: "topic" | "atom"; id: string; archive: boolean }) => {
      if (v.entity === "topic") {
        const params = { path: { topic_id: v.id } };
        return unwrap(
          v.archive
            ? api.POST("/api/v1/knowledge/topics/{topic_id}/archive", { params })
            : api.POST("/api/v1/knowledge/topics/{topic_id}/restore", { params }),
        );
      }
      const params = { path: { atom_id: v.id } };
      return unwrap(
        v.archive
          ? api.POST("/api/v1/knowledge/atoms/{atom_id}/archive", { params })
          : api.POST("/api/v1/knowledge/atoms/{atom_id}/restore", { params }),
      );
    },
    onSuccess,
  });
}
