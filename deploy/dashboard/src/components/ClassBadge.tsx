import { useI18n } from "@/i18n/I18nProvider";

export type Classification = "signal" | "weak_signal" | "noise";

export function ClassBadge({ value, manual = false }: { value: Classification | null | undefined; manual?: boolean }) {
  const { t } = useI18n();
  const cls = value ?? "unscored";
  return (
    <span className={`badge badge-${cls}`} data-class={cls}>
      {t(`class.${cls}`)}
      {manual ? " ✎" : ""}
    </span>
  );
}
