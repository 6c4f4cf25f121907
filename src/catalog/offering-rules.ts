/**
 * When people may enroll in an offering and cancel their enrollment: written once here,
 * used by the catalog pages and by the enrollment domain's decisions.
 */
export type RegistrationFacts = {
  status: 'draft' | 'published' | 'cancelled';
  registration_opens_at: Date;
  registration_closes_at: Date;
  cancellation_deadline: Date | null;
  first_session_at: Date | null;
};

export type RegistrationState = 'notPublished' | 'cancelled' | 'started' | 'notYetOpen' | 'closed' | 'open';

/** Registration is open inside its window, for a published offering whose first session has not begun. */
export function registrationState(offering: RegistrationFacts, now: Date): RegistrationState {
  if (offering.status === 'cancelled') return 'cancelled';
  if (offering.status !== 'published') return 'notPublished';
  // Nobody joins a run that already began, whatever the window says.
  if (offering.first_session_at && offering.first_session_at <= now) return 'started';
  if (now < offering.registration_opens_at) return 'notYetOpen';
  if (now >= offering.registration_closes_at) return 'closed';
  return 'open';
}

/** Participants may cancel until the cancellation deadline, or without one until the first session. */
export function cancellationDeadline(offering: Pick<RegistrationFacts, 'cancellation_deadline' | 'first_session_at'>): Date | null {
  return offering.cancellation_deadline ?? offering.first_session_at;
}

export function mayCancelOwnEnrollment(offering: Pick<RegistrationFacts, 'cancellation_deadline' | 'first_session_at'>, now: Date): boolean {
  const deadline = cancellationDeadline(offering);
  return !deadline || now < deadline;
}
