// Atoms (problems, decisions, questions …) filtered by type, state, confidence and text; newest first, paged.
import { useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import type { Schemas } from "@/api/client";
import { ATOM_TYPES, type AtomType } from "@/api/enums";
import { QueryState } from "@/components/QueryState";
import { ScoreBar } from "@/components/ScoreBar";
import { useI18n } from "@/i18n/I18nProvider";
import { useLiveTopics } from "@/live/LiveProvider";
import { useAtoms } from "../api/browse";
import { atomFiltersFrom, atomFiltersTo } from "./atomFilters";
import { BrowseTabs } from "./TopicsPage";

const TOPICS = ["knowledge"];

/** An atom in a list: type, title (opens it), confidence, state. */
export function AtomLine({ atom }: { atom: Pick<Schemas["Atom"], "id" | "type" | "title" | "confidence" | "approved" | "archived"> }) {
  const { t } = useI18n();
  return (
    <div className="feed-head" data-testid="atom" data-type={atom.type}>
      <span className="badge">{t(`atom.type.${atom.type}`)}</span>
      <Link to={`/atoms/${atom.id}`}>{atom.title}</Link>
      <ScoreBar value={atom.confidence} label={t("knowledge.confidence", { v: atom.confidence.toFixed(2) })} />
      <span className="small muted">
        {atom.archived ? t("browse.archived") : atom.approved ? t("browse.approved") : t("browse.notApproved")}
      </span>
    </div>
  );
}

/** An atom's topics, comma-separated, each a link to the topic. */
export function TopicLinks({ topics }: { topics: { id: string; name: string }[] }) {
  return (
    <>
      {topics.map((tp, i) => (
        <span key={tp.id}>
          {i > 0 && ", "}
          <Link to={`/topics/${tp.id}`}>{tp.name}</Link>
        </span>
      ))}
    </>
  );
}

function Filters() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const current = atomFiltersFrom(params);
  const [q, setQ] = useState(current.q ?? "");
  const [type, setType] = useState(current.type ?? "");
  const [approved, setApproved] = useState(current.approved === undefined ? "" : String(current.approved));
  const [minConfidence, setMinConfidence] = useState(current.min_confidence?.toString() ?? "");
  const [archived, setArchived] = useState(current.archived ?? false);
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    const next = new URLSearchParams({
      ...(q.trim() ? { q: q.trim() } : {}),
      ...(type ? { type } : {}),
      ...(approved ? { approved } : {}),
      ...(minConfidence ? { min_confidence: minConfidence } : {}),
      ...(archived ? { archived: "true" } : {}),
      ...(current.topic ? { topic: current.topic } : {}),
    });
    setParams(atomFiltersTo(atomFiltersFrom(next)));
  };
  return (
    <form className="card filters" onSubmit={submit} aria-label={t("messages.filters")} data-testid="atom-filters">
      <label>
        {t("messages.text")}
        <input type="search" value={q} onChange={(e) => setQ(e.target.value)} name="q" />
      </label>
      <label>
        {t("browse.type")}
        <select value={type} onChange={(e) => setType(e.target.value as AtomType | "")} name="type">
          <option value="">{t("browse.anyType")}</option>
          {ATOM_TYPES.map((x) => (
            <option key={x} value={x}>
              {t(`atom.type.${x}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("browse.state")}
        <select value={approved} onChange={(e) => setApproved(e.target.value)} name="approved">
          <option value="">{t("browse.anyState")}</option>
          <option value="true">{t("browse.approved")}</option>
          <option value="false">{t("browse.notApproved")}</option>
        </select>
      </label>
      <label>
        {t("rules.minConfidence")}
        <input type="number" min={0} max={1} step={0.05} value={minConfidence} onChange={(e) => setMinConfidence(e.target.value)} name="min_confidence" />
      </label>
      <label className="inline">
        <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.target.checked)} name="archived" />
        {t("browse.archivedOnly")}
      </label>
      <div className="actions">
        <button type="submit">{t("common.apply")}</button>
        <button type="button" className="secondary" onClick={() => setParams({})}>
          {t("common.reset")}
        </button>
      </div>
    </form>
  );
}

export function AtomsPage() {
  useLiveTopics(TOPICS);
  const { t } = useI18n();
  const [params] = useSearchParams();
  const filters = atomFiltersFrom(params);
  const atoms = useAtoms(filters);
  return (
    <>
      <h1>{t("browse.atoms")}</h1>
      <BrowseTabs />
      <Filters key={params.toString()} />
      {filters.topic && (
        <p className="small">
          {t("browse.ofTopic")} <Link to={`/topics/${filters.topic}`}>{t("browse.openTopic")}</Link>
        </p>
      )}
      <section aria-label={t("browse.atoms")}>
        <QueryState query={atoms}>
          {(data) => {
            const items = data.pages.flatMap((p) => p.items);
            return items.length === 0 ? (
              <p className="muted">{t("common.none")}</p>
            ) : (
              <>
                <ul className="plain card" data-testid="atom-list">
                  {items.map((a) => (
                    <li key={a.id}>
                      <AtomLine atom={a} />
                      <p className="small feed-text">{a.content}</p>
                      {a.topics.length > 0 && (
                        <p className="small muted">
                          <TopicLinks topics={a.topics} />
                        </p>
                      )}
                    </li>
                  ))}
                </ul>
                {atoms.hasNextPage && (
                  <button type="button" className="secondary" onClick={() => void atoms.fetchNextPage()} disabled={atoms.isFetchingNextPage}>
                    {t("common.more")}
                  </button>
                )}
              </>
            );
          }}
        </QueryState>
      </section>
    </>
  );
}
