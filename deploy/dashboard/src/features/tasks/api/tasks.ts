import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/api/client";
import { keys } from "@/api/keys";

export const STATUSES = ["open", "in_progress", "completed", "closed"] as const;
export type TaskStatus = (typeof STATUSES)[number];

export function useMoveTask() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: string; status: TaskStatus }) =>
      unwrap(api.POST("/api/v1/tasks/{task_id}/status", { params: { path: { task_id: v.id } }, body: { status: v.status } })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.tasks }),
  });
}
