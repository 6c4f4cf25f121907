import { createHash, randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import archiver from 'archiver';
import type { SessionUser } from '../accounts/roles';
import type { AttendanceService } from '../attendance/attendance.service';
import type { CatalogService } from '../catalog/catalog.service';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { Conflict, Forbidden, NotFound } from '../http/errors';
import { renderCertificate, streamCertificates, type CertificateSnapshot, type CertificateTemplateData, type ImageSource } from './certificate.pdf';
import * as queries from './certificates.queries';
import type { CertificateTemplateService } from './template.service';

/** Crockford's base32: no I, L, O or U, so a code read off paper can't be mistyped into another. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_LENGTH = 20; // × 5 bits = 100 random bits
const CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{20}$/;

export function newVerificationCode(): string {
  const bytes = randomBytes(CODE_LENGTH); // one byte per character, 5 of its bits used
  return [...bytes].map((byte) => CROCKFORD[byte & 31]).join('');
}

/**
 * A code as somebody typed it: any case, with spaces or dashes, and the letters that
 * Crockford's alphabet reads as digits (O → 0, I and L → 1). Null if it can't be one.
 */
export function normaliseVerificationCode(input: string): string | null {
  const code = input
    .toUpperCase()
    .replace(/[\s\u2010-\u2015-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return CODE_PATTERN.test(code) ? code : null;
}

const berlinYear = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', year: 'numeric' });

const isCoordinator = (user: SessionUser | undefined) => user?.role === 'coordinator' || user?.role === 'admin';

/** What one valid certificate exists for: a series is completed once, across cohorts; a workshop or event per date. */
function subjectKeyFor(programme: { id: number; kind: string }, offeringId: number): string {
  return programme.kind === 'series' ? `programme:${programme.id}` : `offering:${offeringId}`;
}

type Completion = NonNullable<Awaited<ReturnType<AttendanceService['completionForCertificates']>>>;
type PersonCompletion = Completion['people'][number];

export type IssueOutcome = { certificate: queries.CertificateRow; created: boolean };
type PrintedOffering = { id: number; title: string; programme_title: string };
type Printing = { template: CertificateTemplateData; images: ImageSource };

const BATCH = 25;

/**
 * Certificates: who is eligible, issuing (serials without gaps, idempotent, PDF rendered
 * once and stored with its SHA-256), revocation, corrections, downloads and verification.
 * Every function checks the viewer itself, so no route can skip the check.
 */
export function createCertificatesService(deps: { db: Database; config: Config; attendance: AttendanceService; catalog: CatalogService; templates: CertificateTemplateService; now?: () => Date }) {
  const { db, config, attendance, catalog, templates } = deps;
  const now = deps.now ?? (() => new Date());

  function assertCoordinator(user: SessionUser | undefined): asserts user is SessionUser {
    if (!isCoordinator(user)) throw new Forbidden();
  }

  async function completionOf(offeringId: number, userIds?: number[]): Promise<Completion> {
    // Eligibility at this service's clock: only sessions that have started by now count.
    const completion = await attendance.completionForCertificates(offeringId, userIds, now());
    if (!completion) throw new NotFound();
    return completion;
  }

  function snapshotFor(completion: Completion, entry: PersonCompletion, template: CertificateTemplateData, serial: string, code: string, issuedAt: Date): CertificateSnapshot {
    const { programme, offering, modules } = completion;
    const times = entry.attended.map((session) => session.starts_at.getTime());
    const base = {
      version: 1 as const,
      serial,
      verificationCode: code,
      verificationUrl: `${config.baseUrl}/verify/${code}`,
      issuedAt: issuedAt.toISOString(),
      name: `${entry.person.first_name} ${entry.person.last_name}`,
      programmeTitle: programme.title,
      offeringTitle: offering.title,
      periodFrom: new Date(Math.min(...times)).toISOString(),
      periodTo: new Date(Math.max(...times)).toISOString(),
      template,
      regionName: config.region.name,
    };
    if (programme.kind === 'series') {
      const attendedModules = modules
        .map((module) => {
          const dates = entry.attended.filter((session) => session.module_id === module.id).map((session) => session.starts_at.toISOString());
          return { position: module.position, title: module.title, dates: [...new Set(dates)], teachingUnits: module.teaching_units };
        })
        .filter((module) => module.dates.length > 0);
      return {
        ...base,
        kind: 'certificate',
        place: offering.location,
        modules: attendedModules,
        totalUnits: attendedModules.reduce((sum, module) => sum + module.teachingUnits, 0),
        sessions: [],
        durationMinutes: 0,
      };
    }
    const sessions = entry.attended.map((session) => ({ startsAt: session.starts_at.toISOString(), endsAt: session.ends_at.toISOString() }));
    return {
      ...base,
      kind: 'confirmation',
      place: entry.attended[0]?.location || offering.location,
      modules: [],
      totalUnits: 0,
      sessions,
      durationMinutes: Math.round(entry.attended.reduce((sum, session) => sum + (session.ends_at.getTime() - session.starts_at.getTime()), 0) / 60000),
    };
  }

  /**
   * Issues one certificate in its own transaction: the person's subject is locked, an
   * existing valid certificate is returned as it is, otherwise the next serial is taken,
   * the PDF rendered and stored. `supersede` marks an earlier certificate as replaced.
   */
  /** Today's template of the programme and its images: what new certificates are printed with. */
  async function printingFor(programmeId: number): Promise<Printing> {
    const template = await templates.templateFor(programmeId);
    return { template, images: await templates.imageSource([template]) };
  }

  async function issueFor(completion: Completion, entry: PersonCompletion, printing: Printing, actor: Actor, issuedBy: number, supersede?: number): Promise<IssueOutcome> {
    const subjectKey = subjectKeyFor(completion.programme, completion.offering.id);
    const { template, images } = printing;
    return db.transaction(async (trx) => {
      await queries.lockSubject(trx, entry.person.user_id, subjectKey);
      const existing = await queries.findValidForSubject(trx, entry.person.user_id, subjectKey);
      if (existing && existing.id !== supersede) return { certificate: existing, created: false };
      if (supersede !== undefined && !existing) throw new Conflict('certificates.errors.notValid');

      const issuedAt = now();
      const year = Number(berlinYear.format(issuedAt));
      const number = await queries.takeSerialNumber(trx, year);
      const serial = `${config.certificates.serialPrefix}-${year}-${String(number).padStart(5, '0')}`;
      const code = newVerificationCode();
      const snapshot = snapshotFor(completion, entry, template, serial, code, issuedAt);
      const pdf = await renderCertificate(snapshot, { images });
      const id = await queries.reserveCertificateId(trx);
      if (supersede !== undefined) await queries.markSuperseded(trx, supersede, id);
      const certificate = await queries.insertCertificate(trx, {
        id,
        serial,
        serial_year: year,
        serial_number: number,
        verification_code: code,
        user_id: entry.person.user_id,
        programme_id: completion.programme.id,
        offering_id: completion.offering.id,
        subject_key: subjectKey,
        kind: snapshot.kind,
        snapshot,
        pdf,
        pdf_sha256: createHash('sha256').update(pdf).digest('hex'),
        issued_at: issuedAt,
        issued_by: issuedBy,
      });
      await recordAudit(trx, actor, {
        action: supersede === undefined ? 'certificate.issued' : 'certificate.corrected',
        subjectType: 'certificate',
        subjectId: certificate.id,
        before: supersede === undefined ? null : { supersededId: supersede },
        after: { serial, userId: entry.person.user_id, offeringId: completion.offering.id, sha256: certificate.pdf_sha256 },
      });
      return { certificate, created: true };
    });
  }

  return {
    /** The offering's confirmed people with their completion and certificates (latest first). */
    async overview(user: SessionUser, offeringId: number) {
      assertCoordinator(user);
      const completion = await completionOf(offeringId);
      const subjectKey = subjectKeyFor(completion.programme, offeringId);
      const certificates = await queries.selectForPeople(
        db,
        completion.people.map((entry) => entry.person.user_id),
        [subjectKey],
      );
      const rows = completion.people.map((entry) => {
        const own = certificates.filter((certificate) => certificate.user_id === entry.person.user_id);
        const valid = own.find((certificate) => certificate.status === 'valid') ?? null;
        return { person: entry.person, completed: entry.completed, valid, history: own.filter((certificate) => certificate !== valid) };
      });
      const counts = {
        eligible: rows.filter((row) => row.completed && !row.valid).length,
        issued: rows.filter((row) => row.valid).length,
        revoked: certificates.filter((certificate) => certificate.status === 'revoked').length,
      };
      return { offering: completion.offering, programme: completion.programme, rows, counts };
    },

    /** Issues for the given people, or for everyone eligible; people not eligible are refused. */
    async issue(user: SessionUser, offeringId: number, userIds: number[] | 'all', actor: Actor) {
      assertCoordinator(user);
      const completion = await completionOf(offeringId, userIds === 'all' ? undefined : userIds);
      const eligible = completion.people.filter((entry) => entry.completed);
      if (userIds !== 'all' && eligible.length !== userIds.length) throw new Conflict('certificates.errors.notEligible');
      const printing = await printingFor(completion.programme.id);
      let created = 0;
      let existing = 0;
      for (const entry of eligible) {
        const outcome = await issueFor(completion, entry, printing, actor, user.id);
        if (outcome.created) created += 1;
        else existing += 1;
      }
      return { created, existing };
    },

    /** A correction: a new certificate from today's data; the old one is shown as superseded. */
    async reissue(user: SessionUser, certificateId: number, actor: Actor) {
      assertCoordinator(user);
      const old = await queries.findCertificate(db, certificateId);
      if (!old) throw new NotFound();
      if (old.status !== 'valid') throw new Conflict('certificates.errors.notValid');
      const completion = await completionOf(old.offering_id, [old.user_id]);
      const entry = completion.people[0];
      if (!entry?.completed) throw new Conflict('certificates.errors.notEligible');
      return (await issueFor(completion, entry, await printingFor(completion.programme.id), actor, user.id, old.id)).certificate;
    },

    async revoke(user: SessionUser, certificateId: number, reason: string, actor: Actor) {
      assertCoordinator(user);
      return db.transaction(async (trx) => {
        const certificate = await queries.findCertificateForUpdate(trx, certificateId);
        if (!certificate) throw new NotFound();
        if ((await queries.markRevoked(trx, certificateId, user.id, reason)) === 0) throw new Conflict('certificates.errors.notValid');
        await recordAudit(trx, actor, { action: 'certificate.revoked', subjectType: 'certificate', subjectId: certificateId, before: { status: certificate.status }, after: { status: 'revoked', reason } });
        return certificate;
      });
    },

    /** For the revoke form: the certificate, to coordinators only. */
    async certificateForCoordinator(user: SessionUser, certificateId: number) {
      assertCoordinator(user);
      const certificate = await queries.findCertificate(db, certificateId);
      if (!certificate) throw new NotFound();
      return certificate;
    },

    /** The stored bytes, exactly as issued: to the person it was issued to and to coordinators; for anybody else it does not exist. */
    async pdfFor(user: SessionUser, certificateId: number) {
      const stored = await queries.selectPdf(db, certificateId);
      if (!stored || (stored.user_id !== user.id && !isCoordinator(user))) throw new NotFound();
      return stored;
    },

    async mine(user: SessionUser) {
      return queries.selectOfUser(db, user.id);
    },

    /** What the public verification page shows; undefined for a code that was never issued. */
    async verify(code: string) {
      const normalised = normaliseVerificationCode(code);
      if (!normalised) return undefined;
      return queries.findByVerificationCode(db, normalised);
    },

    /** The offering to print, to coordinators only: checked before the first byte of a stream goes out. */
    async offeringForPrinting(user: SessionUser, offeringId: number): Promise<PrintedOffering> {
      assertCoordinator(user);
      const offering = await catalog.offeringSummary(offeringId);
      if (!offering) throw new NotFound();
      return offering;
    },

    /**
     * All valid certificates of an offering as one PDF, drawn page by page from their
     * snapshots in batches while the client reads (memory stays flat).
     */
    async streamOfferingPdf(user: SessionUser, offering: PrintedOffering, output: Writable, title: string) {
      assertCoordinator(user);
      const offeringId = offering.id;
      async function* batches() {
        let afterId = 0;
        for (;;) {
          const rows = await queries.selectValidOfOfferingBatch(db, offeringId, afterId, BATCH);
          if (rows.length === 0) return;
          afterId = rows[rows.length - 1]!.id;
          yield rows.map((row) => row.snapshot);
        }
      }
      // Certificates keep the template they were issued with, so their images are loaded, not today's.
      const images = await templates.imageSource(await queries.selectTemplatesOfOffering(db, offeringId));
      return streamCertificates(output, { title, subject: offering.programme_title, author: config.region.name }, batches(), images);
    },

    /** All valid certificates of an offering as a ZIP of their stored PDFs, named by serial. */
    async streamOfferingZip(user: SessionUser, offering: PrintedOffering, output: Writable) {
      assertCoordinator(user);
      const offeringId = offering.id;
      const archive = archiver('zip', { zlib: { level: 1 } });
      const done = new Promise<void>((resolve, reject) => {
        output.on('close', resolve);
        output.on('finish', resolve);
        archive.on('error', reject);
      });
      archive.pipe(output);
      let afterId = 0;
      for (;;) {
        const rows = await queries.selectValidPdfsOfOfferingBatch(db, offeringId, afterId, BATCH);
        if (rows.length === 0) break;
        afterId = rows[rows.length - 1]!.id;
        for (const row of rows) archive.append(row.pdf, { name: `${row.serial}_${fileSafe(row.snapshot.name)}.pdf`, date: new Date(row.snapshot.issuedAt) });
        // Let the archive drain before the next batch is read.
        while (archive.readableLength > 8 * 1024 * 1024 && !output.destroyed) await new Promise((resolve) => setTimeout(resolve, 5));
        if (output.destroyed) break;
      }
      await archive.finalize();
      await done;
    },
  };
}

/** A name for a file inside the ZIP: letters (umlauts too), digits and dashes. */
function fileSafe(name: string): string {
  return name
    .normalize('NFC')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60);
}

export type CertificatesService = ReturnType<typeof createCertificatesService>;
