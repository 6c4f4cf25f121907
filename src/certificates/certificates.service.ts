import { createHash } from 'node:crypto';
import type { SessionUser } from '../accounts/roles';
import type { AttendanceService } from '../attendance/attendance.service';
import { recordAudit, type Actor } from '../audit/audit.service';
import type { Config } from '../config';
import type { Database } from '../db/database';
import { Conflict, NotFound } from '../shared/errors';
import { assertCan, can } from '../accounts/permissions';
import { renderCertificate, type CertificateSnapshot, type CertificateTemplateData, type ImageSource } from './certificate.pdf';
import * as queries from './certificates.queries';
import type { CertificateTemplateService } from './template.service';
import { newVerificationCode, normaliseVerificationCode } from './verification-code';
import { subjectKeyFor } from './certificate.model';
import { createCertificateOverview } from './overview.service';

const berlinYear = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', year: 'numeric' });


type Completion = NonNullable<Awaited<ReturnType<AttendanceService['completionForCertificates']>>>;
type PersonCompletion = Completion['people'][number];

/** People issued for in one transaction: one lock run, one serial run, one insert, one audit entry. */
const ISSUE_BATCH = 50;

export type IssueOutcome = { certificate: queries.CertificateRow; created: boolean };
type Printing = { template: CertificateTemplateData; images: ImageSource };

/**
 * Certificates: who is eligible, issuing (serials without gaps, idempotent, PDF rendered
 * once and stored with its SHA-256), revocation, corrections, downloads and verification.
 * Every function checks the viewer itself, so no route can skip the check.
 */
/** The row of a new certificate: what its snapshot says, the PDF drawn from it and that PDF's hash. */
function newCertificateRow(
  issue: { year: number; number: number; completion: Completion; entry: PersonCompletion; subjectKey: string; issuedAt: Date; issuedBy: number },
  snapshot: CertificateSnapshot,
  pdf: Buffer,
): queries.NewCertificate {
  return {
    serial: snapshot.serial,
    serial_year: issue.year,
    serial_number: issue.number,
    verification_code: snapshot.verificationCode,
    user_id: issue.entry.person.user_id,
    programme_id: issue.completion.programme.id,
    offering_id: issue.completion.offering.id,
    subject_key: issue.subjectKey,
    kind: snapshot.kind,
    snapshot,
    pdf,
    pdf_sha256: createHash('sha256').update(pdf).digest('hex'),
    issued_at: issue.issuedAt,
    issued_by: issue.issuedBy,
  };
}

export function createCertificatesService(deps: { db: Database; config: Config; attendance: AttendanceService; templates: CertificateTemplateService; now?: () => Date }) {
  const { db, config, attendance, templates } = deps;
  const now = deps.now ?? (() => new Date());

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

  /** Today's template of the programme and its images: what new certificates are printed with. */
  async function printingFor(programmeId: number): Promise<Printing> {
    const template = await templates.templateFor(programmeId);
    return { template, images: await templates.imageSource([template]) };
  }

  /**
   * Issues for up to ISSUE_BATCH people in one transaction, set-based: their subjects are
   * locked, those already holding a valid certificate are skipped, a run of serials is
   * taken, the PDFs are rendered and stored in one insert, and one audit entry lists them.
   * The serial counter stays locked while the batch renders (under a second), which keeps
   * serials gap-free; other issuers wait that long at most.
   */
  async function issueBatch(completion: Completion, entries: PersonCompletion[], printing: Printing, actor: Actor, issuedBy: number): Promise<{ created: number; existing: number }> {
    const subjectKey = subjectKeyFor(completion.programme, completion.offering.id);
    const userIds = entries.map((entry) => entry.person.user_id);
    return db.transaction(async (trx) => {
      await queries.lockSubjects(trx, userIds, subjectKey);
      const holders = new Set(await queries.selectHoldersOfSubject(trx, userIds, subjectKey));
      const fresh = entries.filter((entry) => !holders.has(entry.person.user_id));
      if (fresh.length === 0) return { created: 0, existing: entries.length };
      const issuedAt = now();
      const year = Number(berlinYear.format(issuedAt));
      const firstNumber = await queries.takeSerialNumbers(trx, year, fresh.length);
      const rows: queries.NewCertificate[] = [];
      for (const [index, entry] of fresh.entries()) {
        const number = firstNumber + index;
        const serial = `${config.certificates.serialPrefix}-${year}-${String(number).padStart(5, '0')}`;
        const snapshot = snapshotFor(completion, entry, printing.template, serial, newVerificationCode(), issuedAt);
        const pdf = await renderCertificate(snapshot, { images: printing.images });
        rows.push(newCertificateRow({ year, number, completion, entry, subjectKey, issuedAt, issuedBy }, snapshot, pdf));
      }
      const inserted = await queries.insertCertificates(trx, rows);
      await recordAudit(trx, actor, {
        action: 'certificates.issued',
        subjectType: 'offering',
        subjectId: completion.offering.id,
        after: { certificates: inserted.map((row) => ({ id: row.id, serial: row.serial, userId: row.user_id, sha256: row.pdf_sha256 })) },
      });
      return { created: fresh.length, existing: entries.length - fresh.length };
    });
  }

  /**
   * A correction in its own transaction: the person's subject is locked, the next serial
   * taken, the PDF rendered and stored, and the earlier certificate marked as replaced.
   */
  async function correct(completion: Completion, entry: PersonCompletion, printing: Printing, actor: Actor, issuedBy: number, supersede: number): Promise<IssueOutcome> {
    const subjectKey = subjectKeyFor(completion.programme, completion.offering.id);
    const { template, images } = printing;
    return db.transaction(async (trx) => {
      await queries.lockSubject(trx, entry.person.user_id, subjectKey);
      const existing = await queries.findValidForSubject(trx, entry.person.user_id, subjectKey);
      // Corrected meanwhile by somebody else: theirs stands.
      if (existing && existing.id !== supersede) return { certificate: existing, created: false };
      if (!existing) throw new Conflict('certificates.errors.notValid');

      const issuedAt = now();
      const year = Number(berlinYear.format(issuedAt));
      const number = await queries.takeSerialNumber(trx, year);
      const serial = `${config.certificates.serialPrefix}-${year}-${String(number).padStart(5, '0')}`;
      const code = newVerificationCode();
      const snapshot = snapshotFor(completion, entry, template, serial, code, issuedAt);
      const pdf = await renderCertificate(snapshot, { images });
      const id = await queries.reserveCertificateId(trx);
      await queries.markSuperseded(trx, supersede, id);
      const certificate = await queries.insertCertificate(trx, { id, ...newCertificateRow({ year, number, completion, entry, subjectKey, issuedAt, issuedBy }, snapshot, pdf) });
      await recordAudit(trx, actor, {
        action: 'certificate.corrected',
        subjectType: 'certificate',
        subjectId: certificate.id,
        before: { supersededId: supersede },
        after: { serial, userId: entry.person.user_id, offeringId: completion.offering.id, sha256: certificate.pdf_sha256 },
      });
      return { certificate, created: true };
    });
  }

  return {
    /** The coordinator's page: counts for the whole offering, one page of people (overview.service.ts). */
    overview: createCertificateOverview(db, now),

    /** Issues for the given people, or for everyone eligible; people not eligible are refused. */
    async issue(user: SessionUser, offeringId: number, userIds: number[] | 'all', actor: Actor) {
      assertCan(user, 'certificates.manage');
      const completion = await completionOf(offeringId, userIds === 'all' ? undefined : userIds);
      const eligible = completion.people.filter((entry) => entry.completed);
      if (userIds !== 'all' && eligible.length !== userIds.length) throw new Conflict('certificates.errors.notEligible');
      const printing = await printingFor(completion.programme.id);
      const outcome = { created: 0, existing: 0 };
      for (let start = 0; start < eligible.length; start += ISSUE_BATCH) {
        const batch = await issueBatch(completion, eligible.slice(start, start + ISSUE_BATCH), printing, actor, user.id);
        outcome.created += batch.created;
        outcome.existing += batch.existing;
      }
      return outcome;
    },

    /** A correction: a new certificate from today's data; the old one is shown as superseded. */
    async reissue(user: SessionUser, certificateId: number, actor: Actor) {
      assertCan(user, 'certificates.manage');
      const old = await queries.findCertificate(db, certificateId);
      if (!old) throw new NotFound();
      if (old.status !== 'valid') throw new Conflict('certificates.errors.notValid');
      const completion = await completionOf(old.offering_id, [old.user_id]);
      const entry = completion.people[0];
      if (!entry?.completed) throw new Conflict('certificates.errors.notEligible');
      return (await correct(completion, entry, await printingFor(completion.programme.id), actor, user.id, old.id)).certificate;
    },

    async revoke(user: SessionUser, certificateId: number, reason: string, actor: Actor) {
      assertCan(user, 'certificates.manage');
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
      assertCan(user, 'certificates.manage');
      const certificate = await queries.findCertificate(db, certificateId);
      if (!certificate) throw new NotFound();
      return certificate;
    },

    /** The stored bytes, exactly as issued: to the person it was issued to and to coordinators; for anybody else it does not exist. */
    async pdfFor(user: SessionUser, certificateId: number) {
      const stored = await queries.selectPdf(db, certificateId);
      if (!stored || (stored.user_id !== user.id && !can(user, 'certificates.manage'))) throw new NotFound();
      return stored;
    },

    /** A person's own certificates: what the list shows, not the snapshots. */
    async mine(user: SessionUser) {
      return queries.selectListOfUser(db, user.id);
    },

    /** What the public verification page shows; undefined for a code that was never issued. */
    async verify(code: string) {
      const normalised = normaliseVerificationCode(code);
      if (!normalised) return undefined;
      return queries.findByVerificationCode(db, normalised);
    },
  };
}

export type CertificatesService = ReturnType<typeof createCertificatesService>;
