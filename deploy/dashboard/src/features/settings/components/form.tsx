// The parts every settings form shares: the card with its title, the name input, the "active" checkbox, the
// save / create and cancel buttons and the save error; and the list-beside-a-form state of the settings tabs.
import { useState, type FormEvent, type ReactNode } from "react";
import { ConfirmButton } from "@/components/ConfirmButton";
import { ErrorNote } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";

/** What the form reads of the create or update mutation that saves it. */
type Save = { isPending: boolean; isError: boolean; error: unknown };
type Write<V> = Save & { mutate: (variables: V, options: { onSuccess: () => void }) => void };

export function NameInput({ value, onChange, maxLength }: { value: string; onChange: (v: string) => void; maxLength: number }) {
  const { t } = useI18n();
  return (
    <label>
      {t("settings.name")}
      <input value={value} onChange={(e) => onChange(e.target.value)} required maxLength={maxLength} name="name" />
    </label>
  );
}

export function ActiveCheckbox({ checked, onChange }: { checked: boolean; onChange: (v: boolean) => void }) {
  const { t } = useI18n();
  return (
    <label className="inline">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} name="active" />
      {t("settings.active")}
    </label>
  );
}

/** Save (an edit) or create (a new one), and cancel for an edit; `children` are buttons placed before them. */
export function FormActions(p: { editing: boolean; pending: boolean; onDone: () => void; children?: ReactNode }) {
  const { t } = useI18n();
  return (
    <div className="actions">
      {p.children}
      <button type="submit" disabled={p.pending}>
        {p.editing ? t("settings.save") : t("settings.create")}
      </button>
      {p.editing && (
        <button type="button" className="secondary" onClick={p.onDone}>
          {t("common.cancel")}
        </button>
      )}
    </div>
  );
}

/** A settings form card: `entity` names its test id and title id (`${entity}-form`, `${entity}-form-title`). */
export function SettingsForm(p: {
  entity: string;
  title: string;
  onSubmit: (ev: FormEvent) => void;
  save: Save;
  editing: boolean;
  onDone: () => void;
  active: boolean;
  setActive: (v: boolean) => void;
  /** Buttons before save / create. */
  actions?: ReactNode;
  /** What stands between the buttons and the save error (a problem, a preview). */
  after?: ReactNode;
  children: ReactNode;
}) {
  const titleId = `${p.entity}-form-title`;
  return (
    <form className="card job-form" onSubmit={p.onSubmit} aria-labelledby={titleId} data-testid={`${p.entity}-form`}>
      <h2 id={titleId}>{p.title}</h2>
      {p.children}
      <ActiveCheckbox checked={p.active} onChange={p.setActive} />
      <FormActions editing={p.editing} pending={p.save.isPending} onDone={p.onDone}>
        {p.actions}
      </FormActions>
      {p.after}
      {p.save.isError && <ErrorNote error={p.save.error} />}
    </form>
  );
}

/**
 * The state a create-or-edit form shares: "active" (on for a new record), the mutation that saves, and `send`,
 * which creates (with `body`) or updates the edited record (with `patch`) and calls `onSaved` (`onDone`) after.
 * `shell` is what SettingsForm takes of it.
 */
export function useSaveForm<C, P>(
  editing: { id: string; active: boolean } | null,
  writes: { create: Write<C>; update: Write<{ id: string; body: P }> },
  onDone: () => void,
) {
  const [active, setActive] = useState(editing?.active ?? true);
  const save = editing ? writes.update : writes.create;
  const send = (body: C, patch: P, onSaved: () => void = onDone) => {
    if (editing) writes.update.mutate({ id: editing.id, body: patch }, { onSuccess: onSaved });
    else writes.create.mutate(body, { onSuccess: onSaved });
  };
  return { active, send, shell: { save, editing: !!editing, onDone, active, setActive } };
}

/** A list row's edit and delete (asks first) buttons. */
export function EditDelete({ onEdit, onDelete }: { onEdit: () => void; onDelete: () => void }) {
  const { t } = useI18n();
  return (
    <>
      <button type="button" className="secondary" onClick={onEdit}>
        {t("settings.edit")}
      </button>
      <ConfirmButton label={t("settings.delete")} onConfirm={onDelete} />
    </>
  );
}

/** Which record the tab's form edits (none: a new one); `formKey` gives a fresh, empty form after each save. */
export function useEditing<T extends { id: string }>() {
  const [editing, setEditing] = useState<T | null>(null);
  const [round, setRound] = useState(0);
  const done = () => (setEditing(null), setRound((n) => n + 1));
  return { editing, setEditing, done, formKey: editing?.id ?? `new-${round}` };
}
