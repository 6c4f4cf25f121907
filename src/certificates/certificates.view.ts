import type { CertificatesService } from './certificates.service';
import type { CertificateRow } from './certificates.queries';
import { groupCode } from './certificate.model';

type Overview = Awaited<ReturnType<CertificatesService['overview']>>;

/** Rows → what the coordinator's certificate page shows. */
export function overviewView(overview: Overview) {
  return {
    offering: overview.offering,
    programme: overview.programme,
    counts: overview.counts,
    rows: overview.rows.map((row) => ({
      userId: row.person.user_id,
      name: `${row.person.last_name}, ${row.person.first_name}`,
      fullName: `${row.person.first_name} ${row.person.last_name}`,
      organisation: row.person.organisation_name ?? '',
      completed: row.completed,
      valid: row.valid && { id: row.valid.id, serial: row.valid.serial, issuedAt: row.valid.issued_at },
      history: row.history.map((certificate) => ({ id: certificate.id, serial: certificate.serial, status: certificate.status, revokedAt: certificate.revoked_at, reason: certificate.revocation_reason })),
    })),
  };
}

/** What the public verification page shows: the facts printed on the paper, and nothing else about the person. */
export function verificationView(certificate: CertificateRow) {
  const snapshot = certificate.snapshot;
  return {
    status: certificate.status,
    revokedAt: certificate.revoked_at,
    supersededAt: certificate.superseded_at,
    kind: snapshot.kind,
    serial: snapshot.serial,
    code: groupCode(snapshot.verificationCode),
    name: snapshot.name,
    certificateTitle: snapshot.template.title,
    programmeTitle: snapshot.programmeTitle,
    offeringTitle: snapshot.offeringTitle,
    place: snapshot.place,
    periodFrom: snapshot.periodFrom,
    periodTo: snapshot.periodTo,
    modules: snapshot.modules,
    totalUnits: snapshot.totalUnits,
    sessions: snapshot.sessions,
    durationHours: new Intl.NumberFormat('de-DE', { maximumFractionDigits: 1 }).format(snapshot.durationMinutes / 60),
    issuedAt: snapshot.issuedAt,
    sha256: certificate.pdf_sha256,
  };
}
