import { useQuery } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router-dom";
import { chatsQuery, profilesQuery } from "@/api/queries";
import { useI18n } from "@/i18n/I18nProvider";
import { FILTER_PARAMS } from "./filters";

export function MessageFilters() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const chats = useQuery(chatsQuery());
  const profiles = useQuery(profilesQuery());
  const [draft, setDraft] = useState(() => Object.fromEntries(FILTER_PARAMS.map((k) => [k, params.get(k) ?? ""])));
  useEffect(() => {
    setDraft(Object.fromEntries(FILTER_PARAMS.map((k) => [k, params.get(k) ?? ""])));
  }, [params]);
  const set = (name: string) => (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value });

  const apply = (ev: FormEvent) => {
    ev.preventDefault();
    const next = new URLSearchParams();
    for (const k of FILTER_PARAMS) if (draft[k]) next.set(k, draft[k]);
    setParams(next);
  };
  const reset = () => setParams(new URLSearchParams());

  return (
    <form className="filters card" onSubmit={apply} aria-label={t("messages.filters")}>
      <label>
        {t("messages.text")}
        <input type="search" value={draft.q} onChange={set("q")} name="q" />
      </label>
      <label>
        {t("messages.chat")}
        <select value={draft.chat} onChange={set("chat")} name="chat">
          <option value="">{t("messages.anyChat")}</option>
          {(chats.data ?? []).map((c) => (
            <option key={c.chat_id} value={c.chat_id}>
              {c.title ?? c.chat_id}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("messages.author")}
        <select value={draft.author} onChange={set("author")} name="author">
          <option value="">{t("messages.anyAuthor")}</option>
          {(profiles.data ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.display_name || p.username || p.id}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t("messages.class")}
        <select value={draft.class} onChange={set("class")} name="class">
          <option value="">{t("class.all")}</option>
          <option value="signal">{t("class.signal")}</option>
          <option value="weak_signal">{t("class.weak_signal")}</option>
          <option value="noise">{t("class.noise")}</option>
        </select>
      </label>
      <label>
        {t("messages.minScore")}
        <input type="number" min={0} max={1} step={0.05} value={draft.min} onChange={set("min")} name="min" />
      </label>
      <label>
        {t("messages.maxScore")}
        <input type="number" min={0} max={1} step={0.05} value={draft.max} onChange={set("max")} name="max" />
      </label>
      <label>
        {t("messages.since")}
        <input type="date" value={draft.since} onChange={set("since")} name="since" />
      </label>
      <label>
        {t("messages.until")}
        <input type="date" value={draft.until} onChange={set("until")} name="until" />
      </label>
      <div className="actions">
        <button type="submit">{t("common.apply")}</button>
        <button type="button" className="secondary" onClick={reset}>
          {t("common.reset")}
        </button>
      </div>
    </form>
  );
}
