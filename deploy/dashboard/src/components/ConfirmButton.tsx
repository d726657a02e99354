// A destructive action asks once more in place (no browser dialog): the first press shows "confirm" and "keep".
import { useState } from "react";
import { useI18n } from "@/i18n/I18nProvider";

export function ConfirmButton({ label, onConfirm, disabled = false }: { label: string; onConfirm: () => void; disabled?: boolean }) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" className="secondary danger" onClick={() => setAsking(true)} disabled={disabled}>
        {label}
      </button>
    );
  return (
    <span className="confirm" role="group" aria-label={label}>
      <button
        type="button"
        className="danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {t("common.confirm", { action: label })}
      </button>
      <button type="button" className="secondary" onClick={() => setAsking(false)}>
        {t("common.keep")}
      </button>
    </span>
  );
}
