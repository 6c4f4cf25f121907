import type { Translate } from '../i18n/i18n';
import { formatDate, formatFileSize, type Locale } from '../shared/format';
import { extensionOf, type FileKind } from './file-types';
import type { MaterialListRow, ModuleTarget, SessionTarget, VersionRow, Visibility } from './materials.queries';

export type MaterialItem = {
  id: number;
  title: string;
  description: string;
  kind: FileKind;
  /** "PDF", "DOCX", … from the stored file's name. */
  extension: string;
  size: string;
  uploadedAt: Date;
  visibility: Visibility;
  isNew: boolean;
  manageable: boolean;
  /** Start of the session the material belongs to (null: the whole module). */
  sessionStartsAt: Date | null;
  downloadUrl: string;
  viewUrl: string | null;
};

export type MaterialGroup =
  | { kind: 'module'; key: string; position: number; title: string; items: MaterialItem[] }
  | { kind: 'session'; key: string; startsAt: Date; items: MaterialItem[] };

type ListedMaterial = MaterialListRow & { isNew: boolean; manageable: boolean; viewable: boolean };

/**
 * The materials page shows one group per module (its own materials first, then those of
 * its sessions in this cohort) and one per session without a module (workshops, the
 * Fachtag). Empty groups are left out.
 */
export function groupMaterials(materials: ListedMaterial[], modules: ModuleTarget[], sessions: SessionTarget[], locale: Locale): MaterialGroup[] {
  const sessionById = new Map(sessions.map((session) => [session.id, session]));
  const item = (material: ListedMaterial): MaterialItem => ({
    id: material.id,
    title: material.title,
    description: material.description,
    kind: material.file_kind,
    extension: extensionOf(material.original_name).toUpperCase(),
    size: formatFileSize(material.size_bytes, locale),
    uploadedAt: material.uploaded_at,
    visibility: material.visibility,
    isNew: material.isNew,
    manageable: material.manageable,
    sessionStartsAt: material.session_id === null ? null : (sessionById.get(material.session_id)?.starts_at ?? null),
    downloadUrl: `/materials/${material.id}/download`,
    viewUrl: material.viewable ? `/materials/${material.id}/download?view=1` : null,
  });
  const bySessionTime = (a: MaterialItem, b: MaterialItem) => (a.sessionStartsAt?.getTime() ?? 0) - (b.sessionStartsAt?.getTime() ?? 0);

  const groups: MaterialGroup[] = [];
  for (const module of modules) {
    const items = materials
      .filter((material) => material.module_id === module.id || (material.session_id !== null && sessionById.get(material.session_id)?.module_id === module.id))
      .map(item)
      .sort(bySessionTime);
    if (items.length > 0) groups.push({ kind: 'module', key: `module-${module.id}`, position: module.position, title: module.title, items });
  }
  for (const session of sessions.filter((candidate) => candidate.module_id === null)) {
    const items = materials.filter((material) => material.session_id === session.id).map(item);
    if (items.length > 0) groups.push({ kind: 'session', key: `session-${session.id}`, startsAt: session.starts_at, items });
  }
  return groups;
}

/** The choices of "Gehört zu" on the upload form: modules first (all cohorts), then this cohort's sessions. */
export function targetOptions(modules: ModuleTarget[], sessions: SessionTarget[], t: Translate, locale: Locale): { value: string; label: string }[] {
  return [
    ...modules.map((module) => ({ value: `module:${module.id}`, label: t('materials.new.moduleOption', { position: module.position, title: module.title }) })),
    ...sessions.map((session) => ({
      value: `session:${session.id}`,
      label:
        session.module_id === null
          ? t('materials.new.sessionOption', { date: formatDate(session.starts_at, locale) })
          : t('materials.new.sessionModuleOption', { date: formatDate(session.starts_at, locale), position: session.module_position, moduleTitle: session.module_title }),
    })),
  ];
}

/** The versions table of the manage page, newest first. */
export function versionRows(versions: VersionRow[], locale: Locale) {
  return versions.map((version, index) => ({
    version: version.version,
    isCurrent: index === 0,
    fileName: version.original_name,
    size: formatFileSize(version.size_bytes, locale),
    uploadedAt: version.uploaded_at,
    uploaderName: version.uploader_name,
    shaPrefix: version.sha256.slice(0, 12),
    downloadUrl: `/materials/${version.material_id}/versions/${version.version}/download`,
  }));
}
