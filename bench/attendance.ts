import { hashPassword } from '../src/accounts/passwords';
import { ms, renderBarePdfPage, startBenchApp, timeRepeatedly } from './lib/harness';

const PARTICIPANTS = 300;
const SESSIONS = 10;
const PASSWORD = 'Bench-Passwort-2026';

/** Attendance matrix (300 people × 10 sessions) and the 300-person sign-in sheet, against baselines from the same run. */
async function main(): Promise<void> {
  const bench = await startBenchApp();
  try {
    const { db } = bench;
    const passwordHash = await hashPassword(PASSWORD);
    const [organisation] = await db('organisations').insert({ name: 'Stadt Benchhausen', kind: 'municipality' }).returning('id');
    const [coordinator] = await db('users')
      .insert({ email: 'koordination@bench.example', first_name: 'Katrin', last_name: 'Mühlberg', role: 'coordinator', password_hash: passwordHash, organisation_id: organisation.id, email_verified_at: new Date() })
      .returning('id');
    const [programme] = await db('programmes').insert({ kind: 'series', title: 'Kommunales Konfliktmanagement – Theorie und Praxis', certificate_kind: 'certificate' }).returning('id');
    const moduleIds: number[] = [];
    for (let position = 1; position <= 5; position += 1) moduleIds.push((await db('modules').insert({ programme_id: programme.id, position, title: `Modul ${position}` }).returning('id'))[0].id);
    const day = 24 * 60 * 60 * 1000;
    const [offering] = await db('offerings')
      .insert({ programme_id: programme.id, title: 'Durchgang Bench', capacity: 1000, status: 'published', registration_opens_at: new Date(Date.now() - 90 * day), registration_closes_at: new Date(Date.now() - 60 * day) })
      .returning('id');
    const sessionIds: number[] = [];
    for (let index = 0; index < SESSIONS; index += 1) {
      const startsAt = new Date(Date.now() + (index - 5) * 7 * day);
      sessionIds.push((await db('offering_sessions').insert({ offering_id: offering.id, module_id: moduleIds[index % 5], starts_at: startsAt, ends_at: new Date(startsAt.getTime() + 7 * 3600 * 1000), location: 'Saal 1' }).returning('id'))[0].id);
    }
    const people = await db('users')
      .insert(
        Array.from({ length: PARTICIPANTS }, (_, index) => ({
          email: `person${index}@bench.example`,
          first_name: 'Jörg',
          last_name: `Müller-Yılmaz ${index}`,
          role: 'participant',
          password_hash: passwordHash,
          organisation_id: organisation.id,
          department: 'Ordnungsamt',
          email_verified_at: new Date(),
        })),
      )
      .returning('id');
    await db('enrollments').insert(people.map((person: { id: number }) => ({ offering_id: offering.id, user_id: person.id, status: 'confirmed' })));
    const statuses = ['present', 'late', 'excused', 'absent'];
    await db('attendance_records').insert(
      sessionIds.slice(0, 5).flatMap((sessionId, sessionIndex) =>
        people.map((person: { id: number }, personIndex: number) => ({ session_id: sessionId, user_id: person.id, status: statuses[(personIndex + sessionIndex) % 4], source: 'roll_call', recorded_by: coordinator.id })),
      ),
    );

    const cookie = await bench.login('koordination@bench.example', PASSWORD);
    const get = async (path: string) => {
      const response = await fetch(`${bench.baseUrl}${path}`, { headers: { cookie } });
      const body = Buffer.from(await response.arrayBuffer());
      if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
      return body;
    };

    // Warm up (template compilation, font parsing, connection pool).
    await get(`/manage/offerings/${offering.id}/attendance`);
    await get(`/attendance/sessions/${sessionIds[0]}/sheet.pdf`);

    let queries = 0;
    const countQuery = () => (queries += 1);
    db.on('query', countQuery);
    const matrixPage = await get(`/manage/offerings/${offering.id}/attendance`);
    db.off('query', countQuery);

    const baseline = await timeRepeatedly(50, () => get('/healthz'));
    const accountPage = await timeRepeatedly(30, () => get('/account'));
    const matrix = await timeRepeatedly(30, () => get(`/manage/offerings/${offering.id}/attendance`));

    const barePdf = await timeRepeatedly(10, () => renderBarePdfPage());
    let sheetBytes = 0;
    const sheet = await timeRepeatedly(10, async () => (sheetBytes = (await get(`/attendance/sessions/${sessionIds[0]}/sheet.pdf`)).length));

    console.log(`attendance matrix, ${PARTICIPANTS} participants × ${SESSIONS} sessions (${(matrixPage.length / 1024).toFixed(0)} KB page):`);
    console.log(`  SQL queries for one page view (incl. session and user): ${queries}`);
    console.log(`  baseline GET /healthz           mean ${ms(baseline.mean)}  p95 ${ms(baseline.p95)}`);
    console.log(`  baseline GET /account (1 form)  mean ${ms(accountPage.mean)}  p95 ${ms(accountPage.p95)}`);
    console.log(`  matrix page                     mean ${ms(matrix.mean)}  p95 ${ms(matrix.p95)}  = ${(matrix.mean / accountPage.mean).toFixed(1)}× the account page`);
    console.log(`sign-in sheet for ${PARTICIPANTS} participants (${(sheetBytes / 1024).toFixed(0)} KB PDF):`);
    console.log(`  baseline bare pdfkit page, same TTF font  mean ${ms(barePdf.mean)}`);
    console.log(`  sign-in sheet over HTTP                   mean ${ms(sheet.mean)}  p95 ${ms(sheet.p95)}  = ${(sheet.mean / barePdf.mean).toFixed(1)}× the bare page`);
  } finally {
    await bench.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
