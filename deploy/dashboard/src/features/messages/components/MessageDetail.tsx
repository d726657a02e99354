import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { ApiError } from "@/api/client";
import { ClassBadge, type Classification } from "@/components/ClassBadge";
import { ErrorNote, QueryState } from "@/components/QueryState";
import { ScoreBar } from "@/components/ScoreBar";
import { useI18n } from "@/i18n/I18nProvider";
import { useMessage, useOverride, useSimilar } from "../api/messages";

function Similar({ messageKey }: { messageKey: string }) {
  const { t } = useI18n();
  const similar = useSimilar(messageKey);
  if (similar.error instanceof ApiError && similar.error.status === 409)
    return <p className="muted">{t("messages.noEmbedding")}</p>;
  return (
    <QueryState query={similar}>
      {(s) =>
        s.results.length === 0 ? (
          <p className="muted">{t("messages.noSimilar")}</p>
        ) : (
          <ul className="plain">
            {s.results.map((hit) => (
              <li key={hit.id}>
                <Link to={`?key=${encodeURIComponent(hit.id)}`}>{hit.title.slice(0, 120)}</Link>{" "}
                <span className="muted small">{t("search.similarity", { v: (hit.similarity ?? hit.score).toFixed(2) })}</span>
              </li>
            ))}
          </ul>
        )
      }
    </QueryState>
  );
}

export function OverrideForm({ messageKey, current }: { messageKey: string; current: Classification | null }) {
  const { t } = useI18n();
  const override = useOverride();
  const [cls, setCls] = useState<Classification>(current ?? "signal");
  const [reason, setReason] = useState("");
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    override.mutate({ key: messageKey, classification: cls, reason });
  };
  return (
    <form onSubmit={submit} className="override" aria-labelledby="override-title">
      <h3 id="override-title">{t("messages.override")}</h3>
      <fieldset>
        <legend className="sr-only">{t("messages.class")}</legend>
        {(["signal", "weak_signal", "noise"] as const).map((c) => (
          <label key={c} className="inline">
            <input type="radio" name="classification" value={c} checked={cls === c} onChange={() => setCls(c)} />{" "}
            {t(`class.${c}`)}
          </label>
        ))}
      </fieldset>
      <label>
        {t("messages.reason")}
        <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={1000} name="reason" />
      </label>
      <button type="submit" disabled={override.isPending} data-testid="override-submit">
        {t("messages.save")}
      </button>
      {override.isSuccess && (
        <span role="status" className="muted">
          {t("messages.saved", { cls: t(`class.${override.variables.classification}`) })}
        </span>
      )}
      {override.isError && <ErrorNote error={override.error} />}
    </form>
  );
}

export function MessageDetail({ messageKey }: { messageKey: string }) {
  const { t, formatDate } = useI18n();
  const message = useMessage(messageKey);
  return (
    <QueryState query={message}>
      {(m) => (
        <article className="detail" aria-labelledby="detail-title" data-testid="message-detail">
          <h2 id="detail-title" className="sr-only">
            {m.key}
          </h2>
          <p className="meta">
            <ClassBadge value={m.classification} manual={m.classification_override !== null} />{" "}
            {m.chat?.title ?? m.chat_id} · {m.author?.name ?? "—"} · <time dateTime={m.sent_at}>{formatDate(m.sent_at)}</time>{" "}
            · {m.language}
          </p>
          <p className="text">{m.text}</p>
          <h3>{t("messages.factors")}</h3>
          <dl className="factors">
            <dt>{t("messages.score")}</dt>
            <dd>
              <ScoreBar value={m.importance_score} label={t("messages.score")} />
            </dd>
            {Object.entries(m.score_factors ?? {}).map(([name, value]) => (
              <div key={name} className="factor">
                <dt>{name}</dt>
                <dd>
                  <ScoreBar value={Math.max(0, Math.min(1, value))} label={name} />
                </dd>
              </div>
            ))}
          </dl>
          <p className="muted small">
            {t("messages.scorer", { cls: m.scored_classification ? t(`class.${m.scored_classification}`) : "—" })}
            {m.override_by ? ` · ${t("messages.overriddenBy", { who: m.override_by })}` : ""}
          </p>
          <OverrideForm key={`${m.key}:${m.classification}`} messageKey={m.key} current={m.classification} />
          <h3>{t("messages.history")}</h3>
          <ol className="history">
            {m.classification_history.map((h, i) => (
              <li key={i}>
                <time dateTime={h.changed_at}>{formatDate(h.changed_at)}</time> · {h.kind} ·{" "}
                <ClassBadge value={h.classification} />
                {h.changed_by ? ` · ${h.changed_by}` : ""}
                {h.reason ? ` · “${h.reason}”` : ""}
              </li>
            ))}
          </ol>
          <h3>{t("messages.similar")}</h3>
          <Similar messageKey={m.key} />
        </article>
      )}
    </QueryState>
  );
}
