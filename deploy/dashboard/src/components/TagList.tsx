// A row of tags (keywords, model names) under a label that names the list for screen readers.
export function TagList({ label, items, testId }: { label: string; items: string[]; testId?: string }) {
  return (
    <ul className="tags" aria-label={label} data-testid={testId}>
      {items.map((item) => (
        <li key={item}>{item}</li>
      ))}
    </ul>
  );
}
