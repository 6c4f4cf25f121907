import { useTestApp, linkIn } from '../support/app';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { assignQuestionnaire, createQuestionnaire } from '../support/evaluation-factories';
import { createUser } from '../support/factories';
import { createEvaluationLifecycle } from '../../src/evaluation/evaluations.service';
import type { Database } from '../../src/db/database';

const DAY_MS = 24 * 60 * 60 * 1000;

async function mark(db: Database, sessionId: number, userId: number, status: 'present' | 'late' | 'excused' | 'absent') {
  await db('attendance_records').insert({ session_id: sessionId, user_id: userId, status, source: 'roll_call' });
}

describe('evaluation lifecycle: opening, invitations, late roll calls, reminder, closing', () => {
  const ctx = useTestApp();
  const lifecycle = () => createEvaluationLifecycle({ db: ctx.db, outbox: ctx.outbox, config: ctx.config });

  /** A workshop whose one session ended yesterday, evaluated once per offering by its programme's default. */
  async function endedWorkshop(options: { answerDays?: number } = {}) {
    const programme = await createProgramme(ctx.db, { kind: 'workshop' });
    const offering = await createOffering(ctx.db, { programmeId: programme.id, title: 'Workshop Herbst', startsInDays: -1 });
    const questionnaire = await createQuestionnaire(ctx.db, { title: 'Feedback Workshop' });
    await assignQuestionnaire(ctx.db, { programmeId: programme.id, questionnaireId: questionnaire.questionnaireId, scope: 'offering', answerDays: options.answerDays ?? 14 });
    return { programme, offering, questionnaire, sessionId: offering.sessionIds[0]! };
  }

  it('opens when the offering ended and invites exactly the people marked present or late (with an active account), in their language', async () => {
    const { offering, questionnaire, sessionId } = await endedWorkshop();
    const present = await createUser(ctx.db, { firstName: 'Paula', lastName: 'Pünktlich' });
    const late = await createUser(ctx.db, { firstName: 'Lars', lastName: 'Later', locale: 'en' });
    const excused = await createUser(ctx.db);
    const absent = await createUser(ctx.db);
    const deactivated = await createUser(ctx.db, { active: false });
    await mark(ctx.db, sessionId, deactivated.id, 'present');
    await mark(ctx.db, sessionId, present.id, 'present');
    await mark(ctx.db, sessionId, late.id, 'late');
    await mark(ctx.db, sessionId, excused.id, 'excused');
    await mark(ctx.db, sessionId, absent.id, 'absent');

    const run = await lifecycle().run(new Date());
    expect(run).toEqual({ opened: 1, invited: 2, reminded: 0, closed: 0 });

    const [evaluation] = await ctx.db('evaluations').select('id', 'version_id', 'scope', 'offering_id', 'closes_at', 'opens_at');
    expect(evaluation).toMatchObject({ version_id: questionnaire.versionId, scope: 'offering', offering_id: offering.id });
    expect(Math.round((evaluation.closes_at.getTime() - evaluation.opens_at.getTime()) / DAY_MS)).toBe(14);
    // From now on this version is frozen: an edit makes a new one.
    expect((await ctx.db('questionnaire_versions').where({ id: questionnaire.versionId }).first()).in_use_since).not.toBeNull();
    const participants = await ctx.db('evaluation_participants').select('user_id', 'has_answered').orderBy('user_id');
    expect(participants).toEqual([
      { user_id: present.id, has_answered: false },
      { user_id: late.id, has_answered: false },
    ]);

    await ctx.deliverMail();
    expect(ctx.mailbox.map((mail) => mail.to).sort()).toEqual([present.email, late.email].sort());
    const german = ctx.mailbox.find((mail) => mail.to === present.email)!;
    expect(german.subject).toBe('Ihre Rückmeldung: Workshop Herbst (Umgang mit extremistischen Gruppierungen)');
    expect(german.text).toContain('Guten Tag Paula Pünktlich');
    expect(german.text).toContain(`bis zum ${evaluation.closes_at.toLocaleDateString('de-DE', { timeZone: 'Europe/Berlin', day: '2-digit', month: '2-digit', year: 'numeric' })}`);
    expect(linkIn(german)).toBe(`/evaluations/${evaluation.id}`);
    expect(german).toMatchObject({ userId: present.id, kind: 'evaluation.invitation' });
    const english = ctx.mailbox.find((mail) => mail.to === late.email)!;
    expect(english.subject).toBe('Your feedback: Workshop Herbst (Umgang mit extremistischen Gruppierungen)');
  });

  it('opens and invites once, also when two instances run the job at the same moment', async () => {
    const { sessionId } = await endedWorkshop();
    const people = await Promise.all([1, 2, 3].map(() => createUser(ctx.db)));
    for (const person of people) await mark(ctx.db, sessionId, person.id, 'present');

    const now = new Date();
    const runs = await Promise.all([lifecycle().run(now), lifecycle().run(now)]);
    expect(runs.map((run) => run.opened).sort()).toEqual([0, 1]);
    expect(runs[0]!.invited + runs[1]!.invited).toBe(3);
    expect(await lifecycle().run(new Date())).toEqual({ opened: 0, invited: 0, reminded: 0, closed: 0 });
    await ctx.deliverMail();
    expect(ctx.mailbox).toHaveLength(3);
    expect((await ctx.db('evaluations').count({ n: '*' }))[0]).toEqual({ n: 1 });
  });

  it('invites a person whose roll call is saved after the opening, and only them', async () => {
    const { sessionId } = await endedWorkshop();
    const early = await createUser(ctx.db);
    const marked = await createUser(ctx.db);
    await mark(ctx.db, sessionId, early.id, 'present');
    await lifecycle().run(new Date());
    await ctx.deliverMail();
    ctx.mailbox.length = 0;

    await mark(ctx.db, sessionId, marked.id, 'late');
    expect(await lifecycle().run(new Date())).toMatchObject({ opened: 0, invited: 1 });
    await ctx.deliverMail();
    expect(ctx.mailbox.map((mail) => mail.to)).toEqual([marked.email]);
  });

  it('opens nothing without a questionnaire, for an offering that chose none, or before the subject has ended', async () => {
    const unassigned = await createOffering(ctx.db, { startsInDays: -1 });
    const { programme } = await endedWorkshop();
    await ctx.db('evaluation_assignments').delete();
    const questionnaire = await createQuestionnaire(ctx.db);
    await assignQuestionnaire(ctx.db, { programmeId: programme.id, questionnaireId: questionnaire.questionnaireId, scope: 'offering' });
    const optedOut = await createOffering(ctx.db, { programmeId: programme.id, startsInDays: -2 });
    await assignQuestionnaire(ctx.db, { offeringId: optedOut.id, questionnaireId: null, scope: 'offering' });
    const running = await createOffering(ctx.db, { programmeId: programme.id, startsInDays: -1, sessions: 2 });
    for (const offering of [unassigned, optedOut, running]) {
      const person = await createUser(ctx.db);
      await mark(ctx.db, offering.sessionIds[0]!, person.id, 'present');
    }

    await lifecycle().run(new Date());
    const opened = await ctx.db('evaluations').pluck('offering_id');
    expect(opened).not.toContain(unassigned.id);
    expect(opened).not.toContain(optedOut.id);
    // Its second session is two weeks ahead: an offering is evaluated once, at its end.
    expect(opened).not.toContain(running.id);
  });

  it('an offering may use another questionnaire than its programme', async () => {
    const { offering, sessionId } = await endedWorkshop();
    const own = await createQuestionnaire(ctx.db, { title: 'Fachtag-Fragebogen' });
    await assignQuestionnaire(ctx.db, { offeringId: offering.id, questionnaireId: own.questionnaireId, scope: 'offering' });
    await mark(ctx.db, sessionId, (await createUser(ctx.db)).id, 'present');
    await lifecycle().run(new Date());
    expect(await ctx.db('evaluations').pluck('version_id')).toEqual([own.versionId]);
  });

  it('scope session: each ended session is evaluated by itself, with the people of that session', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'workshop' });
    const questionnaire = await createQuestionnaire(ctx.db);
    await assignQuestionnaire(ctx.db, { programmeId: programme.id, questionnaireId: questionnaire.questionnaireId, scope: 'session', answerDays: 30 });
    // Sessions 20 and 6 days ago, and one in 8 days.
    const offering = await createOffering(ctx.db, { programmeId: programme.id, startsInDays: -20, sessions: 3, registrationOpensInDays: -40 });
    const [first, second, future] = offering.sessionIds as [number, number, number];
    const a = await createUser(ctx.db);
    const b = await createUser(ctx.db);
    await mark(ctx.db, first, a.id, 'present');
    await mark(ctx.db, second, b.id, 'present');

    await lifecycle().run(new Date());
    const rows = await ctx.db('evaluations as e').join('evaluation_participants as p', 'p.evaluation_id', 'e.id').select('e.session_id', 'p.user_id').orderBy('e.session_id');
    expect(rows).toEqual([
      { session_id: first, user_id: a.id },
      { session_id: second, user_id: b.id },
    ]);
    expect(await ctx.db('evaluations').where({ session_id: future }).first()).toBeUndefined();
  });

  it('scope module: a module is evaluated when its last session in the offering has ended', async () => {
    const series = await createProgramme(ctx.db, { kind: 'series', modules: 2 });
    const [m1, m2] = series.modules.map((module) => module.id) as [number, number];
    const questionnaire = await createQuestionnaire(ctx.db);
    await assignQuestionnaire(ctx.db, { programmeId: series.id, questionnaireId: questionnaire.questionnaireId, scope: 'module', answerDays: 30 });
    // Module 1 on day -20; module 2 on day -6 and day +8.
    const offering = await createOffering(ctx.db, { programmeId: series.id, startsInDays: -20, sessions: 3, moduleIds: [m1, m2, m2], registrationOpensInDays: -40 });
    const person = await createUser(ctx.db, { locale: 'de' });
    await mark(ctx.db, offering.sessionIds[0]!, person.id, 'present');
    await mark(ctx.db, offering.sessionIds[1]!, person.id, 'present');

    await lifecycle().run(new Date());
    expect(await ctx.db('evaluations').select('scope', 'module_id', 'session_id')).toEqual([{ scope: 'module', module_id: m1, session_id: null }]);
    await ctx.deliverMail();
    expect(ctx.mailbox.map((mail) => mail.subject)).toEqual(['Ihre Rückmeldung: Kommunales Konfliktmanagement – Theorie und Praxis: Modul 1 (Workshop Frühjahr)']);
  });

  it('reminds once, a few days before closing, only those who have not answered', async () => {
    const { sessionId } = await endedWorkshop();
    const answered = await createUser(ctx.db);
    const waiting = await createUser(ctx.db);
    await mark(ctx.db, sessionId, answered.id, 'present');
    await mark(ctx.db, sessionId, waiting.id, 'present');
    const start = new Date();
    await lifecycle().run(start);
    await ctx.db('evaluation_participants').where({ user_id: answered.id }).update({ has_answered: true });
    await ctx.deliverMail();
    ctx.mailbox.length = 0;

    expect((await lifecycle().run(new Date(start.getTime() + 5 * DAY_MS))).reminded).toBe(0);
    const dueAt = new Date(start.getTime() + 12 * DAY_MS);
    const runs = await Promise.all([lifecycle().run(dueAt), lifecycle().run(dueAt)]);
    expect(runs.map((run) => run.reminded).sort()).toEqual([0, 1]);
    expect((await lifecycle().run(new Date(start.getTime() + 13 * DAY_MS))).reminded).toBe(0);
    await ctx.deliverMail();
    expect(ctx.mailbox.map((mail) => ({ to: mail.to, kind: mail.kind }))).toEqual([{ to: waiting.email, kind: 'evaluation.reminder' }]);
    expect(ctx.mailbox[0]!.subject).toMatch(/^Erinnerung: Ihre Rückmeldung zu Workshop Herbst/);

    // The reminder says "had not answered yet": never in the person's message history, and gone
    // from the outbox once the evaluation closes, while the invitation stays in the history.
    expect(await ctx.db('message_log').where('user_id', waiting.id).select('kind')).toEqual([{ kind: 'evaluation.invitation' }]);
    expect(await ctx.db('outgoing_mails').where('kind', 'evaluation.reminder').count({ n: '*' })).toEqual([{ n: 1 }]);
    expect((await lifecycle().run(new Date(start.getTime() + 14 * DAY_MS + 60_000))).closed).toBe(1);
    expect(await ctx.db('outgoing_mails').where('kind', 'evaluation.reminder').count({ n: '*' })).toEqual([{ n: 0 }]);
    expect(await ctx.db('outgoing_mails').where('kind', 'evaluation.invitation').count({ n: '*' })).toEqual([{ n: 2 }]);
  });

  it('closes after the period: the counts stay, who was asked and who answered is deleted', async () => {
    const { sessionId } = await endedWorkshop();
    const people = await Promise.all([1, 2, 3].map(() => createUser(ctx.db)));
    for (const person of people) await mark(ctx.db, sessionId, person.id, 'present');
    const start = new Date();
    await lifecycle().run(start);
    await ctx.db('evaluation_participants').where({ user_id: people[0]!.id }).update({ has_answered: true });

    expect((await lifecycle().run(new Date(start.getTime() + 13 * DAY_MS))).closed).toBe(0);
    const after = new Date(start.getTime() + 14 * DAY_MS + 60_000);
    const runs = await Promise.all([lifecycle().run(after), lifecycle().run(after)]);
    expect(runs.map((run) => run.closed).sort()).toEqual([0, 1]);
    expect(await ctx.db('evaluations').select('closed_at', 'invited_count', 'answered_count')).toEqual([{ closed_at: after, invited_count: 3, answered_count: 1 }]);
    expect(await ctx.db('evaluation_participants').count({ n: '*' })).toEqual([{ n: 0 }]);
    // A roll call saved after closing invites nobody any more.
    await mark(ctx.db, sessionId, (await createUser(ctx.db)).id, 'late');
    expect(await lifecycle().run(new Date(after.getTime() + 60_000))).toEqual({ opened: 0, invited: 0, reminded: 0, closed: 0 });
  });
});
