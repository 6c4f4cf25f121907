/** The catalog's kinds and states, shared by its queries, schemas and views. */
export const PROGRAMME_KINDS = ['series', 'workshop', 'event'] as const;
export type ProgrammeKind = (typeof PROGRAMME_KINDS)[number];
export const CERTIFICATE_KINDS = ['certificate', 'confirmation'] as const;
export type CertificateKind = (typeof CERTIFICATE_KINDS)[number];
export const COMPLETION_RULES = ['all', 'min'] as const;
export type CompletionRule = (typeof COMPLETION_RULES)[number];
export const OFFERING_STATUSES = ['draft', 'published', 'cancelled'] as const;
export type OfferingStatus = (typeof OFFERING_STATUSES)[number];
