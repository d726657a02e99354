// Messages that back something (an atom's provenance, a proposal's evidence, a topic's messages): each with
// its class, author and time, and a link into the feed.
import { Link } from "react-router-dom";
import { ClassBadge, type Classification } from "@/components/ClassBadge";
import { useI18n } from "@/i18n/I18nProvider";

export type SourceMessage = {
  key: string;
  text: string;
  sent_at: string;
  author?: string | null;
  classification?: string | null;
};

export function messageLink(key: string): string {
  return `/messages?key=${encodeURIComponent(key)}`;
}

export function SourceMessages({ messages, testId }: { messages: SourceMessage[]; testId?: string }) {
  const { t, formatDate } = useI18n();
  if (messages.length === 0) return <p className="muted">{t("common.none")}</p>;
  return (
    <ul className="plain" data-testid={testId}>
      {messages.map((m) => (
        <li key={m.key}>
          <ClassBadge value={(m.classification ?? null) as Classification | null} />{" "}
          <span className="muted small">
            {m.author ?? "—"} · {formatDate(m.sent_at)}
          </span>
          <div>
            <Link to={messageLink(m.key)}>{m.text}</Link>
          </div>
        </li>
      ))}
    </ul>
  );
}
