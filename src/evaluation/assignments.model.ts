/** Which questionnaire a programme or an offering uses, and when: the rules without the database. */
export const SCOPES = ['session', 'module', 'offering'] as const;
export type Scope = (typeof SCOPES)[number];

export const DEFAULT_ANSWER_DAYS = 14;
export const ANSWER_DAYS_MIN = 1;
export const ANSWER_DAYS_MAX = 90;

/** What an offering does: follow its programme, use a questionnaire of its own, or not be evaluated. */
export const OFFERING_MODES = ['programme', 'other', 'none'] as const;
export type OfferingMode = (typeof OFFERING_MODES)[number];

/** Per module only makes sense where there are modules: a series. */
export function scopesFor(programmeKind: string): Scope[] {
  return programmeKind === 'series' ? [...SCOPES] : SCOPES.filter((scope) => scope !== 'module');
}

/** A series is evaluated per module, a workshop or Fachtag once at its end. */
export function defaultScope(programmeKind: string): Scope {
  return programmeKind === 'series' ? 'module' : 'offering';
}

export type AssignmentRow = { questionnaire_id: number | null; questionnaire_title: string | null; questionnaire_archived: boolean; scope: Scope; answer_days: number };

export type Effective =
  | { evaluated: false; source: 'offering' | 'programme' | null }
  | { evaluated: true; source: 'offering' | 'programme'; questionnaireId: number; title: string; scope: Scope; answerDays: number };

/**
 * What an offering will use: its own choice (a NULL questionnaire: not evaluated), else its
 * programme's default. An archived questionnaire opens nothing, so it counts as none.
 */
export function effectiveAssignment(own: AssignmentRow | undefined, programme: AssignmentRow | undefined): Effective {
  const row = own ?? programme;
  const source = own ? 'offering' : programme ? 'programme' : null;
  if (!row || source === null || row.questionnaire_id === null || row.questionnaire_archived) return { evaluated: false, source };
  return { evaluated: true, source, questionnaireId: row.questionnaire_id, title: row.questionnaire_title ?? '', scope: row.scope, answerDays: row.answer_days };
}
