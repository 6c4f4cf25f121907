/**
 * Everything printed on a certificate, fixed at issue and stored with it (jsonb). The PDF
 * is rendered from this alone, so the stored bytes, the verification page and a bulk
 * reprint all show the same facts, whatever changes in the catalog afterwards.
 */
export type CertificateSnapshot = {
  version: 1;
  kind: 'certificate' | 'confirmation';
  serial: string;
  /** 20 characters of Crockford base32 (100 random bits), without dashes. */
  verificationCode: string;
  verificationUrl: string;
  /** ISO instants; dates are printed in Europe/Berlin. */
  issuedAt: string;
  name: string;
  /** Set when the holder was anonymised (src/privacy/erasure): `name` is then a placeholder and the verification page withholds it. */
  nameWithheld?: true;
  programmeTitle: string;
  offeringTitle: string;
  place: string;
  periodFrom: string;
  periodTo: string;
  /** Series: the completed modules with the date(s) attended and their teaching units. */
  modules: { position: number; title: string; dates: string[]; teachingUnits: number }[];
  totalUnits: number;
  /** Workshops and events: the sessions attended. */
  sessions: { startsAt: string; endsAt: string }[];
  durationMinutes: number;
  template: CertificateTemplateData;
  regionName: string;
};

export type CertificateTemplateData = {
  title: string;
  body: string;
  fundingLine: string;
  signatories: { name: string; function: string; signatureImageId: number | null }[];
  logoImageIds: number[];
};

/** Uploaded images by id (logos, signatures), PNG or JPEG bytes. */
export type ImageSource = (id: number) => Buffer | undefined;

/** "ABCDE-FGHJK-MNPQR-STVWX": how the code is printed and shown. */
export function groupCode(code: string): string {
  return code.replace(/(.{5})(?=.)/g, '$1-');
}

/** What one valid certificate exists for: a series is completed once, across cohorts; a workshop or event per date. */
export function subjectKeyFor(programme: { id: number; kind: string }, offeringId: number): string {
  return programme.kind === 'series' ? `programme:${programme.id}` : `offering:${offeringId}`;
}
