import type { Readable } from 'node:stream';
import { fileTypeFromStream } from 'file-type';
import type { Logger } from 'pino';
import { can } from '../accounts/permissions';
import type { SessionUser } from '../accounts/roles';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Database } from '../db/database';
import { Forbidden, Invalid, NotFound } from '../shared/errors';
import { classify, isInlineSafe, type Classification } from './file-types';
import type { StoredFile } from './download';
import * as queries from './materials.queries';
import { assertCanView, audienceOf, canManage, markManageable, VISIBLE_TO } from './materials-access';
import type { MaterialStorage } from './storage';
import { pageOf, pageWindow } from '../shared/paging';

/** Materials of an offering a page at a time: the list grows with every cohort of a series. */
export const MATERIALS_PAGE_SIZE = 25;

/** A file the upload middleware has streamed into the storage (not yet known to the database). */
export type ReceivedFile = { storageKey: string; size: number; sha256: string; originalName: string };

export type MaterialTarget = { kind: 'module' | 'session'; id: number };
export type NewMaterialInput = { target: MaterialTarget; title: string; description: string; visibility: queries.Visibility };

type Deps = {
  db: Database;
  storage: MaterialStorage;
  logger?: Logger;
  /** What the content is, from its first bytes (file-type); replaceable in tests. */
  detectType?: (stream: Readable) => Promise<{ ext: string } | undefined>;
};

/**
 * Course materials: who sees and manages what, uploads (type by content, versions) and
 * downloads. Every function checks the viewer itself, so no route can skip the check.
 */
export function createMaterialsService({ db, storage, logger, detectType = (stream) => fileTypeFromStream(stream) }: Deps) {
  /** The offering as the viewer may see it; drafts only for coordinators and its trainers. */
  async function offeringFor(viewer: SessionUser | undefined, offeringId: number) {
    const offering = await queries.selectOfferingContext(db, offeringId, viewer?.id ?? null);
    if (!offering) throw new NotFound();
    const audience = audienceOf(viewer, offering);
    if (offering.status === 'draft' && audience !== 'staff' && audience !== 'trainer') throw new NotFound();
    return { offering, audience };
  }

  /** Modules and sessions of the offering, each with whether the viewer may put materials there. */
  async function targetsOf(viewer: SessionUser | undefined, offering: queries.OfferingContext) {
    const viewerId = viewer?.id ?? null;
    const [sessions, modules] = await Promise.all([
      queries.selectSessionsOfOffering(db, offering.id, viewerId),
      queries.selectModulesOfProgramme(db, offering.programme_id, viewerId),
    ]);
    return { sessions: markManageable(viewer, sessions), modules: markManageable(viewer, modules) };
  }

  async function uploadTargets(viewer: SessionUser, offeringId: number) {
    const { offering } = await offeringFor(viewer, offeringId);
    const targets = await targetsOf(viewer, offering);
    const modules = targets.modules.filter((module) => module.manageable);
    const sessions = targets.sessions.filter((session) => session.manageable);
    if (modules.length === 0 && sessions.length === 0) throw new Forbidden();
    return { offering, modules, sessions };
  }

  /**
   * What the stored bytes are, or why they are refused (empty, not allowed, misnamed). The
   * upload pipeline runs this as its content check; the service runs it again before storing.
   */
  async function inspectUpload(file: ReceivedFile): Promise<{ ok: true; content: Extract<Classification, { ok: true }> } | { ok: false; messageKey: string }> {
    if (file.size === 0) return { ok: false, messageKey: 'materials.errors.empty' };
    const stream = await storage.get(file.storageKey);
    let detected: { ext: string } | undefined;
    try {
      detected = await detectType(stream);
    } finally {
      stream.destroy();
    }
    const classification = classify(detected, file.originalName);
    if (!classification.ok) return { ok: false, messageKey: classification.reason === 'mismatch' ? 'materials.errors.typeMismatch' : 'materials.errors.typeNotAllowed' };
    return { ok: true, content: classification };
  }

  /** Refuses (and removes, see keepingFileOnlyIfStored) a file that is empty, not allowed or misnamed. */
  async function inspect(file: ReceivedFile): Promise<Extract<Classification, { ok: true }>> {
    const inspection = await inspectUpload(file);
    if (!inspection.ok) throw new Invalid({ file: inspection.messageKey });
    return inspection.content;
  }

  /** Runs `work` with the received file; if anything fails, the file goes (the row never existed). */
  async function keepingFileOnlyIfStored<T>(file: ReceivedFile, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      await storage.delete(file.storageKey);
      throw error;
    }
  }

  const versionRow = (file: ReceivedFile, type: Extract<Classification, { ok: true }>, uploadedBy: number): queries.NewVersion => ({
    storage_key: file.storageKey,
    original_name: file.originalName,
    size_bytes: file.size,
    sha256: file.sha256,
    content_type: type.contentType,
    file_kind: type.kind,
    uploaded_by: uploadedBy,
  });

  async function accessOrNotFound(viewer: SessionUser | undefined, materialId: number) {
    const access = await queries.selectMaterialAccess(db, materialId, viewer?.id ?? null);
    if (!access) throw new NotFound();
    return access;
  }

  /** A material the viewer manages, reached through one of the offerings it is shown in. */
  async function managedMaterial(viewer: SessionUser, offeringId: number, materialId: number) {
    const access = await accessOrNotFound(viewer, materialId);
    if (access.deleted || !access.offering_ids.includes(offeringId)) throw new NotFound();
    assertCanView(viewer, access);
    if (!canManage(viewer, access)) throw new Forbidden();
    return access;
  }

  return {
    /** The materials page of an offering: what the viewer may see, grouped later by the view. */
    async offeringMaterials(viewer: SessionUser | undefined, offeringId: number, page = 1) {
      const { offering, audience } = await offeringFor(viewer, offeringId);
      const window = pageWindow(page, MATERIALS_PAGE_SIZE);
      const [targets, listed] = await Promise.all([targetsOf(viewer, offering), queries.selectMaterialsOfOffering(db, offering, VISIBLE_TO[audience], window)]);
      const materials = listed.rows;
      // Read before this visit is recorded: what came after the previous visit is new.
      const previousVisit = viewer ? await queries.swapLastVisit(db, viewer.id, offering.id) : null;
      const manageableModules = new Set(targets.modules.filter((module) => module.manageable).map((module) => module.id));
      const manageableSessions = new Set(targets.sessions.filter((session) => session.manageable).map((session) => session.id));
      return {
        offering,
        audience,
        modules: targets.modules,
        sessions: targets.sessions,
        canUpload: manageableModules.size > 0 || manageableSessions.size > 0,
        pagination: pageOf(materials, listed.total, { ...window, page: listed.offset / MATERIALS_PAGE_SIZE + 1 }),
        materials: materials.map((material) => ({
          ...material,
          isNew: !!viewer && material.uploaded_by !== viewer.id && (!previousVisit || material.uploaded_at > previousVisit),
          manageable: (material.module_id !== null && manageableModules.has(material.module_id)) || (material.session_id !== null && manageableSessions.has(material.session_id)),
          viewable: isInlineSafe(material.content_type),
        })),
      };
    },

    /** Checked before a single byte of an upload is stored. */
    async assertCanUpload(viewer: SessionUser, offeringId: number): Promise<void> {
      await uploadTargets(viewer, offeringId);
    },

    uploadTargets,
    inspectUpload,

    async createMaterial(viewer: SessionUser, offeringId: number, input: NewMaterialInput, file: ReceivedFile, actor: Actor): Promise<number> {
      return keepingFileOnlyIfStored(file, async () => {
        const { modules, sessions } = await uploadTargets(viewer, offeringId);
        const allowed = input.target.kind === 'module' ? modules.some((module) => module.id === input.target.id) : sessions.some((session) => session.id === input.target.id);
        if (!allowed) throw new Invalid({ target: 'materials.errors.targetNotAllowed' });
        const type = await inspect(file);
        return db.transaction(async (trx) => {
          const materialId = await queries.insertMaterial(trx, {
            module_id: input.target.kind === 'module' ? input.target.id : null,
            session_id: input.target.kind === 'session' ? input.target.id : null,
            title: input.title,
            description: input.description,
            visibility: input.visibility,
            created_by: viewer.id,
          });
          await queries.insertVersion(trx, materialId, versionRow(file, type, viewer.id));
          await recordAudit(trx, actor, {
            action: 'material.created',
            subjectType: 'material',
            subjectId: materialId,
            after: { offeringId, target: input.target, title: input.title, visibility: input.visibility, fileName: file.originalName, sha256: file.sha256, size: file.size },
          });
          return materialId;
        });
      });
    },

    /** The manage page: the material, its current file and, for coordinators, every version. */
    async materialForManaging(viewer: SessionUser, offeringId: number, materialId: number) {
      const access = await managedMaterial(viewer, offeringId, materialId);
      const { offering } = await offeringFor(viewer, offeringId);
      const [versions, targets] = await Promise.all([queries.selectVersions(db, materialId), targetsOf(viewer, offering)]);
      const current = versions[0];
      if (!current) throw new NotFound();
      return {
        offering,
        material: access,
        module: targets.modules.find((module) => module.id === access.module_id) ?? null,
        session: targets.sessions.find((session) => session.id === access.session_id) ?? null,
        current,
        viewable: isInlineSafe(current.content_type),
        // Earlier versions are for coordinators (e.g. to check what participants had before).
        versions: can(viewer, 'materials.manageAll') ? versions : [],
      };
    },

    /** A new file for the material; the earlier ones stay as versions. */
    async addVersion(viewer: SessionUser, offeringId: number, materialId: number, file: ReceivedFile, actor: Actor): Promise<number> {
      return keepingFileOnlyIfStored(file, async () => {
        await managedMaterial(viewer, offeringId, materialId);
        const type = await inspect(file);
        return db.transaction(async (trx) => {
          const material = await queries.lockLiveMaterial(trx, materialId);
          if (!material) throw new NotFound();
          const version = await queries.insertVersion(trx, materialId, versionRow(file, type, viewer.id));
          await recordAudit(trx, actor, {
            action: 'material.version_added',
            subjectType: 'material',
            subjectId: materialId,
            after: { version, fileName: file.originalName, sha256: file.sha256, size: file.size },
          });
          return version;
        });
      });
    },

    /** Hides the material; its files stay (coordinators may need them as proof). */
    async deleteMaterial(viewer: SessionUser, offeringId: number, materialId: number, actor: Actor): Promise<{ title: string }> {
      await managedMaterial(viewer, offeringId, materialId);
      return db.transaction(async (trx) => {
        const material = await queries.lockLiveMaterial(trx, materialId);
        if (!material) throw new NotFound();
        await queries.markDeleted(trx, materialId, viewer.id);
        await recordAudit(trx, actor, { action: 'material.deleted', subjectType: 'material', subjectId: materialId, before: { title: material.title, visibility: material.visibility } });
        return { title: material.title };
      });
    },

    /**
     * The file to send: the current version for everyone who may see the material,
     * earlier versions for coordinators only.
     */
    async fileForDownload(viewer: SessionUser | undefined, materialId: number, options: { version?: number; inline?: boolean } = {}): Promise<StoredFile> {
      const access = await accessOrNotFound(viewer, materialId);
      assertCanView(viewer, access);
      const current = await queries.selectVersion(db, materialId);
      if (!current) throw new NotFound();
      let version = current;
      if (options.version !== undefined && options.version !== current.version) {
        if (!can(viewer, 'materials.manageAll')) throw new Forbidden();
        const earlier = await queries.selectVersion(db, materialId, options.version);
        if (!earlier) throw new NotFound();
        version = earlier;
      }
      return {
        storageKey: version.storage_key,
        size: version.size_bytes,
        contentType: version.content_type,
        fileName: version.original_name,
        sha256: version.sha256,
        lastModified: version.uploaded_at,
        disposition: options.inline && isInlineSafe(version.content_type) ? 'inline' : 'attachment',
      };
    },

    /** After a request: removes a received file unless a version row now points to it. */
    async discardUnlessStored(storageKey: string): Promise<void> {
      const inUse = await queries.selectKeysInUse(db, [storageKey]);
      if (!inUse.has(storageKey)) await storage.delete(storageKey);
    },

    /**
     * Removes files no version points to, older than `minimumAgeMs` (so uploads that are
     * still being written or committed are left alone): leftovers of crashes between
     * writing a file and its row, and of interrupted writes.
     */
    async removeOrphanFiles(minimumAgeMs = 60 * 60 * 1000, now = new Date()): Promise<{ removed: number }> {
      const cutoff = now.getTime() - minimumAgeMs;
      let removed = 0;
      let batch: { key: string; complete: boolean }[] = [];
      const flush = async () => {
        const inUse = await queries.selectKeysInUse(
          db,
          batch.filter((entry) => entry.complete).map((entry) => entry.key),
        );
        for (const entry of batch) {
          if (entry.complete && inUse.has(entry.key)) continue;
          await storage.delete(entry.key);
          removed += 1;
        }
        batch = [];
      };
      for await (const entry of storage.list()) {
        if (entry.modifiedAt.getTime() > cutoff) continue;
        batch.push(entry);
        if (batch.length >= 500) await flush();
      }
      await flush();
      if (removed > 0) logger?.info({ removed }, 'removed orphaned material files');
      return { removed };
    },
  };
}

export type MaterialsService = ReturnType<typeof createMaterialsService>;
