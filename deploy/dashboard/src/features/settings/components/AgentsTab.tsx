// Agents (an LLM role bound to a provider and model): list, edit, and each one's run statistics.
import { useState, type FormEvent } from "react";
import { EntitySelect } from "@/components/EntitySelect";
import { ErrorNote, QueryState } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";
import { ActiveCheckbox, FormActions } from "./form";
import { useAgents, useAgentStats, useAgentUpdate, useProviderModels, useProviders, type Agent } from "../api/settings";

function Stats({ id }: { id: string }) {
  const { t, formatPercent } = useI18n();
  const stats = useAgentStats(id);
  return (
    <QueryState query={stats}>
      {(s) => (
        <dl className="factors small" data-testid="agent-stats">
          <dt>{t("agents.runs")}</dt>
          <dd>{t("agents.runsValue", { total: s.runs_total, day: s.runs_24h })}</dd>
          <dt>{t("agents.success")}</dt>
          <dd>{s.success_rate == null ? "—" : formatPercent(s.success_rate)}</dd>
          <dt>{t("agents.failed")}</dt>
          <dd>{s.runs_failed}</dd>
          <dt>{t("agents.duration")}</dt>
          <dd>{s.mean_duration_s == null ? "—" : `${s.mean_duration_s.toFixed(1)} s`}</dd>
          <dt>{t("agents.items")}</dt>
          <dd>{t("agents.runsValue", { total: s.items_produced_total, day: s.items_produced_24h })}</dd>
        </dl>
      )}
    </QueryState>
  );
}

function AgentForm({ agent, onDone }: { agent: Agent; onDone: () => void }) {
  const { t } = useI18n();
  const providers = useProviders();
  const update = useAgentUpdate();
  const [providerId, setProviderId] = useState(agent.provider_id ?? "");
  const [model, setModel] = useState(agent.model ?? "");
  const [temperature, setTemperature] = useState(String(agent.temperature));
  const [maxTokens, setMaxTokens] = useState(String(agent.max_tokens));
  const [prompt, setPrompt] = useState(agent.custom_prompt ?? "");
  const [active, setActive] = useState(agent.active);
  const models = useProviderModels(providerId || null);
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    update.mutate(
      {
        id: agent.id,
        body: {
          provider_id: providerId || null,
          model: model.trim() || null,
          temperature: Number(temperature),
          max_tokens: Number(maxTokens),
          custom_prompt: prompt.trim() || null,
          active,
        },
      },
      { onSuccess: onDone },
    );
  };
  const listId = `models-${agent.id}`;
  return (
    <form className="job-form" onSubmit={submit} aria-label={t("agents.edit", { name: agent.name })} data-testid="agent-form">
      <EntitySelect
        label={t("agents.provider")}
        name="provider"
        value={providerId}
        onChange={setProviderId}
        empty={t("agents.noProvider")}
        options={providers.data ?? []}
      />
      <label>
        {t("agents.model")}
        <input value={model} onChange={(e) => setModel(e.target.value)} list={listId} maxLength={200} name="model" placeholder={t("agents.defaultModel")} />
        <datalist id={listId}>
          {(models.data?.models ?? []).map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
      </label>
      <label>
        {t("agents.temperature")}
        <input type="number" min={0} max={2} step={0.05} value={temperature} onChange={(e) => setTemperature(e.target.value)} required name="temperature" />
      </label>
      <label>
        {t("agents.maxTokens")}
        <input type="number" min={1} max={200000} value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} required name="max_tokens" />
      </label>
      <label>
        {t("agents.prompt")}
        <textarea value={prompt} onChange={(e) => setPrompt(e.target.value)} rows={4} maxLength={20000} name="custom_prompt" aria-describedby={`prompt-hint-${agent.id}`} />
      </label>
      <span id={`prompt-hint-${agent.id}`} className="small muted">
        {t("agents.promptHint")}
      </span>
      <ActiveCheckbox checked={active} onChange={setActive} />
      <FormActions editing pending={update.isPending} onDone={onDone} />
      {update.isError && <ErrorNote error={update.error} />}
    </form>
  );
}

export function AgentsTab() {
  const { t } = useI18n();
  const agents = useAgents();
  const providers = useProviders();
  const [editing, setEditing] = useState<string | null>(null);
  const [stats, setStats] = useState<string | null>(null);
  const providerName = (id: string | null) => (id ? (providers.data?.find((p) => p.id === id)?.name ?? id) : t("agents.noProvider"));
  return (
    <section className="card" aria-labelledby="agents-title">
      <h2 id="agents-title">{t("agents.title")}</h2>
      <QueryState query={agents}>
        {(list) => (
          <ul className="plain" data-testid="agents">
            {list.map((a) => (
              <li key={a.id} data-testid="agent" data-name={a.name}>
                <div className="row">
                  <strong>{a.name}</strong>
                  <span className="small muted">
                    {t(`agents.role.${a.role}`)}
                    {a.is_system && ` · ${t("agents.system")}`}
                    {!a.active && ` · ${t("settings.inactive")}`}
                  </span>
                </div>
                <p className="small muted">
                  {providerName(a.provider_id)} · {a.model ?? t("agents.defaultModel")} · T {a.temperature} · {a.max_tokens} {t("agents.tokens")}
                </p>
                <div className="actions">
                  <button type="button" className="secondary" onClick={() => setEditing(editing === a.id ? null : a.id)} aria-expanded={editing === a.id}>
                    {t("settings.edit")}
                  </button>
                  <button type="button" className="secondary" onClick={() => setStats(stats === a.id ? null : a.id)} aria-expanded={stats === a.id}>
                    {t("agents.stats")}
                  </button>
                </div>
                {stats === a.id && <Stats id={a.id} />}
                {editing === a.id && <AgentForm agent={a} onDone={() => setEditing(null)} />}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
    </section>
  );
}
