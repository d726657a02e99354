import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { chatsQuery } from "@/api/queries";
import { ErrorNote, QueryState } from "@/components/QueryState";
import { RunItem } from "@/components/RunItem";
import { ExtractionRunLine } from "@/components/RunLines";
import { dayStart } from "@/lib/dates";
import { useI18n } from "@/i18n/I18nProvider";
import { useLiveTopics } from "@/live/LiveProvider";
import { useCancelRun, useRuns, useStartExtraction } from "../api/runs";

const TOPICS = ["knowledge"];
const ACTIVE = new Set(["pending", "running"]);

function StartExtraction() {
  const { t } = useI18n();
  const chats = useQuery(chatsQuery());
  const start = useStartExtraction();
  const [chat, setChat] = useState("");
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    if (!chat || !since) return;
    start.mutate({
      chat_id: chat,
      period_start: dayStart(since)!,
      ...(until ? { period_end: dayStart(until) } : {}),
    });
  };
  return (
    <form className="card job-form" onSubmit={submit} aria-labelledby="extract-title">
      <h2 id="extract-title">{t("runs.start")}</h2>
      <label>
        {t("jobs.chats")}
        <select value={chat} onChange={(e) => setChat(e.target.value)} required name="chat">
          <option value="">—</option>
          {(chats.data ?? []).map((c) => (
            <option key={c.chat_id} value={c.chat_id}>
              {c.title ?? c.chat_id}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("jobs.since")}
        <input type="date" value={since} onChange={(e) => setSince(e.target.value)} required name="since" />
      </label>
      <label>
        {t("jobs.until")}
        <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} name="until" />
      </label>
      <button type="submit" disabled={start.isPending}>
        {t("runs.submit")}
      </button>
      {start.data && <p role="status">{t("runs.queued", { n: start.data.message_count })}</p>}
      {start.isError && <ErrorNote error={start.error} />}
    </form>
  );
}

export function RunsPage() {
  useLiveTopics(TOPICS);
  const { t, formatDate } = useI18n();
  const runs = useRuns();
  const cancel = useCancelRun();
  return (
    <>
      <h1>{t("runs.title")}</h1>
      <div className="columns">
        <StartExtraction />
        <section className="card" aria-labelledby="runs-title">
          <h2 id="runs-title">{t("runs.list")}</h2>
          {cancel.isError && <ErrorNote error={cancel.error} />}
          <QueryState query={runs}>
            {(list) =>
              list.length === 0 ? (
                <p className="muted">{t("common.none")}</p>
              ) : (
                <ul className="plain" data-testid="runs">
                  {list.map((r) => (
                    <RunItem
                      key={r.id}
                      status={r.status}
                      title={r.chat_id ?? t("runs.byKeys", { n: r.message_keys.length })}
                      meta={`${t("runs.trigger")}: ${r.trigger} · ${formatDate(r.created_at)}`}
                      active={ACTIVE.has(r.status)}
                      onCancel={() => cancel.mutate(r.id)}
                      cancelRequested={cancel.isSuccess && cancel.variables === r.id}
                      line={<ExtractionRunLine run={r} />}
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
