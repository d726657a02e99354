// The knowledge digest (decisions of the period by topic, open blockers / problems and questions), from the API.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap, type Schemas } from "@/api/client";
import { keys } from "@/api/keys";
import { QueryState } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";

const LIMIT = 5;

function Items({ items }: { items: Schemas["DigestItem"][] }) {
  const { t } = useI18n();
  return (
    <ul className="plain">
      {items.map((a) => (
        <li key={a.id}>
          <span className="badge">{a.type}</span> {a.title}{" "}
          <span className="muted small">
            {t("digest.age", { n: a.age_days })}
            {a.source_messages[0] && (
              <>
                {" · "}
                <Link to={`/messages?key=${encodeURIComponent(a.source_messages[0].key)}`}>{a.source_messages[0].author ?? "—"}</Link>
              </>
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function Digest() {
  const { t } = useI18n();
  const [days, setDays] = useState<7 | 14 | 30>(7);
  const digest = useQuery({
    queryKey: keys.digest(days),
    queryFn: () => unwrap(api.GET("/api/v1/knowledge/digest", { params: { query: { days, limit: LIMIT } } })),
  });
  return (
    <section className="card" aria-labelledby="digest-title" data-testid="digest">
      <div className="row">
        <h2 id="digest-title">{t("digest.title", { n: days })}</h2>
        <select value={days} onChange={(e) => setDays(Number(e.target.value) as 7 | 14 | 30)} aria-label={t("overview.days")}>
          {[7, 14, 30].map((n) => (
            <option key={n} value={n}>
              {t("overview.daysN", { n })}
            </option>
          ))}
        </select>
      </div>
      <QueryState query={digest}>
        {(d) => (
          <div className="columns">
            <div>
              <h3>{t("digest.decisions")}</h3>
              {d.decisions.length === 0 && <p className="muted">{t("common.none")}</p>}
              {d.decisions.map((g) => (
                <div key={g.topic?.id ?? "none"}>
                  <strong className="small">{g.topic?.name ?? "—"}</strong>
                  <Items items={g.atoms} />
                </div>
              ))}
            </div>
            <div>
              <h3>{t("digest.problems")}</h3>
              {d.open_problems.length === 0 ? <p className="muted">{t("common.none")}</p> : <Items items={d.open_problems} />}
              {(d.totals.open_problems ?? 0) > d.open_problems.length && (
                <p className="muted small">{t("digest.more", { n: (d.totals.open_problems ?? 0) - d.open_problems.length })}</p>
              )}
              <h3>{t("digest.questions")}</h3>
              {d.open_questions.length === 0 ? <p className="muted">{t("common.none")}</p> : <Items items={d.open_questions} />}
            </div>
          </div>
        )}
      </QueryState>
    </section>
  );
}
