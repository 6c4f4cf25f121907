import { cancellationDeadline, mayCancelOwnEnrollment, registrationState, type RegistrationFacts } from '../../src/catalog/offering-rules';

const at = (iso: string) => new Date(iso);
const offering = (overrides: Partial<RegistrationFacts> = {}): RegistrationFacts => ({
  status: 'published',
  registration_opens_at: at('2026-03-01T08:00:00Z'),
  registration_closes_at: at('2026-04-01T08:00:00Z'),
  cancellation_deadline: null,
  first_session_at: at('2026-04-10T07:00:00Z'),
  ...overrides,
});

describe('registration state', () => {
  it('is open inside the window of a published offering', () => {
    expect(registrationState(offering(), at('2026-03-15T12:00:00Z'))).toBe('open');
    expect(registrationState(offering(), at('2026-03-01T08:00:00Z'))).toBe('open');
  });

  it('is not yet open before the window and closed from its end on', () => {
    expect(registrationState(offering(), at('2026-02-28T23:59:59Z'))).toBe('notYetOpen');
    expect(registrationState(offering(), at('2026-04-01T08:00:00Z'))).toBe('closed');
  });

  it('ends when the first session begins, even inside a window that was set too long', () => {
    const late = offering({ registration_closes_at: at('2026-05-01T00:00:00Z') });
    expect(registrationState(late, at('2026-04-10T07:00:00Z'))).toBe('started');
  });

  it('never opens for drafts or cancelled offerings', () => {
    expect(registrationState(offering({ status: 'draft' }), at('2026-03-15T12:00:00Z'))).toBe('notPublished');
    expect(registrationState(offering({ status: 'cancelled' }), at('2026-03-15T12:00:00Z'))).toBe('cancelled');
  });
});

describe('cancelling one’s own enrollment', () => {
  it('is possible until the deadline, else until the first session', () => {
    const withDeadline = offering({ cancellation_deadline: at('2026-04-03T22:00:00Z') });
    expect(cancellationDeadline(withDeadline)).toEqual(at('2026-04-03T22:00:00Z'));
    expect(mayCancelOwnEnrollment(withDeadline, at('2026-04-03T21:59:59Z'))).toBe(true);
    expect(mayCancelOwnEnrollment(withDeadline, at('2026-04-03T22:00:00Z'))).toBe(false);
    expect(cancellationDeadline(offering())).toEqual(at('2026-04-10T07:00:00Z'));
    expect(mayCancelOwnEnrollment(offering(), at('2026-04-10T06:59:00Z'))).toBe(true);
  });

  it('is always possible for an offering without sessions or deadline', () => {
    expect(mayCancelOwnEnrollment(offering({ first_session_at: null }), at('2030-01-01T00:00:00Z'))).toBe(true);
  });
});
