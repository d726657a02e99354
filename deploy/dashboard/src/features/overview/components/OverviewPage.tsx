import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { jobsQuery, messageListQuery, noiseStatsQuery, pendingVersionsCountQuery, proposalsQuery } from "@/api/queries";
import { ClassBadge } from "@/components/ClassBadge";
import { QueryState } from "@/components/QueryState";
import { JobProgress } from "@/components/JobProgress";
import { useI18n } from "@/i18n/I18nProvider";
import { useLiveTopics } from "@/live/LiveProvider";
import { ActiveRuns } from "./ActiveRuns";
import { Digest } from "./Digest";
import { VolumeChart } from "./VolumeChart";

const TOPICS = ["messages", "noise_filtering", "knowledge", "proposals", "analysis"];
const PERIODS = [7, 14, 30, 90];

export function OverviewPage() {
  useLiveTopics(TOPICS);
  const { t, formatNumber, formatPercent, formatDate } = useI18n();
  const [days, setDays] = useState(14);
  // The trend ends on the newest message's day: an imported history (or a quiet week) still has a shape.
  const newest = useQuery(messageListQuery({}, 1));
  const until = newest.data?.items[0] ? new Date(newest.data.items[0].sent_at).toISOString().slice(0, 10) : null;
  const stats = useQuery({ ...noiseStatsQuery(days, until), enabled: !newest.isPending });
  const recent = useQuery(messageListQuery({ classification: "signal" }, 8));
  const jobs = useQuery(jobsQuery());
  const versions = useQuery(pendingVersionsCountQuery());
  const proposals = useQuery(proposalsQuery("pending"));
  const active = (jobs.data ?? []).filter((j) => j.status === "pending" || j.status === "running");

  return (
    <>
      <h1>{t("overview.title")}</h1>
      <QueryState query={stats}>
        {(s) => (
          <>
            <dl className="stats">
              <div className="stat">
                <dt>{t("overview.total")}</dt>
                <dd data-testid="overview-total">{formatNumber(s.total)}</dd>
              </div>
              <div className="stat">
                <dt>{t("overview.signalRatio")}</dt>
                <dd data-testid="overview-signal-ratio">{formatPercent(s.signal_ratio)}</dd>
              </div>
              <div className="stat">
                <dt>{t("class.signal")}</dt>
                <dd data-testid="overview-signal">{formatNumber(s.counts.signal)}</dd>
              </div>
              <div className="stat">
                <dt>{t("overview.pending")}</dt>
                <dd data-testid="overview-pending">
                  <Link to="/knowledge">{formatNumber((versions.data?.total ?? 0) + (proposals.data?.length ?? 0))}</Link>
                </dd>
                <div className="small muted">
                  {t("overview.pendingDetail", { versions: versions.data?.total ?? "…", proposals: proposals.data?.length ?? "…" })}
                </div>
              </div>
              <div className="stat">
                <dt>{t("overview.unscored")}</dt>
                <dd>{formatNumber(s.unscored)}</dd>
              </div>
              <div className="stat">
                <dt>{t("overview.overridden")}</dt>
                <dd>{formatNumber(s.overridden)}</dd>
              </div>
            </dl>
            <section className="card" aria-labelledby="volume-title">
              <div className="row">
                <h2 id="volume-title">{t("overview.volume")}</h2>
                <label>
                  {t("overview.days")}{" "}
                  <select value={days} onChange={(e) => setDays(Number(e.target.value))}>
                    {PERIODS.map((n) => (
                      <option key={n} value={n}>
                        {t("overview.daysN", { n })}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
              <VolumeChart days={s.trend} />
            </section>
            <section className="card" aria-labelledby="noisy-title">
              <h2 id="noisy-title">{t("overview.noisy")}</h2>
              <ul className="plain">
                {s.top_noisy_chats.map((c) => (
                  <li key={c.chat_id}>
                    <Link to={`/messages?chat=${encodeURIComponent(c.chat_id)}`}>{c.title ?? c.chat_id}</Link>{" "}
                    <span className="muted">{t("overview.noiseRatio", { pct: formatPercent(c.noise_ratio) })}</span>
                  </li>
                ))}
              </ul>
            </section>
          </>
        )}
      </QueryState>
      <Digest />
      <div className="columns">
        <section className="card" aria-labelledby="jobs-title">
          <h2 id="jobs-title">{t("overview.jobs")}</h2>
          <QueryState query={jobs}>
            {() =>
              active.length === 0 ? (
                <p className="muted">{t("overview.noJobs")}</p>
              ) : (
                <ul className="plain">
                  {active.map((j) => (
                    <li key={j.id}>
                      <Link to="/jobs">{j.chats.join(", ")}</Link>
                      <JobProgress job={j} />
                    </li>
                  ))}
                </ul>
              )
            }
          </QueryState>
        </section>
        <ActiveRuns />
        <section className="card" aria-labelledby="recent-title">
          <h2 id="recent-title">{t("overview.recent")}</h2>
          <QueryState query={recent}>
            {(page) => (
              <ul className="plain feed-compact">
                {page.items.map((m) => (
                  <li key={m.key}>
                    <ClassBadge value={m.classification} />{" "}
                    <Link to={`/messages?key=${encodeURIComponent(m.key)}`}>{m.text.slice(0, 140)}</Link>
                    <div className="muted small">
                      {m.author?.name ?? "—"} · {formatDate(m.sent_at)}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </QueryState>
        </section>
      </div>
    </>
  );
}
