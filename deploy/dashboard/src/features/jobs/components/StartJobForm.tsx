import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { chatsQuery } from "@/api/queries";
import { ErrorNote } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";
import { dayStart as instant } from "@/lib/dates";
import { useEstimate, useStartJob, type JobRequest } from "../api/jobs";

export function StartJobForm() {
  const { t } = useI18n();
  const chats = useQuery(chatsQuery());
  const start = useStartJob();
  const estimate = useEstimate();
  const [chosen, setChosen] = useState<string[]>([]);
  const [since, setSince] = useState("");
  const [until, setUntil] = useState("");
  const [depth, setDepth] = useState("");
  const [batch, setBatch] = useState("100");
  const [problem, setProblem] = useState<string | null>(null);

  const request = (): Omit<JobRequest, "batch_size"> | null => {
    if (chosen.length === 0) return setProblem(t("jobs.needChats")), null;
    if (!since && !until && !depth) return setProblem(t("jobs.window")), null;
    setProblem(null);
    return { chats: chosen, since: instant(since), until: instant(until), depth: depth ? Number(depth) : undefined };
  };
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const req = request();
    if (req) start.mutate({ ...req, batch_size: Number(batch) || 100 });
  };
  const askEstimate = () => {
    const req = request();
    if (req) estimate.mutate(req);
  };

  return (
    <form className="card job-form" onSubmit={submit} aria-labelledby="start-title">
      <h2 id="start-title">{t("jobs.start")}</h2>
      <label>
        {t("jobs.chats")}
        <select
          multiple
          value={chosen}
          onChange={(e) => setChosen([...e.target.selectedOptions].map((o) => o.value))}
          name="chats"
          size={Math.min(6, Math.max(2, chats.data?.length ?? 2))}
        >
          {(chats.data ?? []).map((c) => (
            <option key={c.chat_id} value={c.chat_id}>
              {c.title ?? c.chat_id}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("jobs.since")}
        <input type="date" value={since} onChange={(e) => setSince(e.target.value)} name="since" />
      </label>
      <label>
        {t("jobs.until")}
        <input type="date" value={until} onChange={(e) => setUntil(e.target.value)} name="until" />
      </label>
      <label>
        {t("jobs.depth")}
        <input type="number" min={1} value={depth} onChange={(e) => setDepth(e.target.value)} name="depth" />
      </label>
      <label>
        {t("jobs.batch")}
        <input type="number" min={1} max={1000} value={batch} onChange={(e) => setBatch(e.target.value)} name="batch" />
      </label>
      <div className="actions">
        <button type="button" className="secondary" onClick={askEstimate}>
          {t("jobs.estimate")}
        </button>
        <button type="submit" disabled={start.isPending}>
          {t("jobs.submit")}
        </button>
      </div>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      {estimate.data && (
        <p role="status" data-testid="estimate">
          {t("jobs.estimated", { n: estimate.data.messages, s: estimate.data.seconds })}
        </p>
      )}
      {estimate.isError && <ErrorNote error={estimate.error} />}
      {start.isError && <ErrorNote error={start.error} />}
    </form>
  );
}
