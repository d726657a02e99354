// Topics with their counts (live atoms, messages, versions waiting); search by name and description; archived
// ones on request. Each opens its detail with its atoms and messages.
import { useState, type FormEvent } from "react";
import { Link, NavLink, useSearchParams } from "react-router-dom";
import { QueryState } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";
import { useLiveTopics } from "@/live/LiveProvider";
import { useTopics } from "../api/browse";

const TOPICS = ["knowledge"];

export function TopicsPage() {
  useLiveTopics(TOPICS);
  const { t, formatNumber } = useI18n();
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const archived = params.get("archived") === "true";
  const topics = useTopics({ ...(q ? { q } : {}), archived });
  const [draft, setDraft] = useState(q);
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    setParams({ ...(draft.trim() ? { q: draft.trim() } : {}), ...(archived ? { archived: "true" } : {}) });
  };
  return (
    <>
      <h1>{t("browse.topics")}</h1>
      <BrowseTabs />
      <form className="card search-form" onSubmit={submit} role="search" aria-label={t("browse.topicSearch")}>
        <label className="grow">
          {t("search.query")}
          <input type="search" value={draft} onChange={(e) => setDraft(e.target.value)} name="q" />
        </label>
        <label className="inline">
          <input
            type="checkbox"
            checked={archived}
            onChange={(e) => setParams({ ...(q ? { q } : {}), ...(e.target.checked ? { archived: "true" } : {}) })}
            name="archived"
          />
          {t("browse.archivedOnly")}
        </label>
        <button type="submit">{t("search.submit")}</button>
      </form>
      <QueryState query={topics}>
        {(page) =>
          page.items.length === 0 ? (
            <p className="muted">{t("common.none")}</p>
          ) : (
            <ul className="cards" data-testid="topic-list">
              {page.items.map((topic) => (
                <li key={topic.id} className="card">
                  <h2>
                    <Link to={`/topics/${topic.id}`}>{topic.name}</Link>
                  </h2>
                  {topic.description && <p className="small feed-text">{topic.description}</p>}
                  <p className="small muted" data-testid="topic-counts">
                    {t("browse.topicCounts", {
                      atoms: formatNumber(topic.atom_count),
                      messages: formatNumber(topic.message_count),
                      pending: formatNumber(topic.pending_versions),
                    })}
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </>
  );
}

/** Topics and atoms are two views of one knowledge base: links between them. */
export function BrowseTabs() {
  const { t } = useI18n();
  return (
    <nav aria-label={t("browse.views")} className="tabs">
      <NavTab to="/topics" label={t("browse.topics")} />
      <NavTab to="/atoms" label={t("browse.atoms")} />
      <NavTab to="/knowledge" label={t("knowledge.title")} />
    </nav>
  );
}

function NavTab({ to, label }: { to: string; label: string }) {
  return (
    // NavLink marks the current view with aria-current="page".
    <NavLink to={to} end className="tab-link">
      {label}
    </NavLink>
  );
}
