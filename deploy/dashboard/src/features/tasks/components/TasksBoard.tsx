import { useQuery } from "@tanstack/react-query";
import { tasksQuery } from "@/api/queries";
import { ErrorNote, QueryState } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";
import { useLiveTopics } from "@/live/LiveProvider";
import { STATUSES, useMoveTask, type TaskStatus } from "../api/tasks";

const TOPICS = ["tasks", "proposals"];

export function TasksBoard() {
  useLiveTopics(TOPICS);
  const { t } = useI18n();
  const tasks = useQuery(tasksQuery());
  const move = useMoveTask();
  return (
    <>
      <h1>{t("tasks.title")}</h1>
      {move.isError && <ErrorNote error={move.error} />}
      <QueryState query={tasks}>
        {(list) => (
          <div className="board" data-testid="task-board">
            {STATUSES.map((status) => {
              const column = list.filter((task) => task.status === status);
              return (
                <section key={status} className="board-column card" aria-labelledby={`col-${status}`}>
                  <h2 id={`col-${status}`}>
                    {t(`tasks.status.${status}`)} <span className="muted">{column.length}</span>
                  </h2>
                  <ul className="plain">
                    {column.map((task) => (
                      <li key={task.id} className="task-card" data-id={task.id}>
                        <strong>{task.title}</strong>
                        <div className="muted small">
                          {t(`tasks.priority.${task.priority}`)} · {task.category}
                          {task.assignee ? ` · ${task.assignee}` : ""} · {task.source_message_keys.length} ✉
                        </div>
                        <label className="small">
                          {t("tasks.move")}
                          <select
                            value={task.status}
                            onChange={(e) => move.mutate({ id: task.id, status: e.target.value as TaskStatus })}
                          >
                            {STATUSES.map((s) => (
                              <option key={s} value={s}>
                                {t(`tasks.status.${s}`)}
                              </option>
                            ))}
                          </select>
                        </label>
                      </li>
                    ))}
                  </ul>
                </section>
              );
            })}
          </div>
        )}
      </QueryState>
    </>
  );
}
