import { useMemo, useState, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { QueryState } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";
import { useSearch, type SearchParams } from "../api/search";

const MODES = ["hybrid", "semantic", "keyword"] as const;
const TYPES = ["messages", "atoms", "topics"] as const;

function paramsFrom(url: URLSearchParams): SearchParams | null {
  const q = url.get("q");
  if (!q) return null;
  const mode = (MODES as readonly string[]).includes(url.get("mode") ?? "") ? (url.get("mode") as SearchParams["mode"]) : "hybrid";
  const types = (url.get("types") ?? "messages,atoms,topics").split(",").filter((x) => (TYPES as readonly string[]).includes(x));
  return { q, mode, types: types.length ? types : ["messages"] };
}

export function SearchPage() {
  const { t, formatDate } = useI18n();
  const [url, setUrl] = useSearchParams();
  const current = useMemo(() => paramsFrom(url), [url]);
  const [q, setQ] = useState(current?.q ?? "");
  const [mode, setMode] = useState<SearchParams["mode"]>(current?.mode ?? "hybrid");
  const [types, setTypes] = useState<string[]>(current?.types ?? [...TYPES]);
  const results = useSearch(current);

  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    if (q.trim()) setUrl({ q: q.trim(), mode, types: types.join(",") });
  };
  const toggle = (type: string) =>
    setTypes((ts) => (ts.includes(type) ? ts.filter((x) => x !== type) : [...ts, type]));

  return (
    <>
      <h1>{t("search.title")}</h1>
      <form className="card search-form" onSubmit={submit} role="search">
        <label className="grow">
          {t("search.query")}
          <input type="search" name="q" value={q} onChange={(e) => setQ(e.target.value)} placeholder={t("search.placeholder")} />
        </label>
        <label>
          {t("search.mode")}
          <select value={mode} onChange={(e) => setMode(e.target.value as SearchParams["mode"])} name="mode">
            {MODES.map((m) => (
              <option key={m} value={m}>
                {t(`search.mode.${m}`)}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>{t("search.types")}</legend>
          {TYPES.map((type) => (
            <label key={type} className="inline">
              <input type="checkbox" checked={types.includes(type)} onChange={() => toggle(type)} /> {t(`search.type.${type}`)}
            </label>
          ))}
        </fieldset>
        <button type="submit">{t("search.submit")}</button>
      </form>
      {current && (
        <QueryState query={results}>
          {(r) => (
            <section aria-live="polite">
              <p className="muted">{t("search.results", { n: r.results.length })}</p>
              {Object.keys(r.translations ?? {}).length > 0 && (
                <p className="muted small" data-testid="search-translations">
                  {t("search.translations", {
                    list: Object.entries(r.translations ?? {})
                      .map(([word, terms]) => `${word} → ${terms.join(", ")}`)
                      .join("; "),
                  })}
                </p>
              )}
              <ol className="plain results" data-testid="search-results">
                {r.results.map((hit) => (
                  <li key={`${hit.type}:${hit.id}`} className="card">
                    <span className="badge">{t(`search.type.${hit.type}s` as "search.type.messages")}</span>{" "}
                    {hit.type === "message" ? (
                      <Link to={`/messages?key=${encodeURIComponent(hit.id)}`}>{hit.title.slice(0, 160)}</Link>
                    ) : (
                      <strong>{hit.title}</strong>
                    )}
                    <div className="muted small">
                      {hit.similarity != null && t("search.similarity", { v: hit.similarity.toFixed(2) })}
                      {hit.sent_at ? ` · ${formatDate(hit.sent_at)}` : ""}
                    </div>
                  </li>
                ))}
              </ol>
            </section>
          )}
        </QueryState>
      )}
    </>
  );
}
