import { selectPersonalProfile, type PersonalProfile } from '../accounts/personal-data';
import type { SessionUser } from '../accounts/roles';
import { selectPersonalAttendance, selectPersonalExcuses, type PersonalAttendance, type PersonalExcuse } from '../attendance/personal-data';
import { selectPersonalAuditEntries, type PersonalAuditEntry } from '../audit/personal-data';
import { selectPersonalCertificates, type PersonalCertificate } from '../certificates/personal-data';
import type { Database } from '../db/database';
import { selectPersonalEnrollments, type PersonalEnrollment } from '../enrollment/personal-data';
import { selectPersonalEvaluations, type PersonalEvaluation } from '../evaluation/personal-data';
import { selectPersonalMails, type PersonalMail } from '../mail/personal-data';
import { NotFound } from '../shared/errors';

/** Everything stored about one person, each part read by the domain that owns it. */
export type PersonalData = {
  generatedAt: Date;
  profile: PersonalProfile;
  enrollments: PersonalEnrollment[];
  attendance: PersonalAttendance[];
  excuses: PersonalExcuse[];
  certificates: PersonalCertificate[];
  auditEntries: PersonalAuditEntry[];
  mails: PersonalMail[];
  /** Open evaluations the person is invited to and whether they answered (yes/no); never the answers, which nothing links to them. */
  evaluations: PersonalEvaluation[];
};

/**
 * Access and portability (Art. 15 and 20 DSGVO): a person downloads their own data. Always
 * one's own (the service takes only the logged-in person), so no permission beyond login.
 * Eight statements whatever the history: the audit entries need the enrollment, excuse and
 * certificate ids, so they are read after the others (which run side by side).
 */
export function createExportService(db: Database, options: { now?: () => Date } = {}) {
  const now = options.now ?? (() => new Date());
  return {
    async mine(user: SessionUser): Promise<PersonalData> {
      const profile = await selectPersonalProfile(db, user.id);
      if (!profile) throw new NotFound();
      const [enrollments, attendance, excuses, certificates, mails, evaluations] = await Promise.all([
        selectPersonalEnrollments(db, user.id),
        selectPersonalAttendance(db, user.id),
        selectPersonalExcuses(db, user.id),
        selectPersonalCertificates(db, user.id),
        selectPersonalMails(db, profile.email),
        selectPersonalEvaluations(db, user.id),
      ]);
      const auditEntries = await selectPersonalAuditEntries(db, {
        userId: user.id,
        enrollmentIds: enrollments.map((row) => row.id),
        excuseIds: excuses.map((row) => row.id),
        certificateIds: certificates.map((row) => row.id),
      });
      return { generatedAt: now(), profile, enrollments, attendance, excuses, certificates, auditEntries, mails, evaluations };
    },
  };
}

export type ExportService = ReturnType<typeof createExportService>;

/** The JSON file: stable English keys, ISO instants, nothing but the person's own data. */
export function personalDataJson(data: PersonalData) {
  const { profile } = data;
  return {
    generatedAt: data.generatedAt.toISOString(),
    profile: {
      id: profile.id,
      firstName: profile.first_name,
      lastName: profile.last_name,
      email: profile.email,
      organisation: profile.organisation_name,
      department: profile.department,
      role: profile.role,
      locale: profile.locale,
      emailVerifiedAt: profile.email_verified_at,
      lastLoginAt: profile.last_login_at,
      registeredAt: profile.created_at,
      singleSignOn: profile.external_identities.map((link) => ({ provider: link.provider, subject: link.subject, linkedAt: link.created_at, lastLoginAt: link.last_login_at })),
      secondFactor: profile.has_second_factor,
    },
    enrollments: data.enrollments.map((row) => ({
      id: row.id,
      programme: row.programme_title,
      offering: row.offering_title,
      status: row.status,
      requestedAt: row.requested_at,
      confirmedAt: row.confirmed_at,
      cancelledAt: row.cancelled_at,
      note: row.note,
    })),
    attendance: data.attendance.map((row) => ({ sessionId: row.session_id, sessionStartsAt: row.starts_at, offering: row.offering_title, module: row.module_title, status: row.status, source: row.source, recordedAt: row.recorded_at })),
    excuses: data.excuses.map((row) => ({ id: row.id, sessionId: row.session_id, sessionStartsAt: row.starts_at, offering: row.offering_title, reason: row.reason, status: row.status, submittedAt: row.submitted_at, decidedAt: row.decided_at })),
    certificates: data.certificates.map((row) => ({
      id: row.id,
      serial: row.serial,
      kind: row.kind,
      title: row.title,
      programme: row.programme_title,
      status: row.status,
      issuedAt: row.issued_at,
      revokedAt: row.revoked_at,
      verificationUrl: row.verification_url,
      pdfSha256: row.pdf_sha256,
    })),
    auditEntries: data.auditEntries.map((row) => ({
      id: Number(row.id),
      occurredAt: row.occurred_at,
      action: row.action,
      subject: row.subject_type === null ? null : { type: row.subject_type, id: row.subject_id },
      byYou: row.by_self,
      ip: row.ip,
      before: row.before,
      after: row.after,
    })),
    mails: data.mails.map((row) => ({ id: Number(row.id), subject: row.subject, queuedAt: row.created_at, sentAt: row.sent_at })),
    evaluations: data.evaluations.map((row) => ({
      evaluationId: row.evaluation_id,
      offering: row.offering_title,
      programme: row.programme_title,
      module: row.module_title,
      sessionStartsAt: row.session_starts_at,
      closesAt: row.closes_at,
      answered: row.has_answered,
    })),
  };
}

/** "Meine-Daten-2026-12-02.json": the day in Berlin. */
export function exportFileName(base: string, data: PersonalData, extension: 'json' | 'pdf'): string {
  const day = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin' }).format(data.generatedAt);
  return `${base}-${day}.${extension}`;
}
