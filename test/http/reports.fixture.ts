import { fromZonedTime } from 'date-fns-tz';
import type { Database } from '../../src/db/database';
import { createProgramme } from '../support/catalog-factories';
import { createOrganisation, createUser, type TestUser } from '../support/factories';

/**
 * The hand-computed fixture of the funder report tests (figures below, per offering):
 *
 * Series "Reihe" (2 modules, 8 UE each), offering "Durchgang Frühjahr 2025":
 *   s1 10.03.2025 09–16 Uhr (module 1, Trude Lehrer), s2 24.03.2025 09–16 Uhr (module 2, Lehrer and Bernd Äbersold)
 *   Änne Ähnlich (Stadt Änderstadt):   s1 present, s2 late      → 2 days, completed
 *   Olaf Özkan (=Gemeinde Özhausen):   s1 present, s2 excused   → 1 day, not completed
 *   Paul Pütz (Stadt Änderstadt):      s1 absent,  s2 absent    → 0 days
 *   waitlisted and cancelled people (one of them marked present) do not count.
 *   → 2 sessions, 16 UE, 3 participants, 3 participant-days, present 2 / late 1 / excused 1 / absent 2, 1 completed
 *
 * Workshop "Extremismus", offering "Workshop Mai 2025", both sessions on 12.05.2025 (no module, Äbersold):
 *   s3 09–12 Uhr, s4 13–16 Uhr
 *   Änne Ähnlich: s3 present, s4 present → 1 day (same day), completed
 *   Olaf Özkan:   s3 late, s4 absent     → 1 day, completed
 *   Rita Rüdiger (=Gemeinde Özhausen): no record
 *   → 2 sessions, 0 UE, 3 participants, 2 participant-days, present 2 / late 1 / excused 0 / absent 1, 2 completed
 *
 * Totals 2025: 2 offerings, 4 sessions, 16 UE, 6 participants, 5 participant-days, 4/2/1/3, 3 completed;
 * per organisation: Stadt Änderstadt 3, =Gemeinde Özhausen 3.
 * Trainers 2025: Äbersold s2, s3, s4 (420 + 180 + 180 min, 8 UE), Lehrer s1, s2 (840 min, 16 UE).
 * A workshop offering in 2024 ("Workshop Herbst 2024", Rita Rüdiger present) lies outside the period.
 */
export type ReportsFixture = {
  coordinator: TestUser;
  seriesId: number;
  workshopId: number;
  offerings: { spring: number; may: number; old: number };
  sessions: number[];
  organisations: { town: number; village: number };
};

const at = (local: string) => fromZonedTime(local, 'Europe/Berlin');

export async function addSession(db: Database, offeringId: number, start: string, end: string, moduleId: number | null, trainerIds: number[]): Promise<number> {
  const [row] = await db('offering_sessions').insert({ offering_id: offeringId, module_id: moduleId, starts_at: at(start), ends_at: at(end), location: 'Landratsamt' }).returning('id');
  const id = (row as { id: number }).id;
  for (const trainerId of trainerIds) await db('session_trainers').insert({ session_id: id, user_id: trainerId });
  return id;
}

export async function addOffering(db: Database, programmeId: number, title: string): Promise<number> {
  const [row] = await db('offerings')
    .insert({ programme_id: programmeId, title, capacity: 200, status: 'published', location: 'Landratsamt', registration_opens_at: at('2024-01-01T00:00'), registration_closes_at: at('2024-06-01T00:00') })
    .returning('id');
  return (row as { id: number }).id;
}

export async function createReportsFixture(db: Database): Promise<ReportsFixture> {
  const coordinator = await createUser(db, { role: 'coordinator' });
  const town = await createOrganisation(db, { name: 'Stadt Änderstadt' });
  const village = await createOrganisation(db, { name: '=Gemeinde Özhausen' });
  const lehrer = await createUser(db, { role: 'trainer', firstName: 'Trude', lastName: 'Lehrer', organisationId: town.id });
  const abersold = await createUser(db, { role: 'trainer', firstName: 'Bernd', lastName: 'Äbersold', organisationId: town.id });
  const series = await createProgramme(db, { kind: 'series', title: 'Reihe Konfliktmanagement', modules: 2 });
  const workshop = await createProgramme(db, { kind: 'workshop', title: 'Workshop Extremismus' });

  const spring = await addOffering(db, series.id, 'Durchgang Frühjahr 2025');
  const s1 = await addSession(db, spring, '2025-03-10T09:00', '2025-03-10T16:00', series.modules[0]!.id, [lehrer.id]);
  const s2 = await addSession(db, spring, '2025-03-24T09:00', '2025-03-24T16:00', series.modules[1]!.id, [lehrer.id, abersold.id]);
  const may = await addOffering(db, workshop.id, 'Workshop Mai 2025');
  const s3 = await addSession(db, may, '2025-05-12T09:00', '2025-05-12T12:00', null, [abersold.id]);
  const s4 = await addSession(db, may, '2025-05-12T13:00', '2025-05-12T16:00', null, [abersold.id]);
  const old = await addOffering(db, workshop.id, 'Workshop Herbst 2024');
  const s5 = await addSession(db, old, '2024-11-04T09:00', '2024-11-04T16:00', null, [lehrer.id]);

  const person = (firstName: string, lastName: string, organisationId: number) => createUser(db, { firstName, lastName, organisationId });
  const anne = await person('Änne', 'Ähnlich', town.id);
  const olaf = await person('Olaf', 'Özkan', village.id);
  const paul = await person('Paul', 'Pütz', town.id);
  const rita = await person('Rita', 'Rüdiger', village.id);
  const waiting = await person('Wim', 'Warte', town.id);
  const gone = await person('Gerd', 'Gegangen', village.id);

  const enroll = (offeringId: number, userId: number, status = 'confirmed') => db('enrollments').insert({ offering_id: offeringId, user_id: userId, status, confirmed_at: status === 'confirmed' ? new Date() : null });
  for (const user of [anne, olaf, paul]) await enroll(spring, user.id);
  await enroll(spring, waiting.id, 'waitlisted');
  await enroll(spring, gone.id, 'cancelled');
  for (const user of [anne, olaf, rita]) await enroll(may, user.id);
  await enroll(old, rita.id);

  const mark = (sessionId: number, userId: number, status: string) => db('attendance_records').insert({ session_id: sessionId, user_id: userId, status, source: 'roll_call' });
  await mark(s1, anne.id, 'present');
  await mark(s2, anne.id, 'late');
  await mark(s1, olaf.id, 'present');
  await mark(s2, olaf.id, 'excused');
  await mark(s1, paul.id, 'absent');
  await mark(s2, paul.id, 'absent');
  await mark(s1, gone.id, 'present');
  await mark(s3, anne.id, 'present');
  await mark(s4, anne.id, 'present');
  await mark(s3, olaf.id, 'late');
  await mark(s4, olaf.id, 'absent');
  await mark(s5, rita.id, 'present');

  return { coordinator, seriesId: series.id, workshopId: workshop.id, offerings: { spring, may, old }, sessions: [s1, s2, s3, s4, s5], organisations: { town: town.id, village: village.id } };
}
