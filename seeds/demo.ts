import type { Knex } from 'knex';
import { hash } from '@node-rs/argon2';
import { formatInTimeZone, fromZonedTime } from 'date-fns-tz';

/**
 * Demo data for a fictional district ("Landkreis Musterland"). Every person, address
 * and organisation here is invented. Loaded only into an empty database: the seed
 * never overwrites real data.
 */
export const DEMO_PASSWORD = 'Demo-Passwort-2026';

export const DEMO_ACCOUNTS = {
  admin: 'admin@kokoma.example',
  coordinator: 'koordination@kokoma.example',
  trainer: 'referentin@kokoma.example',
  participant: 'teilnehmende@kokoma.example',
};

const ORGANISATIONS: { name: string; kind: string }[] = [
  { name: 'Landratsamt Musterland', kind: 'district_office' },
  { name: 'Stadt Lindenau', kind: 'municipality' },
  { name: 'Stadt Bergheide', kind: 'municipality' },
  { name: 'Gemeinde Wiesenfeld', kind: 'municipality' },
  { name: 'Gemeinde Ahornbach', kind: 'municipality' },
  { name: 'Verwaltungsgemeinschaft Talbrück', kind: 'municipality' },
  { name: 'Jobcenter Musterland', kind: 'public_body' },
  { name: 'Kreisjugendring Musterland e. V.', kind: 'association' },
];

type Person = { first: string; last: string; email: string; role: string; org: number | null; department: string | null };

const STAFF: Person[] = [
  { first: 'Adrian', last: 'Vogelsang', email: DEMO_ACCOUNTS.admin, role: 'admin', org: 0, department: 'IT-Service' },
  { first: 'Katrin', last: 'Mühlberg', email: DEMO_ACCOUNTS.coordinator, role: 'coordinator', org: 0, department: 'Koordinierungsstelle KoKoMa' },
  { first: 'Dr. Jana', last: 'Feldkamp', email: DEMO_ACCOUNTS.trainer, role: 'trainer', org: null, department: null },
  { first: 'Tobias', last: 'Großmann', email: 'referent@kokoma.example', role: 'trainer', org: null, department: null },
];

const PARTICIPANT_NAMES: [string, string, string][] = [
  ['Lena', 'Schäfer', 'Ordnungsamt'],
  ['Murat', 'Yılmaz', 'Bürgerbüro'],
  ['Sabine', 'Kranich', 'Sozialamt'],
  ['Jörg', 'Wendland', 'Bauamt'],
  ['Anna-Lena', 'Dietz', 'Jugendamt'],
  ['Piotr', 'Nowicki', 'Ordnungsamt'],
  ['Friederike', 'Haselmann', 'Hauptamt'],
  ['Kemal', 'Özdemir', 'Standesamt'],
  ['Ines', 'Brückner', 'Kämmerei'],
  ['Matthias', 'Löffler', 'Bürgermeisterbüro'],
  ['Svenja', 'Albrecht', 'Gleichstellung'],
  ['Oliver', 'Reimann', 'Ausländerbehörde'],
  ['Claudia', 'Weißbach', 'Kita-Verwaltung'],
  ['Dennis', 'Kohlhaas', 'Ordnungsamt'],
  ['Hatice', 'Demir', 'Integrationsbüro'],
  ['Ralf', 'Sommerfeld', 'Bauhof'],
  ['Nadine', 'Pohl', 'Personalamt'],
  ['Eric', 'Thalheim', 'Jugendarbeit'],
  ['Marta', 'Zielińska', 'Bürgerbüro'],
  ['Uwe', 'Grünewald', 'Hauptamt'],
];

export async function seed(knex: Knex): Promise<void> {
  const existing = await knex('users').count<{ count: number }[]>({ count: '*' }).first();
  if (Number(existing?.count ?? 0) > 0) {
    console.log('The database already holds accounts; the demo seed only loads into an empty database.');
    return;
  }
  const passwordHash = await hash(DEMO_PASSWORD, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
  await knex.transaction(async (trx) => {
    const organisationIds = (await trx('organisations').insert(ORGANISATIONS).returning('id')).map((row: { id: number }) => row.id);
    const participants: Person[] = PARTICIPANT_NAMES.map(([first, last, department], index) => ({
      first,
      last,
      department,
      role: 'participant',
      org: 1 + (index % (ORGANISATIONS.length - 1)),
      email: index === 0 ? DEMO_ACCOUNTS.participant : `${ascii(first)}.${ascii(last)}@kokoma.example`,
    }));
    const userIds: number[] = (
      await trx('users')
        .insert(
      [...STAFF, ...participants].map((person) => ({
        email: person.email,
        first_name: person.first,
        last_name: person.last,
        organisation_id: person.org === null ? null : organisationIds[person.org],
        department: person.department,
        role: person.role,
        password_hash: passwordHash,
        locale: 'de',
        email_verified_at: trx.fn.now(),
      })),
        )
        .returning('id')
    ).map((row: { id: number }) => row.id);
    const [, coordinator, trainerJana, trainerTobias] = userIds as [number, number, number, number];
    await seedCatalog(trx, { trainers: [trainerJana, trainerTobias], participants: userIds.slice(STAFF.length), coordinator });
  });
}

const MODULE_TITLES = [
  'Konflikte verstehen – Grundlagen, Dynamik und Eskalationsstufen',
  'Systemische Konfliktanalyse in der Kommune',
  'Kommunikation und Gesprächsführung in angespannten Situationen',
  'Moderation, Beteiligung und Mediation im Verwaltungsalltag',
  'Praxistransfer – eigene Konfliktfälle bearbeiten',
];

/** A day `weeks` from today at a Berlin wall-clock time, so the demo always looks current. */
function berlinTime(weeksFromNow: number, time: string): Date {
  const day = formatInTimeZone(new Date(Date.now() + weeksFromNow * 7 * 24 * 60 * 60 * 1000), 'Europe/Berlin', 'yyyy-MM-dd');
  return fromZonedTime(`${day}T${time}`, 'Europe/Berlin');
}

async function seedCatalog(trx: Knex.Transaction, people: { trainers: [number, number]; participants: number[]; coordinator: number }): Promise<void> {
  const [jana, tobias] = people.trainers;
  const [series] = await trx('programmes')
    .insert({
      kind: 'series',
      title: 'Kommunales Konfliktmanagement – Theorie und Praxis',
      description: 'Fünf aufeinander aufbauende Module für Beschäftigte der Kommunalverwaltung: Konflikte erkennen, analysieren, moderieren und im eigenen Arbeitsalltag bearbeiten. Wer alle fünf Module besucht, erhält ein Zertifikat.',
      target_group: 'Beschäftigte der Kreisverwaltung und der kreisangehörigen Städte und Gemeinden',
      certificate_kind: 'certificate',
      completion_rule: 'all',
    })
    .returning('id');
  const moduleIds: number[] = [];
  for (const [index, title] of MODULE_TITLES.entries()) {
    const [module] = await trx('modules').insert({ programme_id: series.id, position: index + 1, title, teaching_units: 8 }).returning('id');
    moduleIds.push(module.id);
  }
  const [cohort] = await trx('offerings')
    .insert({
      programme_id: series.id,
      title: 'Durchgang 2026/27',
      description: 'Die Module finden ganztägig im Landratsamt statt.',
      capacity: 16,
      registration_opens_at: berlinTime(-14, '08:00'),
      registration_closes_at: berlinTime(-6, '12:00'),
      location: 'Landratsamt Musterland, Sitzungssaal 2, Am Markt 1, 99999 Musterstadt',
      status: 'published',
    })
    .returning('id');
  const cohortWeeks = [-5, -1, 2, 6, 10];
  const cohortSessionIds: number[] = [];
  for (const [index, weeks] of cohortWeeks.entries()) {
    const [session] = await trx('offering_sessions')
      .insert({ offering_id: cohort.id, module_id: moduleIds[index], starts_at: berlinTime(weeks, '09:00'), ends_at: berlinTime(weeks, '16:00'), location: '' })
      .returning('id');
    await trx('session_trainers').insert({ session_id: session.id, user_id: jana });
    cohortSessionIds.push(session.id);
  }

  const [workshop] = await trx('programmes')
    .insert({
      kind: 'workshop',
      title: 'Umgang mit extremistischen Gruppierungen im Verwaltungshandeln',
      description: 'Eintägiger Workshop: rechtliche Grundlagen, Erkennen von Strategien extremistischer Gruppierungen, sicheres Auftreten in Publikumsverkehr und Gremien.',
      target_group: 'Beschäftigte mit Publikumsverkehr, Ordnungsämter, Bürgerbüros',
      certificate_kind: 'confirmation',
    })
    .returning('id');
  // Workshop Herbst is over (attendance taken, Teilnahmebestätigungen can be issued).
  const workshopDates = [
    { title: 'Workshop Herbst', weeks: -4, capacity: 12 },
    { title: 'Workshop Winter', weeks: 3, capacity: 12 },
    { title: 'Workshop Frühjahr', weeks: 12, capacity: 20 },
  ];
  const workshopIds: number[] = [];
  const workshopSessionIds: number[] = [];
  for (const date of workshopDates) {
    const [offering] = await trx('offerings')
      .insert({
        programme_id: workshop.id,
        title: date.title,
        capacity: date.capacity,
        registration_opens_at: berlinTime(Math.min(-4, date.weeks - 4), '08:00'),
        registration_closes_at: berlinTime(date.weeks - 1, '12:00'),
        cancellation_deadline: berlinTime(date.weeks - 1, '12:00'),
        location: 'Bürgerhaus Lindenau, Raum 3',
        status: 'published',
      })
      .returning('id');
    const [session] = await trx('offering_sessions')
      // A working day of six hours of teaching: 8 Unterrichtseinheiten of 45 minutes, as the funder counts.
      .insert({ offering_id: offering.id, starts_at: berlinTime(date.weeks, '09:30'), ends_at: berlinTime(date.weeks, '16:30'), location: '', teaching_units: 8 })
      .returning('id');
    await trx('session_trainers').insert({ session_id: session.id, user_id: tobias });
    workshopIds.push(offering.id);
    workshopSessionIds.push(session.id);
  }

  const [fachtag] = await trx('programmes')
    .insert({
      kind: 'event',
      title: 'Fachtag: Spannungsfeld politische Neutralität und demokratische Positionierung im Verwaltungshandeln',
      description: 'Gemeinsamer Fachtag mit dem KoKoMa-Projekt der Partnerregion: Vorträge, Praxisforen und Austausch. Offen auch für Beschäftigte anderer Kommunen und Regionen.',
      target_group: 'Verwaltungsbeschäftigte, Führungskräfte, Kommunalpolitik',
      certificate_kind: 'confirmation',
    })
    .returning('id');
  const [event] = await trx('offerings')
    .insert({
      programme_id: fachtag.id,
      title: 'Fachtag in Eisenach',
      capacity: 120,
      registration_opens_at: berlinTime(-6, '08:00'),
      registration_closes_at: berlinTime(7, '12:00'),
      location: 'Tagungszentrum Eisenach (fiktive Adresse: Wartburgallee 99)',
      status: 'published',
    })
    .returning('id');
  const [eventSession] = await trx('offering_sessions')
    .insert({ offering_id: event.id, starts_at: berlinTime(8, '10:00'), ends_at: berlinTime(8, '17:00'), location: '', teaching_units: 8 })
    .returning('id');
  await trx('session_trainers').insert([
    { session_id: eventSession.id, user_id: jana },
    { session_id: eventSession.id, user_id: tobias },
  ]);

  const enroll = (offeringId: number, userIds: number[], status: string) =>
    userIds.length === 0 ? Promise.resolve() : trx('enrollments').insert(userIds.map((userId) => ({ offering_id: offeringId, user_id: userId, status, confirmed_at: status === 'confirmed' ? trx.fn.now() : null })));
  const participants = people.participants;
  await enroll(cohort.id, participants.slice(0, 14), 'confirmed');
  await enroll(workshopIds[0]!, participants.slice(0, 9), 'confirmed');
  // Workshop Winter is fully booked with two people waiting, to show the waitlist.
  await enroll(workshopIds[1]!, participants.slice(6, 18), 'confirmed');
  await enroll(workshopIds[1]!, participants.slice(18, 20), 'waitlisted');
  await enroll(workshopIds[2]!, participants.slice(14, 17), 'confirmed');

  // Attendance of what has taken place: the cohort's first two modules (one person excused
  // in module 2, to show a Nachholtermin is needed) and the autumn workshop (one absent).
  const record = (sessionId: number, userId: number, status: string, recordedBy: number) => ({ session_id: sessionId, user_id: userId, status, source: 'roll_call', recorded_by: recordedBy });
  await trx('attendance_records').insert([
    ...participants.slice(0, 14).map((userId, index) => record(cohortSessionIds[0]!, userId, index === 5 ? 'late' : 'present', jana)),
    ...participants.slice(0, 14).map((userId, index) => record(cohortSessionIds[1]!, userId, index === 3 ? 'excused' : 'present', jana)),
    ...participants.slice(0, 9).map((userId, index) => record(workshopSessionIds[0]!, userId, index === 8 ? 'absent' : 'present', tobias)),
  ]);
  await enroll(event.id, participants.slice(2, 10), 'confirmed');
  await seedEvaluation(trx, { seriesId: series.id, workshopId: workshop.id }, people.coordinator);
}

/**
 * A demo questionnaire with every kind of question, used by the series per module and by the
 * workshop once per offering (issue 15). The cohort's module that ended last week opens for
 * answers when the app's evaluation job next runs.
 */
async function seedEvaluation(trx: Knex.Transaction, programmes: { seriesId: number; workshopId: number }, createdBy: number | null): Promise<void> {
  const title = 'Feedback zum Modul';
  const [questionnaire] = await trx('questionnaires').insert({ title, created_by: createdBy }).returning('id');
  const [version] = await trx('questionnaire_versions')
    .insert({
      questionnaire_id: questionnaire.id,
      version: 1,
      title,
      introduction: 'Ihre Rückmeldung hilft uns, die Qualifizierung weiter zu verbessern. Die Antworten werden anonym gespeichert: Niemand kann sehen, wer was geantwortet hat.',
    })
    .returning('id');
  const item = (position: number, fields: Record<string, unknown>) => ({ version_id: version.id, position, required: false, options: [], ...fields });
  await trx('questionnaire_items').insert([
    item(1, { kind: 'scale', prompt: 'Wie zufrieden sind Sie insgesamt mit dem Modul?', required: true, scale_low_label: 'gar nicht zufrieden', scale_high_label: 'sehr zufrieden' }),
    item(2, { kind: 'scale', prompt: 'Wie gut können Sie das Gelernte in Ihrer Arbeit anwenden?', required: true, scale_low_label: 'gar nicht', scale_high_label: 'sehr gut' }),
    item(3, { kind: 'single', prompt: 'Wie war das Tempo?', options: ['zu langsam', 'genau richtig', 'zu schnell'] }),
    item(4, { kind: 'multiple', prompt: 'Was hat Ihnen beim Lernen geholfen?', options: ['Fallbeispiele aus Kommunen', 'Rollenspiele und Übungen', 'Austausch in Kleingruppen', 'Input der Referentin oder des Referenten'] }),
    item(5, { kind: 'text', prompt: 'Was möchten Sie uns sonst noch mitteilen?' }),
  ]);
  await trx('evaluation_assignments').insert([
    { programme_id: programmes.seriesId, questionnaire_id: questionnaire.id, scope: 'module', answer_days: 14 },
    { programme_id: programmes.workshopId, questionnaire_id: questionnaire.id, scope: 'offering', answer_days: 14 },
  ]);
}

function ascii(name: string): string {
  return name
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/[^a-z-]/g, '');
}
