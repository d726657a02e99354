// A project's structured fields edited as plain text: keywords as a list, and the glossary, components and
// priority rules one per line as "head: rest". Parsing says which lines it could not read, so the form can
// point at them instead of dropping them silently.

export const PRIORITIES = ["low", "medium", "high", "critical"] as const;
export type Priority = (typeof PRIORITIES)[number];

export type Parsed<T> = { value: T; bad: number[] }; // bad: 1-based line numbers

/** Words separated by commas or new lines, trimmed, without empties or repeats (case-insensitive). */
export function parseList(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of text.split(/[,\n]/)) {
    const word = raw.trim();
    if (word && !seen.has(word.toLowerCase())) {
      seen.add(word.toLowerCase());
      out.push(word);
    }
  }
  return out;
}

type Line = { head: string; rest: string; line: number };

function lines(text: string): Line[] {
  return text.split("\n").flatMap((raw, i) => {
    if (!raw.trim()) return [];
    const at = raw.indexOf(":");
    return [{ head: at < 0 ? "" : raw.slice(0, at).trim(), rest: at < 0 ? raw.trim() : raw.slice(at + 1).trim(), line: i + 1 }];
  });
}

function each<T>(text: string, read: (head: string, rest: string) => T | null): Parsed<T[]> {
  const value: T[] = [];
  const bad: number[] = [];
  for (const { head, rest, line } of lines(text)) {
    const item = head ? read(head, rest) : null;
    if (item === null) bad.push(line);
    else value.push(item);
  }
  return { value, bad };
}

/** "term: meaning" per line. */
export function parseGlossary(text: string): Parsed<Record<string, string>> {
  const { value, bad } = each(text, (term, meaning) => (meaning ? ([term, meaning] as const) : null));
  return { value: Object.fromEntries(value), bad };
}

/** "component: keyword, keyword" per line (a component may have no keywords). */
export function parseComponents(text: string): Parsed<{ name: string; keywords: string[] }[]> {
  return each(text, (name, rest) => ({ name, keywords: parseList(rest) }));
}

/** "priority: keyword, keyword" per line; the priority is low, medium, high or critical. */
export function parsePriorityRules(text: string): Parsed<{ priority: Priority; keywords: string[] }[]> {
  return each(text, (head, rest) => {
    const priority = head.toLowerCase() as Priority;
    const keywords = parseList(rest);
    return PRIORITIES.includes(priority) && keywords.length > 0 ? { priority, keywords } : null;
  });
}

export function formatGlossary(glossary: Record<string, string>): string {
  return Object.entries(glossary)
    .map(([term, meaning]) => `${term}: ${meaning}`)
    .join("\n");
}

export function formatComponents(components: { name: string; keywords?: string[] }[]): string {
  return components.map((c) => `${c.name}: ${(c.keywords ?? []).join(", ")}`).join("\n");
}

export function formatPriorityRules(rules: { priority: string; keywords: string[] }[]): string {
  return rules.map((r) => `${r.priority}: ${r.keywords.join(", ")}`).join("\n");
}
