// The atoms list's filters live in the address (so a filtered list can be linked and survives a reload); bad
// values in a hand-edited address are dropped, not sent.
import { ATOM_TYPES, type AtomType } from "@/api/enums";
import type { AtomFilters } from "../api/browse";

function ratio(raw: string | null): number | undefined {
  if (raw === null || raw.trim() === "") return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 && n <= 1 ? n : undefined;
}

export function atomFiltersFrom(params: URLSearchParams): AtomFilters {
  const type = params.get("type");
  const approved = params.get("approved");
  const out: AtomFilters = {
    type: ATOM_TYPES.includes(type as AtomType) ? (type as AtomType) : undefined,
    approved: approved === "true" ? true : approved === "false" ? false : undefined,
    archived: params.get("archived") === "true" ? true : undefined,
    q: params.get("q")?.trim() || undefined,
    min_confidence: ratio(params.get("min_confidence")),
    max_confidence: ratio(params.get("max_confidence")),
    topic: params.get("topic") || undefined,
  };
  if (out.min_confidence !== undefined && out.max_confidence !== undefined && out.min_confidence > out.max_confidence)
    out.max_confidence = undefined;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as AtomFilters;
}

export function atomFiltersTo(filters: AtomFilters): Record<string, string> {
  return Object.fromEntries(
    Object.entries(filters)
      .filter(([, v]) => v !== undefined && v !== "")
      .map(([k, v]) => [k, String(v)]),
  );
}
