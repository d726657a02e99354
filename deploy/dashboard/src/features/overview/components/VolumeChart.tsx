// Messages per day as stacked bars (signal, weak signal, noise) with the signal ratio as a line. Plain SVG:
// a chart library would weigh more than the rest of the app. A table carries the same figures for
// screen readers.
import type { Schemas } from "@/api/client";
import { useI18n } from "@/i18n/I18nProvider";

type Day = Schemas["DayTrend"];
const W = 640;
const H = 200;
const PAD = { top: 10, right: 36, bottom: 24, left: 36 };

export function chartGeometry(days: Day[]) {
  const max = Math.max(1, ...days.map((d) => d.total));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const step = innerW / Math.max(1, days.length);
  const barW = Math.max(2, step * 0.7);
  const y = (n: number) => (n / max) * innerH;
  const bars = days.map((d, i) => {
    const x = PAD.left + i * step + (step - barW) / 2;
    let base = PAD.top + innerH;
    const parts = (["noise", "weak_signal", "signal"] as const).map((cls) => {
      const h = y(d[cls]);
      base -= h;
      return { cls, x, y: base, w: barW, h };
    });
    return { date: d.date, parts };
  });
  const line = days
    .map((d, i) => `${PAD.left + i * step + step / 2},${PAD.top + innerH - d.signal_ratio * innerH}`)
    .join(" ");
  return { max, bars, line };
}

export function VolumeChart({ days }: { days: Day[] }) {
  const { t, formatPercent, formatNumber } = useI18n();
  const { max, bars, line } = chartGeometry(days);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={t("overview.chartLabel")} preserveAspectRatio="none">
        <text x={4} y={PAD.top + 8} className="axis">
          {formatNumber(max)}
        </text>
        <text x={W - PAD.right + 4} y={PAD.top + 8} className="axis">
          100%
        </text>
        {bars.map((b) => (
          <g key={b.date}>
            {b.parts.map((p) => (
              <rect key={p.cls} x={p.x} y={p.y} width={p.w} height={p.h} className={`bar-${p.cls}`} />
            ))}
            <text x={b.parts[0].x + b.parts[0].w / 2} y={H - 6} className="axis" textAnchor="middle">
              {b.date.slice(5)}
            </text>
          </g>
        ))}
        <polyline points={line} className="ratio-line" fill="none" />
      </svg>
      <figcaption className="legend">
        <span className="key bar-signal" /> {t("class.signal")} <span className="key bar-weak_signal" />{" "}
        {t("class.weak_signal")} <span className="key bar-noise" /> {t("class.noise")}{" "}
        <span className="key ratio-key" /> {t("overview.signalRatio")}
      </figcaption>
      <table className="sr-only">
        <caption>{t("overview.volume")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("overview.date")}</th>
            <th scope="col">{t("overview.total")}</th>
            <th scope="col">{t("class.signal")}</th>
            <th scope="col">{t("class.weak_signal")}</th>
            <th scope="col">{t("class.noise")}</th>
            <th scope="col">{t("overview.signalRatio")}</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.date}>
              <th scope="row">{d.date}</th>
              <td>{d.total}</td>
              <td>{d.signal}</td>
              <td>{d.weak_signal}</td>
              <td>{d.noise}</td>
              <td>{formatPercent(d.signal_ratio)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
