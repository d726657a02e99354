// Schedules (cron and a lookback window): an extraction schedule (chats, minimum score, auto-approval) or an
// analysis schedule (a project, a task proposer). List with the next due time, create / edit / delete, and run
// one now (its run shows on the runs or the analysis page).
import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import type { AtomType } from "@/api/enums";
import { chatsQuery, projectsQuery } from "@/api/queries";
import { AtomTypePicker } from "@/components/AtomTypePicker";
import { AgentSelect, ProjectSelect } from "@/components/EntitySelect";
import { ErrorNote, QueryList } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";
import { EditDelete, NameInput, SettingsForm, useEditing, useSaveForm } from "./form";
import { useSchedules, useScheduleWrites, type Schedule, type ScheduleCreate } from "../api/settings";

type Kind = ScheduleCreate["kind"];
type Setter<T> = (value: T) => void;

/** What only an extraction schedule has: its chats, a message score floor and auto-approval. */
function ExtractionFields(p: {
  chats: { chat_id: string; title: string | null }[];
  chosen: string[];
  setChosen: Setter<string[]>;
  minScore: string;
  setMinScore: Setter<string>;
  autoApprove: boolean;
  setAutoApprove: Setter<boolean>;
  threshold: string;
  setThreshold: Setter<string>;
  types: AtomType[];
  setTypes: Setter<AtomType[]>;
}) {
  const { t } = useI18n();
  return (
    <>
      <label>
        {t("jobs.chats")}
        <select
          multiple
          value={p.chosen}
          onChange={(e) => p.setChosen([...e.target.selectedOptions].map((o) => o.value))}
          name="chats"
          size={Math.min(5, Math.max(2, p.chats.length))}
          aria-describedby="chats-hint"
        >
          {p.chats.map((c) => (
            <option key={c.chat_id} value={c.chat_id}>
              {c.title ?? c.chat_id}
            </option>
          ))}
        </select>
      </label>
      <span id="chats-hint" className="small muted">
        {t("schedules.chatsHint")}
      </span>
      <label>
        {t("schedules.minScore")}
        <input type="number" min={0} max={1} step={0.05} value={p.minScore} onChange={(e) => p.setMinScore(e.target.value)} name="min_score" />
      </label>
      <label className="inline">
        <input type="checkbox" checked={p.autoApprove} onChange={(e) => p.setAutoApprove(e.target.checked)} name="auto_approve" />
        {t("schedules.autoApprove")}
      </label>
      {p.autoApprove && (
        <>
          <label>
            {t("rules.minConfidence")}
            <input type="number" min={0} max={1} step={0.01} value={p.threshold} onChange={(e) => p.setThreshold(e.target.value)} required name="confidence_threshold" />
          </label>
          <AtomTypePicker legend={t("rules.types")} value={p.types} onChange={p.setTypes} />
        </>
      )}
    </>
  );
}

function ScheduleForm({ editing, onDone }: { editing: Schedule | null; onDone: () => void }) {
  const { t } = useI18n();
  const chats = useQuery(chatsQuery());
  const { active, send, shell } = useSaveForm(editing, useScheduleWrites(), onDone);
  const [kind, setKind] = useState<Kind>(editing?.kind ?? "extraction");
  const [projectId, setProjectId] = useState(editing?.project_id ?? "");
  const [name, setName] = useState(editing?.name ?? "");
  const [cron, setCron] = useState(editing?.cron ?? "0 * * * *");
  const [agentId, setAgentId] = useState(editing?.agent_id ?? "");
  const [chosen, setChosen] = useState<string[]>(editing?.chats ?? []);
  const [minScore, setMinScore] = useState(editing?.min_score == null ? "" : String(editing.min_score));
  const [lookback, setLookback] = useState(String(editing?.lookback_hours ?? 24));
  const [autoApprove, setAutoApprove] = useState(editing?.auto_approve ?? false);
  const [threshold, setThreshold] = useState(String(editing?.confidence_threshold ?? 0.8));
  const [types, setTypes] = useState<AtomType[]>(editing?.allowed_atom_types ?? []);
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const extraction = kind === "extraction";
    const body: ScheduleCreate = {
      name: name.trim(),
      cron: cron.trim(),
      kind,
      project_id: extraction ? null : projectId || null,
      agent_id: agentId || null,
      // The chat filter, score floor and auto-approval steer extractions only.
      chats: extraction ? chosen : [],
      min_score: extraction && minScore !== "" ? Number(minScore) : null,
      lookback_hours: Number(lookback),
      auto_approve: extraction && autoApprove,
      confidence_threshold: Number(threshold),
      allowed_atom_types: extraction ? types : [],
      active,
    };
    send(body, body);
  };
  return (
    <SettingsForm
      entity="schedule"
      title={editing ? t("schedules.edit", { name: editing.name }) : t("schedules.new")}
      onSubmit={submit}
      {...shell}
    >
      <NameInput value={name} onChange={setName} maxLength={100} />
      <label>
        {t("schedules.cron")}
        <input value={cron} onChange={(e) => setCron(e.target.value)} required maxLength={100} name="cron" aria-describedby="cron-hint" spellCheck={false} />
      </label>
      <span id="cron-hint" className="small muted">{t("schedules.cronHint")}</span>
      <label>
        {t("schedules.kind")}
        <select value={kind} onChange={(e) => (setKind(e.target.value as Kind), setAgentId(""))} name="kind">
          <option value="extraction">{t("schedules.kind.extraction")}</option>
          <option value="analysis">{t("schedules.kind.analysis")}</option>
        </select>
      </label>
      {kind === "analysis" && <ProjectSelect value={projectId} onChange={setProjectId} />}
      <AgentSelect
        role={kind === "analysis" ? "task_proposer" : "knowledge_extractor"}
        empty={kind === "analysis" ? t("analysis.defaultAgent") : t("schedules.defaultAgent")}
        value={agentId}
        onChange={setAgentId}
      />
      <label>
        {t("schedules.lookback")}
        <input type="number" min={1} max={2160} value={lookback} onChange={(e) => setLookback(e.target.value)} required name="lookback_hours" />
      </label>
      {kind === "extraction" && (
        <ExtractionFields
          chats={chats.data ?? []}
          chosen={chosen}
          setChosen={setChosen}
          minScore={minScore}
          setMinScore={setMinScore}
          autoApprove={autoApprove}
          setAutoApprove={setAutoApprove}
          threshold={threshold}
          setThreshold={setThreshold}
          types={types}
          setTypes={setTypes}
        />
      )}
    </SettingsForm>
  );
}

export function SchedulesTab() {
  const { t, formatDate } = useI18n();
  const schedules = useSchedules();
  const projects = useQuery(projectsQuery());
  const { remove, runNow } = useScheduleWrites();
  const { editing, setEditing, done, formKey } = useEditing<Schedule>();
  return (
    <div className="columns">
      <section className="card" aria-labelledby="schedules-title">
        <h2 id="schedules-title">{t("schedules.title")}</h2>
        {[remove, runNow].map((m, i) => m.isError && <ErrorNote key={i} error={m.error} />)}
        {runNow.data && (
          <p role="status" data-testid="schedule-started">
            {"window_start" in runNow.data ? (
              <>
                {t("schedules.analysisStarted")} <Link to={`/analysis?run=${runNow.data.id}`}>{t("nav.analysis")}</Link>
              </>
            ) : (
              <>
                {t("schedules.queued", { n: runNow.data.message_count })} <Link to="/runs">{t("nav.runs")}</Link>
              </>
            )}
          </p>
        )}
        <QueryList query={schedules}>
          {(list) => (
            <ul className="plain" data-testid="schedules">
              {list.map((s) => (
                <li key={s.id} data-testid="schedule" data-name={s.name}>
                  <div className="row">
                    <strong>{s.name}</strong>
                    <span className="badge">{t(`schedules.kind.${s.kind}`)}</span>
                    <code>{s.cron}</code>
                  </div>
                  <p className="small muted">
                    {s.kind === "analysis"
                      ? (projects.data?.find((p) => p.id === s.project_id)?.name ?? t("analysis.noProject"))
                      : s.chats.length
                        ? s.chats.join(", ")
                        : t("schedules.allChats")}{" "}
                    · {t("schedules.lookbackN", { n: s.lookback_hours })}
                    {s.auto_approve && ` · ${t("schedules.autoApprove")} ≥ ${s.confidence_threshold.toFixed(2)}`}
                    {!s.active && ` · ${t("settings.inactive")}`}
                  </p>
                  <p className="small muted">
                    {t("schedules.last")}: {s.last_run_at ? formatDate(s.last_run_at) : "—"} · {t("schedules.next")}:{" "}
                    {s.next_run_at ? formatDate(s.next_run_at) : "—"}
                  </p>
                  <div className="actions">
                    <button type="button" className="secondary" onClick={() => runNow.mutate(s.id)} disabled={runNow.isPending}>
                      {t("schedules.runNow")}
                    </button>
                    <EditDelete onEdit={() => setEditing(s)} onDelete={() => remove.mutate(s.id)} />
                  </div>
                </li>
              ))}
            </ul>
          )}
        </QueryList>
      </section>
      <ScheduleForm key={formKey} editing={editing} onDone={done} />
    </div>
  );
}
