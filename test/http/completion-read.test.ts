import { completedInOffering, type OfferingForCompletion } from '../../src/attendance/completion-read';
import { useTestApp } from '../support/app';
import { countQueries } from '../support/database';
import { createOffering, createProgramme } from '../support/catalog-factories';
import { createUser } from '../support/factories';

/** Attendance's published read of who completed an offering, on the real database (what the certificate page counts). */
describe('completed in an offering', () => {
  const ctx = useTestApp();

  async function people(count: number) {
    const users = [];
    for (let index = 0; index < count; index += 1) users.push(await createUser(ctx.db, { role: 'participant' }));
    return users.map((user) => user.id);
  }

  const confirm = (offeringId: number, userIds: number[], status = 'confirmed') =>
    ctx.db('enrollments').insert(userIds.map((userId) => ({ offering_id: offeringId, user_id: userId, status, confirmed_at: status === 'confirmed' ? new Date() : null })));

  const attend = (sessionIds: number[], userId: number, status = 'present') =>
    ctx.db('attendance_records').insert(sessionIds.map((sessionId) => ({ session_id: sessionId, user_id: userId, status, source: 'roll_call' })));

  async function forCompletion(offeringId: number): Promise<OfferingForCompletion> {
    const offering = await ctx.db('offerings as o').join('programmes as p', 'p.id', 'o.programme_id').where('o.id', offeringId).first('o.id', 'o.programme_id', 'p.kind', 'p.completion_rule', 'p.completion_min_modules');
    const modules = await ctx.db('modules').where('programme_id', offering.programme_id).select('id', 'position', 'title');
    return { ...offering, modules };
  }

  it('counts a module made up in another cohort, never excused absences, later sessions or other people; the minimum rule too', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'series' });
    const moduleIds = programme.modules.map((module) => module.id);
    const cohort = await createOffering(ctx.db, { programmeId: programme.id, startsInDays: -80, registrationOpensInDays: -120, sessions: 5, moduleIds });
    const earlier = await createOffering(ctx.db, { programmeId: programme.id, startsInDays: -300, registrationOpensInDays: -340, sessions: 5, moduleIds });
    const later = await createOffering(ctx.db, { programmeId: programme.id, startsInDays: 20, sessions: 5, moduleIds });
    const [all, madeUp, excused, lateRecord, nothing, waitlisted, elsewhere] = await people(7);
    await confirm(cohort.id, [all!, madeUp!, excused!, lateRecord!, nothing!]);
    await confirm(cohort.id, [waitlisted!], 'waitlisted');
    await confirm(earlier.id, [elsewhere!]);
    const firstFour = cohort.sessionIds.slice(0, 4);
    await attend(cohort.sessionIds, all!, 'late');
    await attend(firstFour, madeUp!);
    await attend([earlier.sessionIds[4]!], madeUp!);
    await attend(firstFour, excused!);
    await attend([cohort.sessionIds[4]!], excused!, 'excused');
    await attend(firstFour, lateRecord!);
    await attend([later.sessionIds[4]!], lateRecord!);
    await attend(cohort.sessionIds, waitlisted!);
    await attend(earlier.sessionIds, elsewhere!);

    const offering = await forCompletion(cohort.id);
    expect([...(await completedInOffering(ctx.db, offering, new Date()))].sort()).toEqual([all!, madeUp!].sort());
    // The module planned later counts once its session has begun.
    expect(await completedInOffering(ctx.db, offering, new Date(Date.now() + 200 * 24 * 3600 * 1000))).toContain(lateRecord);

    await ctx.db('programmes').where('id', programme.id).update({ completion_rule: 'min', completion_min_modules: 4 });
    expect([...(await completedInOffering(ctx.db, await forCompletion(cohort.id), new Date()))].sort()).toEqual([all!, madeUp!, excused!, lateRecord!].sort());
  });

  it('completes a workshop only by attending this offering, in one statement however many people', async () => {
    const programme = await createProgramme(ctx.db, { kind: 'workshop' });
    const workshop = await createOffering(ctx.db, { programmeId: programme.id, startsInDays: -10, registrationOpensInDays: -40, capacity: 100 });
    const other = await createOffering(ctx.db, { programmeId: programme.id, startsInDays: -50, registrationOpensInDays: -80 });
    const [here, there, absent] = await people(3);
    await confirm(workshop.id, [here!, there!, absent!]);
    await attend(workshop.sessionIds, here!);
    await attend(other.sessionIds, there!);
    await attend(workshop.sessionIds, absent!, 'absent');
    const offering = await forCompletion(workshop.id);
    expect([...(await completedInOffering(ctx.db, offering, new Date()))]).toEqual([here]);

    const more = await people(30);
    await confirm(workshop.id, more);
    for (const userId of more) await attend(workshop.sessionIds, userId);
    let completed = new Set<number>();
    const statements = await countQueries(ctx.db, async () => (completed = await completedInOffering(ctx.db, offering, new Date())));
    expect(statements).toBe(1);
    expect(completed.size).toBe(31);
  });
});
