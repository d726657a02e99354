// Projects: keywords, glossary, components and priority rules that steer the analysis. The structured fields
// are edited as text (projectForm.ts), and lines that cannot be read are named before anything is sent.
import { useState, type FormEvent } from "react";
import { ErrorNote, ProblemNote, QueryList } from "@/components/QueryState";
import { TagList } from "@/components/TagList";
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
import { EditDelete, NameInput, SettingsForm, useEditing, useSaveForm } from "./form";

type Language = NonNullable<ProjectCreate["language"]>;
const LANGUAGES: Language[] = ["uk", "ru", "en"];

/** A textarea for one of the structured fields, with the hint that says how to write it. */
function HintedText(p: { label: string; hint: string; hintId: string; name: string; rows: number; value: string; onChange: (v: string) => void }) {
  return (
    <>
      <label>
        {p.label}
        <textarea value={p.value} onChange={(e) => p.onChange(e.target.value)} rows={p.rows} name={p.name} aria-describedby={p.hintId} />
      </label>
      <span id={p.hintId} className="small muted">
        {p.hint}
      </span>
    </>
  );
}

function ProjectForm({ editing, onDone }: { editing: Project | null; onDone: () => void }) {
  const { t } = useI18n();
  const { active, send, shell } = useSaveForm(editing, useProjectWrites(), onDone);
  const [name, setName] = useState(editing?.name ?? "");
  const [description, setDescription] = useState(editing?.description ?? "");
  const [language, setLanguage] = useState(editing?.language ?? "");
  const [keywords, setKeywords] = useState((editing?.keywords ?? []).join(", "));
  const [glossary, setGlossary] = useState(formatGlossary(editing?.glossary ?? {}));
  const [components, setComponents] = useState(formatComponents(editing?.components ?? []));
  const [rules, setRules] = useState(formatPriorityRules(editing?.priority_rules ?? []));
  const [problem, setProblem] = useState<string | null>(null);

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
    send(body, body);
  };

  return (
    <SettingsForm
      entity="project"
      title={editing ? t("projects.edit", { name: editing.name }) : t("projects.new")}
      onSubmit={submit}
      {...shell}
      after={<ProblemNote problem={problem} />}
    >
      <NameInput value={name} onChange={setName} maxLength={200} />
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
      <HintedText label={t("projects.keywords")} hint={t("projects.keywordsHint")} hintId="keywords-hint" name="keywords" rows={2} value={keywords} onChange={setKeywords} />
      <HintedText label={t("projects.glossary")} hint={t("projects.glossaryHint")} hintId="glossary-hint" name="glossary" rows={3} value={glossary} onChange={setGlossary} />
      <HintedText
        label={t("projects.components")}
        hint={t("projects.componentsHint")}
        hintId="components-hint"
        name="components"
        rows={3}
        value={components}
        onChange={setComponents}
      />
      <HintedText label={t("projects.rules")} hint={t("projects.rulesHint")} hintId="rules-hint" name="priority_rules" rows={3} value={rules} onChange={setRules} />
    </SettingsForm>
  );
}

export function ProjectsTab() {
  const { t } = useI18n();
  const projects = useProjects();
  const { remove } = useProjectWrites();
  const { editing, setEditing, done, formKey } = useEditing<Project>();
  return (
    <div className="columns">
      <section className="card" aria-labelledby="projects-title">
        <h2 id="projects-title">{t("projects.title")}</h2>
        {remove.isError && <ErrorNote error={remove.error} />}
        <QueryList query={projects}>
          {(list) => (
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
                  {p.keywords.length > 0 && <TagList label={t("projects.keywords")} items={p.keywords} />}
                  <p className="small muted">
                    {t("projects.counts", {
                      glossary: Object.keys(p.glossary).length,
                      components: p.components.length,
                      rules: p.priority_rules.length,
                    })}
                  </p>
                  <div className="actions">
                    <EditDelete onEdit={() => setEditing(p)} onDelete={() => remove.mutate(p.id)} />
                  </div>
                </li>
              ))}
            </ul>
          )}
        </QueryList>
      </section>
      <ProjectForm key={formKey} editing={editing} onDone={done} />
    </div>
  );
}
