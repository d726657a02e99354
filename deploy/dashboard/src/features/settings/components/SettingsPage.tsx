// Settings: one tab per kind of configuration; the open tab is in the address (?tab=), so it can be linked.
import { useSearchParams } from "react-router-dom";
import { useI18n } from "@/i18n/I18nProvider";
import type { MessageKey } from "@/i18n/uk";
import { useLiveTopics } from "@/live/LiveProvider";
import { AgentsTab } from "./AgentsTab";
import { ProjectsTab } from "./ProjectsTab";
import { ProvidersTab } from "./ProvidersTab";
import { RulesTab } from "./RulesTab";
import { SchedulesTab } from "./SchedulesTab";

const TOPICS = ["providers", "agents", "projects", "knowledge"];
const TABS: { id: string; label: MessageKey; Panel: () => JSX.Element }[] = [
  { id: "providers", label: "settings.tab.providers", Panel: ProvidersTab },
  { id: "agents", label: "settings.tab.agents", Panel: AgentsTab },
  { id: "projects", label: "settings.tab.projects", Panel: ProjectsTab },
  { id: "schedules", label: "settings.tab.schedules", Panel: SchedulesTab },
  { id: "rules", label: "settings.tab.rules", Panel: RulesTab },
];

export function SettingsPage() {
  useLiveTopics(TOPICS);
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const current = TABS.find((tab) => tab.id === params.get("tab")) ?? TABS[0];
  return (
    <>
      <h1>{t("settings.title")}</h1>
      <div role="tablist" aria-label={t("settings.title")} className="tabs">
        {TABS.map((tab) => (
          <button
            key={tab.id}
            id={`tab-${tab.id}`}
            type="button"
            role="tab"
            aria-selected={tab.id === current.id}
            aria-controls="settings-panel"
            className={tab.id === current.id ? "" : "secondary"}
            onClick={() => setParams({ tab: tab.id })}
          >
            {t(tab.label)}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="settings-panel" aria-labelledby={`tab-${current.id}`} data-testid={`settings-${current.id}`}>
        <current.Panel />
      </div>
    </>
  );
}
