// One topic: what it is, its atoms by type (each opens the atom), the messages assigned to it (each a link into
// the feed), its parent and children; archive or restore it.
import { Link, useParams } from "react-router-dom";
import type { AtomType } from "@/api/enums";
import { QueryList, QueryState } from "@/components/QueryState";
import { SourceMessages } from "@/components/SourceMessages";
import { TagList } from "@/components/TagList";
import { useI18n } from "@/i18n/I18nProvider";
import { useLiveTopics } from "@/live/LiveProvider";
import { useTopic, useTopicAtoms, useTopicMessages } from "../api/browse";
import { ArchiveButton } from "./ArchiveButton";
import { AtomLine } from "./AtomsPage";
import { BrowseTabs } from "./TopicsPage";

const TOPICS = ["knowledge"];

function TopicAtoms({ id }: { id: string }) {
  const { t } = useI18n();
  const atoms = useTopicAtoms(id);
  return (
    <section className="card" aria-labelledby="topic-atoms-title">
      <h2 id="topic-atoms-title">{t("browse.atoms")}</h2>
      <QueryList query={atoms}>
        {(list) => (
          <ul className="plain" data-testid="topic-atoms">
            {list.map((a) => (
              <li key={a.id}>
                <AtomLine atom={a} />
              </li>
            ))}
          </ul>
        )}
      </QueryList>
    </section>
  );
}

function TopicMessages({ id }: { id: string }) {
  const { t } = useI18n();
  const messages = useTopicMessages(id);
  return (
    <section className="card" aria-labelledby="topic-messages-title">
      <h2 id="topic-messages-title">{t("nav.messages")}</h2>
      <QueryState query={messages}>
        {(data) => (
          <>
            <SourceMessages messages={data.pages.flatMap((p) => p.items)} testId="topic-messages" />
            {messages.hasNextPage && (
              <button type="button" className="secondary" onClick={() => void messages.fetchNextPage()} disabled={messages.isFetchingNextPage}>
                {t("common.more")}
              </button>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}

export function TopicDetailPage() {
  useLiveTopics(TOPICS);
  const { t, formatNumber } = useI18n();
  const { id = "" } = useParams();
  const topic = useTopic(id);
  return (
    <>
      <BrowseTabs />
      <QueryState query={topic}>
        {(tp) => (
          <article data-testid="topic-detail" data-archived={tp.archived} aria-labelledby="topic-title">
            <h1 id="topic-title">
              {tp.name} {tp.archived && <span className="badge">{t("browse.archived")}</span>}
            </h1>
            {tp.description && <p>{tp.description}</p>}
            {tp.keywords.length > 0 && <TagList label={t("projects.keywords")} items={tp.keywords} />}
            <p className="small muted">
              {t("browse.topicCounts", {
                atoms: formatNumber(tp.atom_count),
                messages: formatNumber(tp.message_count),
                pending: formatNumber(tp.pending_versions),
              })}
              {Object.keys(tp.atoms_by_type).length > 0 &&
                ` · ${Object.entries(tp.atoms_by_type)
                  .map(([type, n]) => `${t(`atom.type.${type as AtomType}`)}: ${n}`)
                  .join(", ")}`}
            </p>
            {(tp.parent || tp.children.length > 0) && (
              <p className="small">
                {tp.parent && (
                  <>
                    {t("browse.parent")}: <Link to={`/topics/${tp.parent.id}`}>{tp.parent.name}</Link>{" "}
                  </>
                )}
                {tp.children.length > 0 && (
                  <>
                    {t("browse.children")}:{" "}
                    {tp.children.map((c, i) => (
                      <span key={c.id}>
                        {i > 0 && ", "}
                        <Link to={`/topics/${c.id}`}>{c.name}</Link>
                      </span>
                    ))}
                  </>
                )}
              </p>
            )}
            <div className="actions">
              <Link to={`/atoms?topic=${tp.id}`}>{t("browse.filterAtoms")}</Link>
              <ArchiveButton entity="topic" id={tp.id} archived={tp.archived} />
            </div>
            <div className="columns">
              <TopicAtoms id={tp.id} />
              <TopicMessages id={tp.id} />
            </div>
          </article>
        )}
      </QueryState>
    </>
  );
}
