import { useQuery } from "@tanstack/react-query";
import { Link, NavLink, Outlet } from "react-router-dom";
import { jobsQuery } from "@/api/queries";
import { setToken } from "@/api/token";
import { ConnectionBadge } from "@/components/ConnectionBadge";
import { LanguageSwitch } from "@/components/LanguageSwitch";
import { useI18n } from "@/i18n/I18nProvider";
import type { MessageKey } from "@/i18n/uk";
import { useLiveTopics } from "@/live/LiveProvider";

export const NAV: { to: string; label: MessageKey }[] = [
  { to: "/", label: "nav.overview" },
  { to: "/messages", label: "nav.messages" },
  { to: "/knowledge", label: "nav.knowledge" },
  { to: "/topics", label: "nav.topics" },
  { to: "/atoms", label: "nav.atoms" },
  { to: "/proposals", label: "nav.proposals" },
  { to: "/runs", label: "nav.runs" },
  { to: "/analysis", label: "nav.analysis" },
  { to: "/tasks", label: "nav.tasks" },
  { to: "/search", label: "nav.search" },
  { to: "/jobs", label: "nav.jobs" },
  { to: "/settings", label: "nav.settings" },
];

// Every page shows running ingestion jobs in the header, so the shell always listens to `messages`.
const SHELL_TOPICS = ["messages"];

function RunningJobs() {
  const { t } = useI18n();
  const jobs = useQuery(jobsQuery());
  const running = (jobs.data ?? []).filter((j) => j.status === "pending" || j.status === "running").length;
  if (running === 0) return null;
  return (
    <Link to="/jobs" className="badge status-running" data-testid="running-jobs">
      {t("layout.runningJobs", { n: running })}
    </Link>
  );
}

export function Layout() {
  const { t } = useI18n();
  useLiveTopics(SHELL_TOPICS);
  return (
    <>
      <a className="skip" href="#main">
        {t("app.skip")}
      </a>
      <header className="topbar">
        <span className="brand">{t("app.title")}</span>
        <nav aria-label={t("nav.main")}>
          <ul>
            {NAV.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.to === "/"}>
                  {t(item.label)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="tools">
          <RunningJobs />
          <ConnectionBadge />
          <LanguageSwitch />
          <button type="button" className="secondary" onClick={() => setToken(null)}>
            {t("auth.logout")}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}
