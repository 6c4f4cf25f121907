import type { CertificatesService } from './certificates.service';
import type { CertificateRow } from './certificates.queries';
import { groupCode } from './certificate.model';

type Overview = Awaited<ReturnType<CertificatesService['overview']>>;

type Translate = (key: string, options?: Record<string, unknown>) => string;

/** Stands for the name while a label is translated once per page instead of once per row. */
const NAME = '\u0000name\u0000';

/**
 * Rows → what the coordinator's certificate page shows; the filter as the form and the page
 * links keep it. Labels are translated once per page (a translation call per cell was a fifth
 * of the page's time at county scale), the per-person ones by filling in the name.
 */
export function overviewView(overview: Overview, t: Translate) {
  const { offering, counts, page, filter } = overview;
  const label = (key: string) => t(`certificates.offering.${key}`);
  const labelFor = (action: string) => {
    const text = t('certificates.offering.actionFor', { action: label(action), name: NAME });
    return (name: string) => text.split(NAME).join(name);
  };
  const actionsFor = { download: labelFor('download'), reissue: labelFor('reissue'), revoke: labelFor('revoke'), issue: labelFor('issue') };
  return {
    labels: {
      completed: label('completed'),
      notCompleted: label('notCompleted'),
      eligible: label('eligible'),
      valid: t('certificates.status.valid'),
      download: label('download'),
      reissue: label('reissue'),
      revoke: label('revoke'),
      issue: label('issue'),
    },
    offering: { id: offering.id, title: offering.title },
    programme: { id: offering.programme_id, title: offering.programme_title },
    counts,
    filter: { q: filter.search ?? '', state: filter.state ?? '' },
    pagination: { page: page.page, pageCount: page.pageCount },
    rows: page.rows.map((row) => {
      const fullName = `${row.first_name} ${row.last_name}`;
      const valid = row.valid_id !== null && { id: row.valid_id, serial: row.valid_serial, issuedAt: row.valid_issued_at };
      return {
        userId: row.user_id,
        name: `${row.last_name}, ${row.first_name}`,
        organisation: row.organisation_name ?? '',
        completed: row.completed,
        valid,
        history: row.history,
        actions: valid
          ? { download: actionsFor.download(fullName), reissue: actionsFor.reissue(fullName), revoke: actionsFor.revoke(fullName) }
          : { issue: row.completed ? actionsFor.issue(fullName) : '' },
      };
    }),
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
    // An anonymised holder's name is withheld; the stored PDF still carries it, for the holder alone.
    name: snapshot.nameWithheld ? null : snapshot.name,
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
