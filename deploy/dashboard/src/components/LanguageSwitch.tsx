import { useI18n, type Lang } from "@/i18n/I18nProvider";

export function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <label className="lang">
      <span className="sr-only">{t("lang.label")}</span>
      <select value={lang} onChange={(e) => setLang(e.target.value as Lang)} data-testid="language">
        <option value="uk">Українська</option>
        <option value="en">English</option>
      </select>
    </label>
  );
}
