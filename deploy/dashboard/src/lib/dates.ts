// Dates typed into <input type="date"> are local days; the API takes instants.

/** The start of a local day (YYYY-MM-DD) as an ISO instant; empty input gives undefined. */
export function dayStart(day: string): string | undefined {
  return day ? new Date(`${day}T00:00:00`).toISOString() : undefined;
}

/** A local day (YYYY-MM-DD) `days` before `now`, for a form's default window. */
export function dayBefore(now: Date, days: number): string {
  const d = new Date(now.getFullYear(), now.getMonth(), now.getDate() - days);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
