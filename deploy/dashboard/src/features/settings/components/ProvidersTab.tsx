// LLM providers: list with validation state, create / edit / delete, validate, list models. The API key is
// write-only: the form has an input that sends a new one (or removes the stored one) and never shows one back;
// the list only says whether a key is stored.
import { useState, type FormEvent } from "react";
import { ErrorNote, QueryState } from "@/components/QueryState";
import { TagList } from "@/components/TagList";
import { useI18n } from "@/i18n/I18nProvider";
import { EditDelete, NameInput, SettingsForm, useEditing, useSaveForm } from "./form";
import { useProviderModels, useProviders, useProviderWrites, type Provider, type ProviderCreate, type ProviderPatch } from "../api/settings";

const TYPES: ProviderCreate["type"][] = ["openai", "ollama", "openai_compatible", "local"];
const LOCAL_ID = "00000000-0000-4000-8000-000000000001";

function Models({ id }: { id: string }) {
  const { t } = useI18n();
  const models = useProviderModels(id);
  return (
    <QueryState query={models}>
      {(m) =>
        m.models.length === 0 ? (
          <p className="small muted">{t("providers.noModels")}</p>
        ) : (
          <TagList label={t("providers.models")} items={m.models} testId="provider-models" />
        )
      }
    </QueryState>
  );
}

type Draft = { name: string; type: ProviderCreate["type"]; baseUrl: string; apiKey: string; removeKey: boolean; active: boolean };

/** What a new provider sends: the key only when one was typed; no address or key for the in-process one. */
export function providerCreate(d: Draft): ProviderCreate {
  const remote = d.type !== "local";
  return {
    name: d.name.trim(),
    type: d.type,
    base_url: remote ? d.baseUrl.trim() || null : null,
    active: d.active,
    ...(remote && d.apiKey ? { api_key: d.apiKey } : {}),
  };
}

/** What an edit sends: a typed key replaces the stored one, "remove" sends null, an empty field keeps it. */
export function providerPatch(d: Draft): ProviderPatch {
  const key = d.removeKey ? { api_key: null } : d.apiKey ? { api_key: d.apiKey } : {};
  return { name: d.name.trim(), base_url: d.type === "local" ? null : d.baseUrl.trim() || null, active: d.active, ...key };
}

export function ProviderForm({ editing, onDone }: { editing: Provider | null; onDone: () => void }) {
  const { t } = useI18n();
  const { active, send, shell } = useSaveForm(editing, useProviderWrites(), onDone);
  const [name, setName] = useState(editing?.name ?? "");
  const [type, setType] = useState<ProviderCreate["type"]>(editing?.type ?? "openai_compatible");
  const [baseUrl, setBaseUrl] = useState(editing?.base_url ?? "");
  const [apiKey, setApiKey] = useState("");
  const [removeKey, setRemoveKey] = useState(false);
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const draft = { name, type, baseUrl, apiKey, removeKey, active };
    send(providerCreate(draft), providerPatch(draft), () => (setApiKey(""), onDone()));
  };
  const local = type === "local";
  return (
    <SettingsForm
      entity="provider"
      title={editing ? t("providers.edit", { name: editing.name }) : t("providers.new")}
      onSubmit={submit}
      {...shell}
    >
      <NameInput value={name} onChange={setName} maxLength={100} />
      <label>
        {t("providers.type")}
        <select value={type} onChange={(e) => setType(e.target.value as ProviderCreate["type"])} disabled={!!editing} name="type">
          {TYPES.map((x) => (
            <option key={x} value={x}>
              {t(`providers.type.${x}`)}
            </option>
          ))}
        </select>
      </label>
      {!local && (
        <>
          <label>
            {t("providers.baseUrl")}
            <input
              type="url"
              value={baseUrl}
              onChange={(e) => setBaseUrl(e.target.value)}
              required={type === "openai_compatible"}
              placeholder="https://…/v1"
              name="base_url"
            />
          </label>
          <label>
            {t("providers.apiKey")}
            {/* Write-only: never filled from the server, never echoed; the browser is told not to keep it. */}
            <input
              type="password"
              value={apiKey}
              onChange={(e) => setApiKey(e.target.value)}
              autoComplete="new-password"
              spellCheck={false}
              disabled={removeKey}
              name="api_key"
              aria-describedby="api-key-hint"
            />
          </label>
          <span id="api-key-hint" className="small muted">
            {editing?.has_api_key ? t("providers.keyKeep") : t("providers.keyHint")}
          </span>
          {editing?.has_api_key && (
            <label className="inline">
              <input type="checkbox" checked={removeKey} onChange={(e) => setRemoveKey(e.target.checked)} name="remove_key" />
              {t("providers.removeKey")}
            </label>
          )}
        </>
      )}
    </SettingsForm>
  );
}

function ProviderRow({ p, onEdit }: { p: Provider; onEdit: () => void }) {
  const { t, formatDate } = useI18n();
  const { remove, validate } = useProviderWrites();
  const [showModels, setShowModels] = useState(false);
  // While this tab's validation request runs, the row says so (other tabs see it from the live event).
  const status = validate.isPending ? "validating" : p.validation_status;
  return (
    <li data-testid="provider" data-name={p.name} data-status={status}>
      <div className="row">
        <strong>{p.name}</strong>
        <span className={`badge status-${status}`} data-testid="provider-status" role="status">
          {t(`providers.status.${status}`)}
        </span>
      </div>
      <p className="small muted">
        {t(`providers.type.${p.type}`)}
        {p.base_url ? ` · ${p.base_url}` : ""} · {p.has_api_key ? t("providers.hasKey") : t("providers.noKey")}
        {!p.active && ` · ${t("settings.inactive")}`}
        {p.validated_at && ` · ${t("providers.validatedAt", { at: formatDate(p.validated_at) })}`}
      </p>
      {status === "error" && p.validation_error && (
        <p className="small error-text" data-testid="provider-error">
          {p.validation_error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="secondary" onClick={() => validate.mutate(p.id)} disabled={validate.isPending}>
          {validate.isPending ? t("providers.status.validating") : t("providers.validate")}
        </button>
        <button type="button" className="secondary" onClick={() => setShowModels((v) => !v)} aria-expanded={showModels}>
          {t("providers.models")} ({p.models.length})
        </button>
        {p.id !== LOCAL_ID && (
          <>
            <EditDelete onEdit={onEdit} onDelete={() => remove.mutate(p.id)} />
          </>
        )}
      </div>
      {showModels && <Models id={p.id} />}
      {[validate, remove].map((m, i) => m.isError && <ErrorNote key={i} error={m.error} />)}
    </li>
  );
}

export function ProvidersTab() {
  const { t } = useI18n();
  const providers = useProviders();
  const { editing, setEditing, done, formKey } = useEditing<Provider>();
  return (
    <div className="columns">
      <section className="card" aria-labelledby="providers-title">
        <h2 id="providers-title">{t("providers.title")}</h2>
        <QueryState query={providers}>
          {(list) => (
            <ul className="plain" data-testid="providers">
              {list.map((p) => (
                <ProviderRow key={p.id} p={p} onEdit={() => setEditing(p)} />
              ))}
            </ul>
          )}
        </QueryState>
      </section>
      <ProviderForm key={formKey} editing={editing} onDone={done} />
    </div>
  );
}
