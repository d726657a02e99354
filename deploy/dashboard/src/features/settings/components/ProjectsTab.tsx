// Projects: keywords, glossary, components and priority rules that steer the analysis. The structured fields
// are edited as text (projectForm.ts), and lines that cannot be read are named before anything is sent.
import { useState, type FormEvent } from "react";
import { ConfirmButton } from "@/components/ConfirmButton";
import { ErrorNote, QueryState } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";
import { useProjects, useProjectWrites, type Project, type ProjectCreate } from "../api/settings";
import {
  formatComponents,
  formatGlossary,
  formatPriorityRules,
  parseComponents,
  parseGlossary,
  parseList,
  parsePriorityRules,
} from "./projectForm";

type Language = NonNullable<ProjectCreate["language"]>;
const LANGUAGES: Language[] = ["uk", "ru", "en"];

function ProjectForm({ editing, onDone }: { editing: Project | null; onDone: () => void }) {
  const { t } = useI18n();
  const { create, update } = useProjectWrites();
  const [name, setName] = useState(editing?.name ?? "");
  const [description, setDescription] = useState(editing?.description ?? "");
  const [language, setLanguage] = useState(editing?.language ?? "");
  const [keywords, setKeywords] = useState((editing?.keywords ?? []).join(", "));
  const [glossary, setGlossary] = useState(formatGlossary(editing?.glossary ?? {}));
  const [components, setComponents] = useState(formatComponents(editing?.components ?? []));
  const [rules, setRules] = useState(formatPriorityRules(editing?.priority_rules ?? []));
  const [active, setActive] = useState(editing?.active ?? true);
  const [problem, setProblem] = useState<string | null>(null);
  const save = editing ? update : create;

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const g = parseGlossary(glossary);
    const c = parseComponents(components);
    const r = parsePriorityRules(rules);
    const bad = [
      g.bad.length ? t("projects.badLines", { field: t("projects.glossary"), lines: g.bad.join(", ") }) : "",
      c.bad.length ? t("projects.badLines", { field: t("projects.components"), lines: c.bad.join(", ") }) : "",
      r.bad.length ? t("projects.badLines", { field: t("projects.rules"), lines: r.bad.join(", ") }) : "",
    ].filter(Boolean);
    if (bad.length) return setProblem(bad.join(" "));
    setProblem(null);
    const body: ProjectCreate = {
      name: name.trim(),
      description: description.trim(),
      keywords: parseList(keywords),
      glossary: g.value,
      components: c.value,
      priority_rules: r.value,
      language: (language || null) as Language | null,
      active,
    };
    if (editing) update.mutate({ id: editing.id, body }, { onSuccess: onDone });
    else create.mutate(body, { onSuccess: onDone });
  };

  return (
    <form className="card job-form" onSubmit={submit} aria-labelledby="project-form-title" data-testid="project-form">
      <h2 id="project-form-title">{editing ? t("projects.edit", { name: editing.name }) : t("projects.new")}</h2>
      <label>
        {t("settings.name")}
        <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} name="name" />
      </label>
      <label>
        {t("projects.description")}
        <textarea value={description} onChange={(e) => setDescription(e.target.value)} rows={2} maxLength={10000} name="description" />
      </label>
      <label>
        {t("projects.language")}
        <select value={language} onChange={(e) => setLanguage(e.target.value)} name="language">
          <option value="">{t("projects.anyLanguage")}</option>
          {LANGUAGES.map((l) => (
            <option key={l} value={l}>
              {t(`projects.lang.${l}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("projects.keywords")}
        <textarea value={keywords} onChange={(e) => setKeywords(e.target.value)} rows={2} name="keywords" aria-describedby="keywords-hint" />
      </label>
      <span id="keywords-hint" className="small muted">{t("projects.keywordsHint")}</span>
      <label>
        {t("projects.glossary")}
        <textarea value={glossary} onChange={(e) => setGlossary(e.target.value)} rows={3} name="glossary" aria-describedby="glossary-hint" />
      </label>
      <span id="glossary-hint" className="small muted">{t("projects.glossaryHint")}</span>
      <label>
        {t("projects.components")}
        <textarea value={components} onChange={(e) => setComponents(e.target.value)} rows={3} name="components" aria-describedby="components-hint" />
      </label>
      <span id="components-hint" className="small muted">{t("projects.componentsHint")}</span>
      <label>
        {t("projects.rules")}
        <textarea value={rules} onChange={(e) => setRules(e.target.value)} rows={3} name="priority_rules" aria-describedby="rules-hint" />
      </label>
      <span id="rules-hint" className="small muted">{t("projects.rulesHint")}</span>
      <label className="inline">
        <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} name="active" />
        {t("settings.active")}
      </label>
      <div className="actions">
        <button type="submit" disabled={save.isPending}>
          {editing ? t("settings.save") : t("settings.create")}
        </button>
        {editing && (
          <button type="button" className="secondary" onClick={onDone}>
            {t("common.cancel")}
          </button>
        )}
      </div>
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      {save.isError && <ErrorNote error={save.error} />}
    </form>
  );
}

export function ProjectsTab() {
  const { t } = useI18n();
  const projects = useProjects();
  const { remove } = useProjectWrites();
  const [editing, setEditing] = useState<Project | null>(null);
  const [round, setRound] = useState(0); // a fresh, empty form after each save
  const done = () => (setEditing(null), setRound((n) => n + 1));
  return (
    <div className="columns">
      <section className="card" aria-labelledby="projects-title">
        <h2 id="projects-title">{t("projects.title")}</h2>
        {remove.isError && <ErrorNote error={remove.error} />}
        <QueryState query={projects}>
          {(list) =>
            list.length === 0 ? (
              <p className="muted">{t("common.none")}</p>
            ) : (
              <ul className="plain" data-testid="projects">
                {list.map((p) => (
                  <li key={p.id} data-testid="project" data-name={p.name}>
                    <div className="row">
                      <strong>{p.name}</strong>
                      <span className="small muted">
                        {p.language ? t(`projects.lang.${p.language as Language}`) : t("projects.anyLanguage")}
                        {!p.active && ` · ${t("settings.inactive")}`}
                      </span>
                    </div>
                    {p.description && <p className="small">{p.description}</p>}
                    {p.keywords.length > 0 && (
                      <ul className="tags" aria-label={t("projects.keywords")}>
                        {p.keywords.map((k) => (
                          <li key={k}>{k}</li>
                        ))}
                      </ul>
                    )}
                    <p className="small muted">
                      {t("projects.counts", {
                        glossary: Object.keys(p.glossary).length,
                        components: p.components.length,
                        rules: p.priority_rules.length,
                      })}
                    </p>
                    <div className="actions">
                      <button type="button" className="secondary" onClick={() => setEditing(p)}>
                        {t("settings.edit")}
                      </button>
                      <ConfirmButton label={t("settings.delete")} onConfirm={() => remove.mutate(p.id)} />
                    </div>
                  </li>
                ))}
              </ul>
            )
          }
        </QueryState>
      </section>
      <ProjectForm key={editing?.id ?? `new-${round}`} editing={editing} onDone={done} />
    </div>
  );
}
