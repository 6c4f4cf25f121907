import type { Database } from '../../src/db/database';

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export async function createProgramme(db: Database, overrides: Partial<{ kind: string; title: string; modules: number }> = {}) {
  const kind = overrides.kind ?? 'workshop';
  const [programme] = await db('programmes')
    .insert({
      kind,
      title: overrides.title ?? (kind === 'series' ? 'Kommunales Konfliktmanagement – Theorie und Praxis' : 'Umgang mit extremistischen Gruppierungen'),
      certificate_kind: kind === 'series' ? 'certificate' : 'confirmation',
    })
    .returning(['id', 'kind', 'title']);
  const moduleCount = overrides.modules ?? (kind === 'series' ? 5 : 0);
  const modules: { id: number; position: number }[] = [];
  for (let position = 1; position <= moduleCount; position += 1) {
    const [module] = await db('modules').insert({ programme_id: programme.id, position, title: `Modul ${position}`, teaching_units: 8 }).returning(['id', 'position']);
    modules.push(module);
  }
  return { ...(programme as { id: number; kind: string; title: string }), modules };
}

type OfferingOptions = {
  programmeId: number;
  title: string;
  capacity: number;
  status: 'draft' | 'published' | 'cancelled';
  requiresApproval: boolean;
  /** Days from now of the first session (negative: in the past). */
  startsInDays: number;
  sessions: number;
  registrationOpensInDays: number;
  registrationClosesInDays: number;
  cancellationDeadlineInDays: number | null;
  moduleIds: number[];
  trainerIds: number[];
};

export async function createOffering(db: Database, options: Partial<OfferingOptions> = {}) {
  const programmeId = options.programmeId ?? (await createProgramme(db)).id;
  const startsInDays = options.startsInDays ?? 30;
  const now = Date.now();
  const [offering] = await db('offerings')
    .insert({
      programme_id: programmeId,
      title: options.title ?? 'Workshop Frühjahr',
      capacity: options.capacity ?? 10,
      status: options.status ?? 'published',
      requires_approval: options.requiresApproval ?? false,
      location: 'Landratsamt, Saal 1',
      registration_opens_at: new Date(now + (options.registrationOpensInDays ?? -10) * DAY_MS),
      registration_closes_at: new Date(now + (options.registrationClosesInDays ?? startsInDays - 1) * DAY_MS),
      cancellation_deadline: options.cancellationDeadlineInDays == null ? null : new Date(now + options.cancellationDeadlineInDays * DAY_MS),
    })
    .returning(['id', 'title', 'capacity', 'programme_id']);
  const sessionCount = options.sessions ?? 1;
  const sessionIds: number[] = [];
  for (let index = 0; index < sessionCount; index += 1) {
    const startsAt = new Date(now + (startsInDays + index * 14) * DAY_MS);
    const [session] = await db('offering_sessions')
      .insert({
        offering_id: offering.id,
        module_id: options.moduleIds?.[index] ?? null,
        starts_at: startsAt,
        ends_at: new Date(startsAt.getTime() + 7 * HOUR_MS),
        location: 'Landratsamt, Saal 1',
      })
      .returning('id');
    sessionIds.push((session as { id: number }).id);
    for (const trainerId of options.trainerIds ?? []) await db('session_trainers').insert({ session_id: (session as { id: number }).id, user_id: trainerId });
  }
  return { ...(offering as { id: number; title: string; capacity: number; programme_id: number }), sessionIds };
}
