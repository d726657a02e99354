// A labelled <select> of named records with an empty first choice ("no project", "the default agent", …), and
// the two that the analysis page and the settings tabs share: a project, and an agent of one role.
import { useQuery } from "@tanstack/react-query";
import type { Schemas } from "@/api/client";
import { agentsQuery, projectsQuery } from "@/api/queries";
import { useI18n } from "@/i18n/I18nProvider";

type Choice = { id: string; name: string };

export function EntitySelect(p: {
  label: string;
  name: string;
  value: string;
  onChange: (id: string) => void;
  /** What the empty choice ("") means. */
  empty: string;
  options: Choice[];
}) {
  return (
    <label>
      {p.label}
      <select value={p.value} onChange={(e) => p.onChange(e.target.value)} name={p.name}>
        <option value="">{p.empty}</option>
        {p.options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ProjectSelect({ value, onChange }: { value: string; onChange: (id: string) => void }) {
  const { t } = useI18n();
  const projects = useQuery(projectsQuery());
  return (
    <EntitySelect label={t("analysis.project")} name="project" value={value} onChange={onChange} empty={t("analysis.noProject")} options={projects.data ?? []} />
  );
}

/** The agents of one role; "" stands for the role's default agent, named by `empty`. */
export function AgentSelect(p: { role: Schemas["Agent"]["role"]; empty: string; value: string; onChange: (id: string) => void }) {
  const { t } = useI18n();
  const agents = useQuery(agentsQuery());
  const options = (agents.data ?? []).filter((a) => a.role === p.role);
  return <EntitySelect label={t("schedules.agent")} name="agent" value={p.value} onChange={p.onChange} empty={p.empty} options={options} />;
}
