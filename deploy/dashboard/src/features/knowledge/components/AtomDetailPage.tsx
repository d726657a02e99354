// One atom: its content and confidence, its topics, the atoms it links to and from, where it comes from (the
// source messages, each a link into the feed) and its version history; archive or restore it.
import { Link, useParams } from "react-router-dom";
import type { Schemas } from "@/api/client";
import { QueryState } from "@/components/QueryState";
import { ScoreBar } from "@/components/ScoreBar";
import { SourceMessages } from "@/components/SourceMessages";
import { useI18n } from "@/i18n/I18nProvider";
import { useLiveTopics } from "@/live/LiveProvider";
import { useAtom } from "../api/knowledge";
import { ArchiveButton } from "./ArchiveButton";
import { TopicLinks } from "./AtomsPage";
import { BrowseTabs } from "./TopicsPage";

const TOPICS = ["knowledge"];

function Links({ title, links }: { title: string; links: Schemas["LinkedAtom"][] }) {
  const { t } = useI18n();
  if (links.length === 0) return null;
  return (
    <>
      <h3>{title}</h3>
      <ul className="plain">
        {links.map((l) => (
          <li key={`${l.atom_id}-${l.link_type}`}>
            <span className="badge">{l.link_type}</span> <span className="badge">{t(`atom.type.${l.type}`)}</span>{" "}
            <Link to={`/atoms/${l.atom_id}`}>{l.title}</Link>
          </li>
        ))}
      </ul>
    </>
  );
}

export function AtomDetailPage() {
  useLiveTopics(TOPICS);
  const { t, formatDate } = useI18n();
  const { id = "" } = useParams();
  const atom = useAtom(id);
  return (
    <>
      <BrowseTabs />
      <QueryState query={atom}>
        {(a) => (
          <article data-testid="atom-detail" data-archived={a.archived} aria-labelledby="atom-title">
            <h1 id="atom-title">
              <span className="badge">{t(`atom.type.${a.type}`)}</span> {a.title}
            </h1>
            <p className="meta small">
              <ScoreBar value={a.confidence} label={t("knowledge.confidence", { v: a.confidence.toFixed(2) })} />{" "}
              {a.archived ? t("browse.archived") : a.approved ? t("browse.approved") : t("browse.notApproved")} · {formatDate(a.created_at)}
            </p>
            <p className="text">{a.content}</p>
            {a.topics.length > 0 && (
              <p className="small">
                {t("browse.topics")}: <TopicLinks topics={a.topics} />
              </p>
            )}
            <div className="actions">
              <ArchiveButton entity="atom" id={a.id} archived={a.archived} />
            </div>
            <div className="columns">
              <section className="card" aria-labelledby="atom-provenance-title">
                <h2 id="atom-provenance-title">{t("knowledge.provenance")}</h2>
                <SourceMessages messages={a.source_messages} testId="atom-provenance" />
              </section>
              <section className="card" aria-labelledby="atom-history-title">
                <h2 id="atom-history-title">{t("browse.history")}</h2>
                <ol className="history">
                  {a.versions.map((v) => (
                    <li key={v.version}>
                      v{v.version} · {t(`browse.versionState.${v.state}`)} · {v.created_by} · {formatDate(v.created_at)}
                      {v.reason ? ` · ${v.reason}` : ""}
                    </li>
                  ))}
                </ol>
                <Links title={t("browse.linksOut")} links={a.links.outgoing} />
                <Links title={t("browse.linksIn")} links={a.links.incoming} />
              </section>
            </div>
          </article>
        )}
      </QueryState>
    </>
  );
}
