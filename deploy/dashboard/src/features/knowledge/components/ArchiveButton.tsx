import { ErrorNote } from "@/components/QueryState";
import { useI18n } from "@/i18n/I18nProvider";
import { useArchive } from "../api/browse";

/** Archive a live topic or atom, or restore an archived one. */
export function ArchiveButton({ entity, id, archived }: { entity: "topic" | "atom"; id: string; archived: boolean }) {
  const { t } = useI18n();
  const archive = useArchive();
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() => archive.mutate({ entity, id, archive: !archived })}
        disabled={archive.isPending}
        data-testid="archive-toggle"
      >
        {archived ? t("browse.restore") : t("browse.archive")}
      </button>
      {archive.isError && <ErrorNote error={archive.error} />}
    </>
  );
}
