// Auto-approval rules (global or for one schedule; atom types and a minimum confidence): list with how many
// proposed versions each would approve now, create / edit / delete, and the same count for a draft.
import { useState, type FormEvent } from "react";
import type { AtomType } from "@/api/enums";
import { AtomTypePicker } from "@/components/AtomTypePicker";
import { ConfirmButton } from "@/components/ConfirmButton";
import { ErrorNote, QueryState } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";
import { useRuleDryRun, useRules, useRuleWrites, useSchedules, type Rule, type RuleCreate } from "../api/settings";

function DryRunCount({ id }: { id: string }) {
  const { t } = useI18n();
  const dry = useRuleDryRun(id);
  if (!dry.data) return <span className="small muted">{dry.isError ? "—" : t("common.loading")}</span>;
  return (
    <span className="small" data-testid="rule-dry-run" data-count={dry.data.count}>
      {t("rules.wouldApprove", { n: dry.data.count })}
    </span>
  );
}

function RuleForm({ editing, onDone }: { editing: Rule | null; onDone: () => void }) {
  const { t } = useI18n();
  const schedules = useSchedules();
  const { create, update, draft } = useRuleWrites();
  const [types, setTypes] = useState<AtomType[]>(editing?.atom_types ?? []);
  const [minConfidence, setMinConfidence] = useState(String(editing?.min_confidence ?? 0.8));
  const [scheduleId, setScheduleId] = useState(editing?.schedule_id ?? "");
  const [active, setActive] = useState(editing?.active ?? true);
  const body = (): RuleCreate => ({
    atom_types: types,
    min_confidence: Number(minConfidence),
    schedule_id: scheduleId || null,
    active,
  });
  const save = editing ? update : create;
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    if (editing) update.mutate({ id: editing.id, body: body() }, { onSuccess: onDone });
    else create.mutate(body(), { onSuccess: onDone });
  };
  return (
    <form className="card job-form" onSubmit={submit} aria-labelledby="rule-form-title" data-testid="rule-form">
      <h2 id="rule-form-title">{editing ? t("rules.edit") : t("rules.new")}</h2>
      <AtomTypePicker legend={t("rules.types")} value={types} onChange={setTypes} />
      <label>
        {t("rules.minConfidence")}
        <input type="number" min={0} max={1} step={0.01} value={minConfidence} onChange={(e) => setMinConfidence(e.target.value)} required name="min_confidence" />
      </label>
      <label>
        {t("rules.schedule")}
        <select value={scheduleId} onChange={(e) => setScheduleId(e.target.value)} name="schedule">
          <option value="">{t("rules.global")}</option>
          {(schedules.data ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label className="inline">
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} name="active" />
        {t("settings.active")}
      </label>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => draft.mutate(body())} disabled={draft.isPending}>
          {t("rules.preview")}
        </button>
        <button type="submit" disabled={save.isPending}>
          {editing ? t("settings.save") : t("settings.create")}
        </button>
        {editing && (
          <button type="button" className="secondary" onClick={onDone}>
            {t("common.cancel")}
          </button>
        )}
      </div>
      {draft.data && (
        <p role="status" data-testid="rule-draft-count">
          {t("rules.wouldApprove", { n: draft.data.count })}
          {Object.keys(draft.data.by_type).length > 0 &&
            ` (${Object.entries(draft.data.by_type)
              .map(([type, n]) => `${t(`atom.type.${type as AtomType}`)}: ${n}`)
              .join(", ")})`}
        </p>
      )}
      {[draft, save].map((m, i) => m.isError && <ErrorNote key={i} error={m.error} />)}
    </form>
  );
}

export function RulesTab() {
  const { t } = useI18n();
  const rules = useRules();
  const schedules = useSchedules();
  const { remove } = useRuleWrites();
  const [editing, setEditing] = useState<Rule | null>(null);
  const [round, setRound] = useState(0);
  const done = () => (setEditing(null), setRound((n) => n + 1));
  const scheduleName = (id: string | null) => (id ? (schedules.data?.find((s) => s.id === id)?.name ?? id) : t("rules.global"));
  return (
    <div className="columns">
      <section className="card" aria-labelledby="rules-title">
        <h2 id="rules-title">{t("rules.title")}</h2>
        <p className="small muted">{t("rules.explain")}</p>
        {remove.isError && <ErrorNote error={remove.error} />}
        <QueryState query={rules}>
          {(list) =>
            list.length === 0 ? (
              <p className="muted">{t("common.none")}</p>
            ) : (
              <ul className="plain" data-testid="rules">
                {list.map((r) => (
                  <li key={r.id} data-testid="rule">
                    <div className="row">
                      <strong>{scheduleName(r.schedule_id)}</strong>
                      <DryRunCount id={r.id} />
                    </div>
                    <p className="small muted">
                      {r.atom_types.length ? r.atom_types.map((x) => t(`atom.type.${x}`)).join(", ") : t("rules.everyType")} · ≥{" "}
                      {r.min_confidence.toFixed(2)}
                      {!r.active && ` · ${t("settings.inactive")}`}
                    </p>
                    <div className="actions">
                      <button type="button" className="secondary" onClick={() => setEditing(r)}>
                        {t("settings.edit")}
                      </button>
                      <ConfirmButton label={t("settings.delete")} onConfirm={() => remove.mutate(r.id)} />
                    </div>
                  </li>
                ))}
              </ul>
            )
          }
        </QueryState>
      </section>
      <RuleForm key={editing?.id ?? `new-${round}`} editing={editing} onDone={done} />
    </div>
  );
}
