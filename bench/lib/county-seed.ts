import { hashPassword } from '../../src/accounts/passwords';
import { hashToken } from '../../src/accounts/tokens';
import type { Database } from '../../src/db/database';

/** Sizes of a seeded district; the county is the one issue 11 measures, the small district a twentieth of it. */
export type DistrictSize = {
  label: string;
  participants: number;
  organisations: number;
  offerings: number;
  /** Sessions per offering: offerings × this = sessions (5 × 300 = 1,500 in the county). */
  sessionsPerOffering: number;
  enrollments: number;
  attendanceRows: number;
  certificates: number;
  /** The coordinator's big offering (certificates, enrollments) and the cohort of the matrix and roll call. */
  bigOfferingPeople: number;
  cohortPeople: number;
};

export const COUNTY: DistrictSize = {
  label: 'county',
  participants: 10_000,
  organisations: 60,
  offerings: 300,
  sessionsPerOffering: 5,
  enrollments: 30_000,
  attendanceRows: 120_000,
  certificates: 5_000,
  bigOfferingPeople: 500,
  cohortPeople: 300,
};

export const SMALL_DISTRICT: DistrictSize = {
  label: 'small',
  participants: 500,
  organisations: 3,
  offerings: 15,
  sessionsPerOffering: 5,
  enrollments: 1_500,
  attendanceRows: 6_000,
  certificates: 250,
  bigOfferingPeople: 25,
  cohortPeople: 15,
};

export const BENCH_PASSWORD = 'Bench-Passwort-2026';
export const CALENDAR_TOKEN = 'bench-calendar-feed-token-0123456789abcdef';

/** What the measured pages need to know about the seeded data. */
export type SeededDistrict = {
  bigOfferingId: number;
  cohortOfferingId: number;
  cohortSessionId: number;
  coordinatorEmail: string;
  adminEmail: string;
  /** A participant with a history: in the big offering (certificate) and in the most other offerings. */
  participantEmail: string;
  participantEnrollments: number;
};

/**
 * The smallest valid PDF we need: the certificate pages list serials and links, they never
 * parse the stored PDF, so a fixed dummy document stands in for 5,000 rendered ones
 * (rendering them would take minutes). The snapshot is complete (every field of
 * CertificateSnapshot, the certificate's own serial, code, name and modules), so pages that
 * load it carry its real weight.
 */
const DUMMY_PDF = '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n';

/**
 * Seeds a district with set-based SQL (INSERT … SELECT generate_series) in one transaction,
 * deterministically: every name, date and status is computed from row numbers, no randomness.
 * All people, places and addresses are invented (example.org domains, made-up town names).
 * Constraints and triggers stay on: confirmed enrollments are inserted within capacity.
 */
export async function seedDistrict(db: Database, size: DistrictSize): Promise<SeededDistrict> {
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const people = size.participants;
  const otherOfferings = size.offerings - 2;
  const otherEnrollments = size.enrollments - Math.round(size.bigOfferingPeople * 1.1) - size.cohortPeople;
  const perOther = Math.ceil(otherEnrollments / otherOfferings);
  const otherCapacity = Math.floor(perOther * 0.9);
  const p = { people, orgs: size.organisations, offerings: size.offerings, spo: size.sessionsPerOffering, hash: passwordHash };

  await db.transaction(async (trx) => {
    const run = (sql: string, bindings: Record<string, unknown> = {}) => trx.raw(sql, bindings as never);
    await run(
      `INSERT INTO organisations (name, kind)
       SELECT CASE WHEN n = 1 THEN 'Landratsamt Musterkreis'
                   ELSE (ARRAY['Stadt ','Gemeinde ','Markt '])[1 + n % 3]
                        || (ARRAY['Linden','Eichen','Birken','Tannen','Buchen','Ahorn','Erlen','Weiden','Fichten','Ulmen','Eschen','Kiefern'])[1 + n % 12]
                        || (ARRAY['au','bach','dorf','feld','hausen'])[1 + (n / 12) % 5] || CASE WHEN n >= 60 THEN ' ' || n ELSE '' END END,
              CASE WHEN n = 1 THEN 'district_office' ELSE 'municipality' END
         FROM generate_series(1, CAST(:orgs AS int)) AS n`,
      p,
    );
    // Staff first, so their ids are the same in every district.
    await run(
      `INSERT INTO users (email, first_name, last_name, role, password_hash, organisation_id, email_verified_at)
       VALUES ('koordination@county.example.org', 'Katrin', 'Mühlberg', 'coordinator', :hash, (SELECT min(id) FROM organisations), now()),
              ('admin@county.example.org', 'Anton', 'Verwalter', 'admin', :hash, (SELECT min(id) FROM organisations), now())`,
      p,
    );
    await run(
      `INSERT INTO users (email, first_name, last_name, role, password_hash, organisation_id, department, email_verified_at)
       SELECT 'tn' || lpad(n::text, 5, '0') || '@county.example.org',
              (ARRAY['Jörg','Ayşe','Murat','Katrin','Lena','Tobias','Sabine','Jan','Fatma','Uwe','Mira','Henrik','Özlem','Paul','Greta','Yusuf','Ines','Bernd','Nele','Karl'])[1 + n % 20],
              (ARRAY['Weißbach','Yılmaz','Brunnmeier','Kesselring','Falkenhorst','Dornfeld','Grünwald','Hasenkamp','Lindqvist','Mertensen','Rosskopf','Steinhauer','Tannwald','Ulbrecht','Vogelsang','Wendeborn','Zeilinger','Achterberg','Bräunling','Kleinschmidt','Ostermeier','Pfeiffer-Lang','Quast','Sonnleitner','Eichhorst'])[1 + (n / 20) % 25],
              'participant', :hash,
              (SELECT min(id) FROM organisations) + n % CAST(:orgs AS int),
              (ARRAY['Ordnungsamt','Bauamt','Jugendamt','Sozialamt','Bürgerbüro'])[1 + n % 5],
              now()
         FROM generate_series(1, CAST(:people AS int)) AS n`,
      p,
    );
    await run(
      `INSERT INTO programmes (kind, title, certificate_kind) VALUES
         ('series', 'Kommunales Konfliktmanagement – Theorie und Praxis', 'certificate'),
         ('workshop', 'Umgang mit extremistischen Gruppierungen im Verwaltungshandeln', 'confirmation'),
         ('event', 'Fachtag: Spannungsfeld politische Neutralität und demokratische Positionierung', 'confirmation')`,
    );
    await run(
      `INSERT INTO modules (programme_id, position, title, teaching_units)
       SELECT pr.id, m.position, m.title, 8
         FROM programmes pr
         JOIN LATERAL (SELECT * FROM unnest(
                CASE WHEN pr.kind = 'series' THEN ARRAY['Konflikte verstehen – Grundlagen, Dynamik und Eskalationsstufen','Systemische Konfliktanalyse in der Kommune','Kommunikation und Gesprächsführung in angespannten Situationen','Moderation, Beteiligung und Mediation im Verwaltungsalltag','Praxistransfer – eigene Konfliktfälle bearbeiten']
                     ELSE ARRAY[pr.title] END) WITH ORDINALITY AS t(title, position)) m ON true`,
    );
    // Offering n: 60 % series, 30 % workshops, 10 % Fachtage; start dates spread evenly over
    // about three years (three days apart in the county), the last tenth in the future. Offerings 1 and 2 (the big one and the cohort) are series.
    await run(
      `INSERT INTO offerings (programme_id, title, capacity, status, location, registration_opens_at, registration_closes_at)
       SELECT pr.id,
              CASE pr.kind WHEN 'series' THEN 'Durchgang ' WHEN 'workshop' THEN 'Workshop ' ELSE 'Fachtag ' END || n,
              CASE WHEN n = 1 THEN CAST(:big AS int) WHEN n = 2 THEN CAST(:cohort AS int) ELSE CAST(:otherCapacity AS int) END,
              'published', 'Landratsamt Musterkreis, Saal ' || (1 + n % 4),
              start - interval '90 days', start - interval '7 days'
         FROM generate_series(1, CAST(:offerings AS int)) AS n
         CROSS JOIN LATERAL (SELECT date_trunc('day', now()) + ((n - round(CAST(:offerings AS int) * 0.9)) * CAST(:spacing AS int)) * interval '1 day' + interval '8 hours' AS start) s
         JOIN programmes pr ON pr.kind = CASE WHEN n <= 2 OR n % 10 < 6 THEN 'series' WHEN n % 10 < 9 THEN 'workshop' ELSE 'event' END
        ORDER BY n`,
      { ...p, big: size.bigOfferingPeople, cohort: size.cohortPeople, otherCapacity, spacing: Math.round(900 / size.offerings) },
    );
    // Weekly sessions; a series offering's sessions follow its modules, other offerings repeat their one module.
    await run(
      `INSERT INTO offering_sessions (offering_id, module_id, starts_at, ends_at, location)
       SELECT o.id, m.id, o.registration_closes_at + interval '7 days' + (j - 1) * interval '7 days',
              o.registration_closes_at + interval '7 days' + (j - 1) * interval '7 days' + interval '7 hours', o.location
         FROM offerings o
         CROSS JOIN generate_series(1, CAST(:spo AS int)) AS j
         JOIN programmes pr ON pr.id = o.programme_id
         JOIN modules m ON m.programme_id = pr.id AND m.position = CASE WHEN pr.kind = 'series' THEN 1 + (j - 1) % 5 ELSE 1 END
        ORDER BY o.id, j`,
      p,
    );
    const firstUser = `(SELECT min(id) FROM users WHERE role = 'participant')`;
    // The big offering: everyone confirmed, a tenth more on the waitlist; the cohort: all confirmed.
    await run(
      `INSERT INTO enrollments (offering_id, user_id, status, requested_at, confirmed_at)
       SELECT (SELECT min(id) FROM offerings), ${firstUser} + k, CASE WHEN k < CAST(:big AS int) THEN 'confirmed' ELSE 'waitlisted' END,
              now() - interval '900 days' + k * interval '1 minute', CASE WHEN k < CAST(:big AS int) THEN now() - interval '899 days' END
         FROM generate_series(0, CAST(:bigWithWaitlist AS int) - 1) AS k ORDER BY k`,
      { big: size.bigOfferingPeople, bigWithWaitlist: Math.round(size.bigOfferingPeople * 1.1) },
    );
    await run(
      `INSERT INTO enrollments (offering_id, user_id, status, requested_at, confirmed_at)
       SELECT (SELECT min(id) + 1 FROM offerings), ${firstUser} + (k + CAST(:skip AS int)) % CAST(:people AS int), 'confirmed', now() - interval '890 days', now() - interval '889 days'
         FROM generate_series(0, CAST(:cohort AS int) - 1) AS k ORDER BY k`,
      { cohort: size.cohortPeople, skip: Math.round(size.bigOfferingPeople * 1.1), people },
    );
    // The other offerings: k-th person of offering o is (o·131 + k·101) mod people, distinct
    // within an offering as 101 is prime to the number of people; the first 90 % confirmed.
    await run(
      `INSERT INTO enrollments (offering_id, user_id, status, requested_at, confirmed_at)
       SELECT o, ${firstUser} + (o * 131 + k * 101) % CAST(:people AS int),
              CASE WHEN k < CAST(:otherCapacity AS int) THEN 'confirmed' ELSE 'waitlisted' END,
              now() - interval '800 days', CASE WHEN k < CAST(:otherCapacity AS int) THEN now() - interval '799 days' END
         FROM generate_series(0, CAST(:otherEnrollments AS int) - 1) AS r
         CROSS JOIN LATERAL (SELECT (SELECT min(id) + 2 FROM offerings) + r % CAST(:otherOfferings AS int) AS o, r / CAST(:otherOfferings AS int) AS k) x
        ORDER BY o, k`,
      { people, otherCapacity, otherEnrollments, otherOfferings },
    );
    // Attendance of confirmed people in past sessions, oldest first, up to the target count.
    await run(
      `INSERT INTO attendance_records (session_id, user_id, status, source, recorded_at)
       SELECT s.id, e.user_id,
              (ARRAY['present','present','present','present','present','present','present','present','present','present',
                     'present','present','present','present','present','present','present','late','excused','absent'])[1 + (s.id * 7 + e.user_id) % 20],
              'roll_call', s.ends_at
         FROM offering_sessions s
         JOIN enrollments e ON e.offering_id = s.offering_id AND e.status = 'confirmed'
        WHERE s.starts_at < now()
        ORDER BY s.id, e.user_id
        LIMIT CAST(:rows AS int)`,
      { rows: size.attendanceRows },
    );
    // Certificates: the whole big offering, then confirmed people of other past series offerings.
    await run(
      `INSERT INTO certificates (serial, serial_year, serial_number, verification_code, user_id, programme_id, offering_id,
                                 subject_key, kind, snapshot, pdf, pdf_sha256, issued_at)
       SELECT 'KKM-2026-' || lpad(c.n::text, 5, '0'), 2026, c.n,
              upper(substr(md5('bench-certificate-' || c.n), 1, 20)),
              c.user_id, c.programme_id, c.offering_id, 'programme:' || c.programme_id, 'certificate',
              jsonb_build_object('version', 1, 'kind', 'certificate', 'serial', 'KKM-2026-' || lpad(c.n::text, 5, '0'),
                'verificationCode', upper(substr(md5('bench-certificate-' || c.n), 1, 20)),
                'verificationUrl', 'https://campus.county.example.org/verify/' || upper(substr(md5('bench-certificate-' || c.n), 1, 20)),
                'issuedAt', to_char((now() - interval '100 days') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'name', u.first_name || ' ' || u.last_name, 'programmeTitle', pr.title, 'offeringTitle', o.title, 'place', o.location,
                'periodFrom', to_char(sp.first_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'periodTo', to_char(sp.last_end AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                'modules', sp.modules, 'totalUnits', 40, 'sessions', '[]'::jsonb, 'durationMinutes', 0,
                'template', jsonb_build_object('title', 'Zertifikat',
                  'body', 'hat erfolgreich an der Qualifizierungsreihe teilgenommen und alle fünf Module abgeschlossen.',
                  'fundingLine', 'Gefördert im Rahmen des Bundesprogramms „Demokratie leben!“',
                  'signatories', jsonb_build_array(jsonb_build_object('name', 'Dr. Beate Lindqvist', 'function', 'Landrätin', 'signatureImageId', null)),
                  'logoImageIds', '[]'::jsonb),
                'regionName', 'Landkreis Musterkreis'),
              convert_to(:pdf, 'UTF8'), encode(sha256(convert_to(:pdf, 'UTF8')), 'hex'), now() - interval '100 days'
         FROM (SELECT e.user_id, o.programme_id, o.id AS offering_id,
                      row_number() OVER (ORDER BY o.id, e.user_id) AS n,
                      row_number() OVER (PARTITION BY e.user_id ORDER BY o.id) AS per_person
                 FROM enrollments e JOIN offerings o ON o.id = e.offering_id JOIN programmes pr ON pr.id = o.programme_id
                WHERE e.status = 'confirmed' AND pr.kind = 'series' AND o.registration_closes_at < now() - interval '60 days') c
         JOIN users u ON u.id = c.user_id JOIN offerings o ON o.id = c.offering_id JOIN programmes pr ON pr.id = c.programme_id
         JOIN (SELECT s.offering_id, min(s.starts_at) AS first_start, max(s.ends_at) AS last_end,
                      jsonb_agg(jsonb_build_object('position', m.position, 'title', m.title, 'teachingUnits', m.teaching_units,
                                                   'dates', jsonb_build_array(to_char(s.starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))) ORDER BY m.position) AS modules
                 FROM offering_sessions s JOIN modules m ON m.id = s.module_id GROUP BY s.offering_id) sp ON sp.offering_id = c.offering_id
        WHERE c.per_person = 1
        ORDER BY c.n
        LIMIT CAST(:certificates AS int)`,
      { certificates: size.certificates, pdf: DUMMY_PDF },
    );
    await run(`INSERT INTO certificate_serial_counters (year, last_number) SELECT 2026, max(serial_number) FROM certificates`);
  });
  await db.raw('ANALYZE');

  const offerings = await db('offerings').orderBy('id').limit(2).pluck('id');
  const cohortSession = await db('offering_sessions').where('offering_id', offerings[1]).orderBy('starts_at').first('id');
  // The participant measured: the one of the big offering with the longest history.
  const participant = await db('enrollments as e')
    .join('users as u', 'u.id', 'e.user_id')
    .whereIn('e.user_id', db('enrollments').where({ offering_id: offerings[0], status: 'confirmed' }).select('user_id'))
    .groupBy('u.id', 'u.email')
    .orderByRaw('count(*) DESC, u.id')
    .first('u.id', 'u.email', db.raw('count(*)::int AS enrollments'));
  await db('calendar_feeds').insert({ user_id: participant.id, token_hash: hashToken(CALENDAR_TOKEN) });
  return {
    bigOfferingId: offerings[0],
    cohortOfferingId: offerings[1],
    cohortSessionId: cohortSession.id,
    coordinatorEmail: 'koordination@county.example.org',
    adminEmail: 'admin@county.example.org',
    participantEmail: participant.email,
    participantEnrollments: participant.enrollments,
  };
}

/** Row counts of the seeded tables, printed so a reader sees what was measured. */
export async function countRows(db: Database): Promise<Record<string, number>> {
  const tables = ['users', 'organisations', 'offerings', 'offering_sessions', 'enrollments', 'attendance_records', 'certificates'];
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table] = Number((await db(table).count('* as count').first())?.count ?? 0);
  return counts;
}
