// Atom types as a group of checkboxes (none checked: every type).
import type { AtomType } from "@/api/enums";
import { ATOM_TYPES } from "@/api/enums";
import { useI18n } from "@/i18n/I18nProvider";

export function AtomTypePicker({ legend, value, onChange }: { legend: string; value: AtomType[]; onChange: (v: AtomType[]) => void }) {
  const { t } = useI18n();
  const toggle = (type: AtomType) => onChange(value.includes(type) ? value.filter((x) => x !== type) : [...value, type]);
  return (
    <fieldset className="checks">
      <legend>{legend}</legend>
      {ATOM_TYPES.map((type) => (
        <label key={type} className="inline">
          <input type="checkbox" checked={value.includes(type)} onChange={() => toggle(type)} name={`type-${type}`} />
          {t(`atom.type.${type}`)}
        </label>
      ))}
      <span className="small muted">{t("rules.anyType")}</span>
    </fieldset>
  );
}
