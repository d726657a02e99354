// A unified diff (as the API gives it for prose fields) laid out side by side: removed lines on the left,
// added on the right, unchanged on both; a run of removals pairs up with the run of additions after it.
export type Row = { left: string | null; right: string | null; kind: "same" | "changed" | "removed" | "added" };

export function sideBySide(unified: string): Row[] {
  const rows: Row[] = [];
  let removed: string[] = [];
  let added: string[] = [];
  const flush = () => {
    const n = Math.max(removed.length, added.length);
    for (let i = 0; i < n; i++) {
      const left = removed[i] ?? null;
      const right = added[i] ?? null;
      rows.push({ left, right, kind: left !== null && right !== null ? "changed" : left !== null ? "removed" : "added" });
    }
    removed = [];
    added = [];
  };
  for (const line of unified.split("\n")) {
    if (line.startsWith("---") || line.startsWith("+++") || line.startsWith("@@") || line === "") continue;
    if (line.startsWith("-")) removed.push(line.slice(1));
    else if (line.startsWith("+")) added.push(line.slice(1));
    else {
      flush();
      rows.push({ left: line.slice(1), right: line.slice(1), kind: "same" });
    }
  }
  flush();
  return rows;
}
