/** The catalog's kinds and states, shared by its queries, schemas and views. */
export const PROGRAMME_KINDS = ['series', 'workshop', 'event'] as const;
export type ProgrammeKind = (typeof PROGRAMME_KINDS)[number];
export const CERTIFICATE_KINDS = ['certificate', 'confirmation'] as const;
export type CertificateKind = (typeof CERTIFICATE_KINDS)[number];
export const COMPLETION_RULES = ['all', 'min'] as const;
export type CompletionRule = (typeof COMPLETION_RULES)[number];
export const OFFERING_STATUSES = ['draft', 'published', 'cancelled'] as const;
export type OfferingStatus = (typeof OFFERING_STATUSES)[number];
/** Participant list of an offering: one list per day for everybody, or one sheet per person (nobody sees who else came). */
export const SIGN_IN_SHEET_MODES = ['shared', 'per_person'] as const;
export type SignInSheetMode = (typeof SIGN_IN_SHEET_MODES)[number];
/** The funder's project title is printed as typed; the funding approvals we know stay well below this. */
export const FUNDER_PROJECT_TITLE_MAX = 300;
/** Where an offering stands in time, by its sessions: not begun (or no dates yet), running, or over. */
export const OFFERING_PERIODS = ['current', 'upcoming', 'running', 'past', 'all'] as const;
export type OfferingPeriod = (typeof OFFERING_PERIODS)[number];

/** `active`: draft or published, what a coordinator still works on; `any`: cancelled ones too. */
export const OFFERING_STATUS_CHOICES = ['active', 'draft', 'published', 'cancelled', 'any'] as const;
export type OfferingStatusChoice = (typeof OFFERING_STATUS_CHOICES)[number];
/** A session's own teaching units (UE): 40 of 45 minutes is a full working week, more is a typing error (CHECK in the database too). */
export const SESSION_TEACHING_UNITS_MAX = 40;
