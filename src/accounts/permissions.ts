import { Forbidden } from '../shared/errors';
import type { Role, SessionUser } from './roles';

/**
 * Who may do what, decided in one place. Services call `assertCan` (or `can`) before they
 * read or write protected data, so a new route cannot forget the check; route guards are
 * only the first, coarse filter. Relations ("teaches this session") are facts the service
 * looks up and passes in; the rule about them is written here.
 */
export type Permission =
  /** Programmes, modules, offerings (also drafts) and sessions. */
  | 'catalog.manage'
  /** Enrollments of any person: lists, approve, move, cancel, bulk enrollment. */
  | 'enrollment.manage'
  /** Attendance of every session: roll calls, excuses, matrices, sign-in sheets. */
  | 'attendance.manageAll'
  /** Issuing, revoking, printing certificates; certificate templates. */
  | 'certificates.manage'
  /** Materials of every offering. */
  | 'materials.manageAll'
  /** The list of organisations people register with. */
  | 'organisations.manage'
  /** Accounts and roles. */
  | 'accounts.administer'
  /** Funder reports and their files (figures of every offering and person). */
  | 'reports.view'
  /** Correcting a person's name, department and organisation (right to rectification, Art. 16 DSGVO). */
  | 'people.correct'
  /** The audit trail: who did what to whom, from where (administration only). */
  | 'audit.view'
  /** The audit entries about programmes, their offerings, sessions and records (coordination; never accounts or logins). */
  | 'audit.viewProgrammes'
  /** The Löschkonzept: retention rules, their runs, a run on demand (administration only). */
  | 'privacy.manage'
  /** Evaluation questionnaires and which programme or offering uses which. */
  | 'evaluation.manage'
  /**
   * Results of closed evaluations. Coordination sees every evaluation; a trainer only those of
   * sessions they taught (the results service looks that up, see `seesAllEvaluationResults`).
   */
  | 'evaluation.viewResults'
  /**
   * Writing to the people of an offering (src/messages). Coordination only: a message to a whole
   * offering speaks for the coordinating office; trainers talk to their group in the session.
   */
  | 'messages.send';

const COORDINATION: Permission[] = ['catalog.manage', 'enrollment.manage', 'attendance.manageAll', 'certificates.manage', 'materials.manageAll', 'organisations.manage', 'reports.view', 'people.correct', 'audit.viewProgrammes', 'evaluation.manage', 'evaluation.viewResults', 'messages.send'];

const PERMISSIONS_BY_ROLE: Record<Role, readonly Permission[]> = {
  participant: [],
  trainer: ['evaluation.viewResults'],
  coordinator: COORDINATION,
  admin: [...COORDINATION, 'accounts.administer', 'audit.view', 'privacy.manage'],
};

export function can(user: SessionUser | undefined | null, permission: Permission): user is SessionUser {
  return !!user && PERMISSIONS_BY_ROLE[user.role].includes(permission);
}

export function assertCan(user: SessionUser | undefined | null, permission: Permission): asserts user is SessionUser {
  if (!can(user, permission)) throw new Forbidden();
}

/**
 * Teaching gives a trainer the session's roll call, check-in and materials. The assignment
 * (session_trainers) outlives a change of role as the record of who taught; only a person
 * who is a trainer now acts as one.
 */
export function teaches(user: SessionUser | undefined | null, assignedTrainerIds: readonly number[]): boolean {
  return !!user && teachesHere(user, assignedTrainerIds.includes(user.id));
}

/** The same rule where the assignment was looked up in SQL (`assigned`: this person teaches here). */
export function teachesHere(user: SessionUser | undefined | null, assigned: boolean): boolean {
  return !!user && user.role === 'trainer' && assigned;
}

/** Evaluation results of every offering: whoever sees the funder figures of every offering; anybody else only what they taught. */
export function seesAllEvaluationResults(user: SessionUser | undefined | null): user is SessionUser {
  return can(user, 'evaluation.viewResults') && can(user, 'reports.view');
}

/** Staff of a session: whoever manages all attendance, or teaches it. */
export function isStaffOfSession(user: SessionUser | undefined | null, session: { trainer_ids: readonly number[] }): user is SessionUser {
  return can(user, 'attendance.manageAll') || teaches(user, session.trainer_ids);
}
