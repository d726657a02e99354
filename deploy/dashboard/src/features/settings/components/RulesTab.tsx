// Auto-approval rules (global or for one schedule; atom types and a minimum confidence): list with how many
// proposed versions each would approve now, create / edit / delete, and the same count for a draft.
import { useState, type FormEvent } from "react";
import type { AtomType } from "@/api/enums";
import { AtomTypePicker } from "@/components/AtomTypePicker";
import { EntitySelect } from "@/components/EntitySelect";
import { ErrorNote, QueryList } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";
import { EditDelete, SettingsForm, useEditing, useSaveForm } from "./form";
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
  const writes = useRuleWrites();
  const { draft } = writes;
  const [types, setTypes] = useState<AtomType[]>(editing?.atom_types ?? []);
  const [minConfidence, setMinConfidence] = useState(String(editing?.min_confidence ?? 0.8));
  const [scheduleId, setScheduleId] = useState(editing?.schedule_id ?? "");
  const { active, send, shell } = useSaveForm(editing, writes, onDone);
  const body = (): RuleCreate => ({
    atom_types: types,
    min_confidence: Number(minConfidence),
    schedule_id: scheduleId || null,
    active,
  });
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    send(body(), body());
  };
  return (
    <SettingsForm
      entity="rule"
      title={editing ? t("rules.edit") : t("rules.new")}
      onSubmit={submit}
      {...shell}
      actions={
        <button type="button" className="secondary" onClick={() => draft.mutate(body())} disabled={draft.isPending}>
          {t("rules.preview")}
        </button>
      }
      after={
        <>
          {draft.data && (
            <p role="status" data-testid="rule-draft-count">
              {t("rules.wouldApprove", { n: draft.data.count })}
              {Object.keys(draft.data.by_type).length > 0 &&
                ` (${Object.entries(draft.data.by_type)
                  .map(([type, n]) => `${t(`atom.type.${type as AtomType}`)}: ${n}`)
                  .join(", ")})`}
            </p>
          )}
          {draft.isError && <ErrorNote error={draft.error} />}
        </>
      }
    >
      <AtomTypePicker legend={t("rules.types")} value={types} onChange={setTypes} />
      <label>
        {t("rules.minConfidence")}
        <input type="number" min={0} max={1} step={0.01} value={minConfidence} onChange={(e) => setMinConfidence(e.target.value)} required name="min_confidence" />
      </label>
      <EntitySelect
        label={t("rules.schedule")}
        name="schedule"
        value={scheduleId}
        onChange={setScheduleId}
        empty={t("rules.global")}
        options={schedules.data ?? []}
      />
    </SettingsForm>
  );
}

export function RulesTab() {
  const { t } = useI18n();
  const rules = useRules();
  const schedules = useSchedules();
  const { remove } = useRuleWrites();
  const { editing, setEditing, done, formKey } = useEditing<Rule>();
  const scheduleName = (id: string | null) => (id ? (schedules.data?.find((s) => s.id === id)?.name ?? id) : t("rules.global"));
  return (
    <div className="columns">
      <section className="card" aria-labelledby="rules-title">
        <h2 id="rules-title">{t("rules.title")}</h2>
        <p className="small muted">{t("rules.explain")}</p>
        {remove.isError && <ErrorNote error={remove.error} />}
        <QueryList query={rules}>
          {(list) => (
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
                    <EditDelete onEdit={() => setEditing(r)} onDelete={() => remove.mutate(r.id)} />
                  </div>
                </li>
              ))}
            </ul>
          )}
        </QueryList>
      </section>
      <RuleForm key={formKey} editing={editing} onDone={done} />
    </div>
  );
}
