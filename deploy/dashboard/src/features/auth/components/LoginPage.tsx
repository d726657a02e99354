import { useState, type FormEvent } from "react";
import { setToken, tokenRejected } from "@/api/token";
import { useI18n } from "@/i18n/I18nProvider";
import { LanguageSwitch } from "@/components/LanguageSwitch";

export function LoginPage() {
  const { t } = useI18n();
  const [value, setValue] = useState("");
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    if (value.trim()) setToken(value.trim());
  };
  return (
    <main id="main" className="login">
      <form onSubmit={submit} className="card" aria-labelledby="login-title">
        <h1 id="login-title">{t("auth.title")}</h1>
        {tokenRejected() && (
          <p role="alert" className="error">
            {t("auth.invalid")}
          </p>
        )}
        <label>
          {t("auth.token")}
          <input
            type="password"
            name="token"
            autoComplete="current-password"
            value={value}
            onChange={(e) => setValue(e.target.value)}
            required
            autoFocus
          />
        </label>
        <p className="muted">{t("auth.hint")}</p>
        <button type="submit">{t("auth.submit")}</button>
        <LanguageSwitch />
      </form>
    </main>
  );
}
