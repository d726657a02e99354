import { useQuery } from "@tanstack/react-query";
import { jobsQuery } from "@/api/queries";
import { JobProgress } from "@/components/JobProgress";
import { ErrorNote, QueryState } from "@/components/QueryState";
import { RunItem } from "@/components/RunItem";
import { useI18n } from "@/i18n/I18nProvider";
import { useLiveTopics } from "@/live/LiveProvider";
import { useCancelJob } from "../api/jobs";
import { StartJobForm } from "./StartJobForm";

const TOPICS = ["messages"];

export function JobsPage() {
  useLiveTopics(TOPICS);
  const { t, formatDate } = useI18n();
  const jobs = useQuery(jobsQuery());
  const cancel = useCancelJob();
  return (
    <>
      <h1>{t("jobs.title")}</h1>
      <div className="columns">
        <StartJobForm />
        <section className="card" aria-labelledby="jobs-list-title">
          <h2 id="jobs-list-title">{t("jobs.list")}</h2>
          {cancel.isError && <ErrorNote error={cancel.error} />}
          <QueryState query={jobs}>
            {(list) =>
              list.length === 0 ? (
                <p className="muted">{t("common.none")}</p>
              ) : (
                <ul className="plain" data-testid="jobs">
                  {list.map((j) => (
                    <RunItem
                      key={j.id}
                      status={j.status}
                      title={j.chats.join(", ")}
                      meta={`${t("jobs.created")} ${formatDate(j.created_at)}`}
                      line={<JobProgress job={j} />}
                      active={j.status === "pending" || j.status === "running"}
                      onCancel={() => cancel.mutate(j.id)}
                      cancelRequested={cancel.isSuccess && cancel.variables === j.id}
                    />
                  ))}
                </ul>
              )
            }
          </QueryState>
        </section>
      </div>
    </>
  );
}
