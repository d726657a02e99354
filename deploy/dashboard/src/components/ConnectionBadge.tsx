import { useI18n } from "@/i18n/I18nProvider";
import { useConnectionState } from "@/live/LiveProvider";

/** The live connection's state, announced politely when it changes. */
export function ConnectionBadge() {
  const state = useConnectionState();
  const { t } = useI18n();
  return (
    <span className={`live live-${state}`} role="status" aria-live="polite" data-testid="connection" data-state={state}>
      <span className="dot" aria-hidden="true" />
      {t(`live.${state}`)}
    </span>
  );
}
