import type { Schemas } from "@/api/client";
import { QueryState } from "@/components/QueryState";
import { ReviewActions } from "@/components/ReviewActions";
import { SourceMessages } from "@/components/SourceMessages";
import { useI18n } from "@/i18n/I18nProvider";
import { useAtom, useVersionDiff, useVersionReview } from "../api/knowledge";
import { sideBySide } from "./sideBySide";

type Version = Schemas["VersionListItem"];

function show(value: unknown): string {
  if (value === null || value === undefined) return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The proposed snapshot next to the version before it: prose fields line by line, others before → after. */
function Diff({ version }: { version: Version }) {
  const { t } = useI18n();
  const diff = useVersionDiff(version);
  if (version.version === 1) {
    return (
      <table className="diff" data-testid="version-diff">
        <caption>{t("knowledge.newEntity")}</caption>
        <tbody>
          {Object.entries(version.snapshot).map(([field, value]) => (
            <tr key={field}>
              <th scope="row">{field}</th>
              <td className="added">{show(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <QueryState query={diff}>
      {(d) => (
        <table className="diff side-by-side" data-testid="version-diff">
          <caption>{t("knowledge.diffCaption", { from: d.from.version, to: d.to.version })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("knowledge.field")}</th>
              <th scope="col">v{d.from.version}</th>
              <th scope="col">v{d.to.version}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(d.changes).flatMap(([field, change]) =>
              d.text_diff[field]
                ? sideBySide(d.text_diff[field]).map((row, i) => (
                    <tr key={`${field}-${i}`}>
                      <th scope="row">{i === 0 ? field : ""}</th>
                      <td className={row.kind === "same" ? "" : "removed"}>{row.left ?? ""}</td>
                      <td className={row.kind === "same" ? "" : "added"}>{row.right ?? ""}</td>
                    </tr>
                  ))
                : [
                    <tr key={field}>
                      <th scope="row">{field}</th>
                      <td className="removed">{show(change.from)}</td>
                      <td className="added">{show(change.to)}</td>
                    </tr>,
                  ],
            )}
          </tbody>
        </table>
      )}
    </QueryState>
  );
}

/** Where an atom came from: the messages it was extracted from, each a link into the feed. */
export function Provenance({ atomId }: { atomId: string }) {
  const { t } = useI18n();
  const atom = useAtom(atomId);
  return (
    <QueryState query={atom}>
      {(a) => (
        <section aria-labelledby="provenance-title">
          <h3 id="provenance-title">{t("knowledge.provenance")}</h3>
          <p className="small muted">
            {a.type} · {t("knowledge.confidence", { v: a.confidence.toFixed(2) })}
            {a.topics.length > 0 && ` · ${a.topics.map((tp) => tp.name).join(", ")}`}
          </p>
          <SourceMessages messages={a.source_messages} />
        </section>
      )}
    </QueryState>
  );
}

export function VersionReview({
  version,
  rejectFocus,
  onReviewed,
}: {
  version: Version;
  rejectFocus: number;
  onReviewed: () => void;
}) {
  const { t } = useI18n();
  const { approve, reject } = useVersionReview();
  const ref = { entity: version.entity, entity_id: version.entity_id, version: version.version };
  return (
    <article data-testid="version-review" data-state={version.state} aria-labelledby="version-title">
      <h2 id="version-title">
        {version.entity_title} <span className="muted">v{version.version}</span>
      </h2>
      <p className="meta small">
        <span className="badge">{t(`knowledge.entity.${version.entity}`)}</span> {version.created_by}
        {version.auto ? ` · ${t("knowledge.auto")}` : ""}
      </p>
      <Diff version={version} />
      {version.entity === "atom" && <Provenance atomId={version.entity_id} />}
      <ReviewActions
        subject={`${version.entity_id}:${version.version}`}
        rejectFocus={rejectFocus}
        approve={approve}
        reject={reject}
        onApprove={() => approve.mutate(ref, { onSuccess: onReviewed })}
        onReject={(reason) => reject.mutate({ ...ref, reason }, { onSuccess: onReviewed })}
        approveTestId="approve-version"
      />
    </article>
  );
}
