// Approve, or reject with a reason: the review controls of knowledge versions and task proposals. `rejectFocus`
// changes when the reviewer presses `r`, which moves focus to the reason; `subject` changing clears the reason.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { ErrorNote } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";

type Mutation = { isPending: boolean; isError: boolean; error: unknown };

export function ReviewActions({
  subject,
  rejectFocus,
  approve,
  reject,
  onApprove,
  onReject,
  approveTestId,
  children,
  extraErrors = [],
}: {
  subject: string;
  rejectFocus: number;
  approve: Mutation;
  reject: Mutation;
  onApprove: () => void;
  onReject: (reason: string) => void;
  approveTestId: string;
  children?: ReactNode;
  extraErrors?: Mutation[];
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState("");
  const reasonField = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (rejectFocus > 0) reasonField.current?.focus();
  }, [rejectFocus]);
  useEffect(() => setReason(""), [subject]);
  const submit = (ev: FormEvent) => {
    ev.preventDefault();
    if (reason.trim()) onReject(reason.trim());
  };
  return (
    <>
      <div className="review-actions">
        <button type="button" data-testid={approveTestId} onClick={onApprove} disabled={approve.isPending}>
          {t("proposals.approve")} <kbd>a</kbd>
        </button>
        <form onSubmit={submit} className="inline-form">
          <label>
            {t("proposals.reason")}
            <input ref={reasonField} value={reason} onChange={(e) => setReason(e.target.value)} required name="reason" />
          </label>
          <button type="submit" className="secondary" disabled={reject.isPending || !reason.trim()}>
            {t("proposals.reject")} <kbd>r</kbd>
          </button>
        </form>
        {children}
      </div>
      {[approve, reject, ...extraErrors].map((m, i) => m.isError && <ErrorNote key={i} error={m.error} />)}
    </>
  );
}
