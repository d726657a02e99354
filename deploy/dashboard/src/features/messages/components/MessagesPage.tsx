import { useMemo } from "react";
import { useSearchParams } from "react-router-dom";
import { ClassBadge } from "@/components/ClassBadge";
import { QueryState } from "@/components/QueryState";
import { ScoreBar } from "@/components/ScoreBar";
import { useHotkeys } from "@/components/useHotkeys";
import { useI18n } from "@/i18n/I18nProvider";
import { useLiveTopics } from "@/live/LiveProvider";
import { useMessageFeed, useOverride } from "../api/messages";
import { filtersFromParams } from "./filters";
import { MessageDetail } from "./MessageDetail";
import { MessageFilters } from "./MessageFilters";

const TOPICS = ["messages", "noise_filtering"];

export function MessagesPage() {
  useLiveTopics(TOPICS);
  const { t, formatDate } = useI18n();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const feed = useMessageFeed(filters);
  const override = useOverride();
  const selected = params.get("key");
  const items = useMemo(() => feed.data?.pages.flatMap((p) => p.items) ?? [], [feed.data]);

  const select = (key: string) => {
    const next = new URLSearchParams(params);
    next.set("key", key);
    setParams(next, { replace: true });
    document.getElementById(`msg-${key}`)?.focus();
  };
  const move = (by: number) => {
    if (items.length === 0) return;
    const at = items.findIndex((m) => m.key === selected);
    const next = items[Math.min(items.length - 1, Math.max(0, at < 0 ? 0 : at + by))];
    select(next.key);
  };
  const mark = (classification: "signal" | "weak_signal" | "noise") => {
    if (selected) override.mutate({ key: selected, classification });
  };
  useHotkeys({ j: () => move(1), k: () => move(-1), s: () => mark("signal"), w: () => mark("weak_signal"), n: () => mark("noise") });

  return (
    <>
      <h1>{t("messages.title")}</h1>
      <MessageFilters />
      <p className="muted small">{t("messages.keys")}</p>
      <div className="split">
        <section aria-label={t("messages.list")} className="feed">
          <QueryState query={feed}>
            {() =>
              items.length === 0 ? (
                <p className="muted">{t("common.none")}</p>
              ) : (
                <ul className="plain" data-testid="message-feed">
                  {items.map((m) => (
                    <li key={m.key}>
                      <button
                        type="button"
                        id={`msg-${m.key}`}
                        className={`feed-item${m.key === selected ? " selected" : ""}`}
                        aria-current={m.key === selected ? "true" : undefined}
                        onClick={() => select(m.key)}
                        data-key={m.key}
                      >
                        <span className="feed-head">
                          <ClassBadge value={m.classification} manual={m.classification_override !== null} />
                          <ScoreBar value={m.importance_score} label={t("messages.score")} />
                          <span className="muted small">
                            {m.author?.name ?? "—"} · {formatDate(m.sent_at)}
                          </span>
                        </span>
                        <span className="feed-text">{m.text}</span>
                      </button>
                    </li>
                  ))}
                </ul>
              )
            }
          </QueryState>
          {feed.hasNextPage && (
            <button type="button" className="secondary" onClick={() => void feed.fetchNextPage()} disabled={feed.isFetchingNextPage}>
              {t("common.more")}
            </button>
          )}
        </section>
        <section className="card detail-pane" aria-live="polite">
          {selected ? <MessageDetail messageKey={selected} /> : <p className="muted">{t("messages.select")}</p>}
        </section>
      </div>
    </>
  );
}
