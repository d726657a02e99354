// Loading and error states of a query, the same on every page.
import type { UseQueryResult } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useI18n } from "@/i18n/I18nProvider";

export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useI18n();
  const detail = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="error">
      {t("common.error", { detail })}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </div>
  );
}

/** A form's own check that failed before anything was sent (nothing when there is none). */
export function ProblemNote({ problem }: { problem: string | null }) {
  if (!problem) return null;
  return (
    <p role="alert" className="error">
      {problem}
    </p>
  );
}

/** A list's items, or "none" when it is empty. */
export function ListOrNone<T>({ items, children }: { items: T[]; children: (items: T[]) => ReactNode }) {
  const { t } = useI18n();
  return items.length === 0 ? <p className="muted">{t("common.none")}</p> : <>{children(items)}</>;
}

export function QueryState<T>({ query, children }: { query: UseQueryResult<T>; children: (data: T) => ReactNode }) {
  const { t } = useI18n();
  if (query.isPending) return <p aria-busy="true" className="muted">{t("common.loading")}</p>;
  if (query.isError) return <ErrorNote error={query.error} onRetry={() => void query.refetch()} />;
  return <>{children(query.data)}</>;
}

/** A list query: loading and error as QueryState, then "none" when the list is empty. */
export function QueryList<T>({ query, children }: { query: UseQueryResult<T[]>; children: (items: T[]) => ReactNode }) {
  return <QueryState query={query}>{(items) => <ListOrNone items={items}>{children}</ListOrNone>}</QueryState>;
}
