// Extraction and analysis runs still going, each with its live progress line; links to their pages.
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { analysisRunsQuery, extractionRunsQuery } from "@/api/queries";
import { AnalysisRunLine, ExtractionRunLine } from "@/components/RunLines";
import { useI18n } from "@/i18n/I18nProvider";

const ACTIVE = new Set(["pending", "running", "cancelling"]);

export function ActiveRuns() {
  const { t, formatDay } = useI18n();
  const extraction = useQuery(extractionRunsQuery());
  const analysis = useQuery(analysisRunsQuery());
  const extracting = (extraction.data ?? []).filter((r) => ACTIVE.has(r.status));
  const analysing = (analysis.data ?? []).filter((r) => ACTIVE.has(r.status));
  return (
    <section className="card" aria-labelledby="active-runs-title" data-testid="active-runs">
      <h2 id="active-runs-title">{t("overview.runs")}</h2>
      {extracting.length + analysing.length === 0 ? (
        <p className="muted">{t("overview.noRuns")}</p>
      ) : (
        <ul className="plain">
          {extracting.map((r) => (
            <li key={r.id} data-status={r.status}>
              <Link to="/runs">{t("overview.extraction", { what: r.chat_id ?? t("runs.byKeys", { n: r.message_keys.length }) })}</Link>
              <ExtractionRunLine run={r} />
            </li>
          ))}
          {analysing.map((r) => (
            <li key={r.id} data-status={r.status}>
              <Link to={`/analysis?run=${r.id}`}>
                {t("overview.analysis", { from: formatDay(r.window_start), to: formatDay(r.window_end) })}
              </Link>
              <AnalysisRunLine run={r} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
