// The feed's filters live in the address (shareable, back button works); these convert both ways.
import type { MessageFilters } from "@/api/keys";

const CLASSES = new Set(["signal", "weak_signal", "noise"]);

function num(value: string | null): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Dates from `<input type=date>` are local days; the API wants instants. */
function dayStart(value: string | null): string | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  return new Date(`${value}T00:00:00`).toISOString();
}

function nextDayStart(value: string | null): string | undefined {
  const start = dayStart(value);
  if (!start) return undefined;
  return new Date(new Date(start).getTime() + 86_400_000).toISOString();
}

export function filtersFromParams(params: URLSearchParams): MessageFilters {
  const f: MessageFilters = {};
  const chat = params.get("chat");
  if (chat) f.chat = chat;
  const author = params.get("author")?.trim(); // a profile id or a username (the API takes both)
  if (author) f.author = author;
  const cls = params.get("class");
  if (cls && CLASSES.has(cls)) f.classification = cls as MessageFilters["classification"];
  const min = num(params.get("min"));
  if (min !== undefined) f.min_score = Math.min(1, Math.max(0, min));
  const max = num(params.get("max"));
  if (max !== undefined) f.max_score = Math.min(1, Math.max(0, max));
  const since = dayStart(params.get("since"));
  if (since) f.since = since;
  const until = nextDayStart(params.get("until")); // "to date" includes that whole day
  if (until) f.until = until;
  const q = params.get("q");
  if (q && q.trim()) f.q = q.trim();
  return f;
}

export const FILTER_PARAMS = ["chat", "author", "class", "min", "max", "since", "until", "q"] as const;
