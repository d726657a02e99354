/** A score in [0, 1] as a meter: readable by screen readers, visible as a bar. */
export function ScoreBar({ value, label }: { value: number | null | undefined; label: string }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  return (
    <span className="score">
      <meter min={0} max={1} low={0.3} high={0.6} optimum={1} value={value} aria-label={label} />
      <span className="score-value">{value.toFixed(2)}</span>
    </span>
  );
}
