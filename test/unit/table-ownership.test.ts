import fs from 'node:fs';
import path from 'node:path';

/**
 * Every table has one owning domain, and only that domain's *.queries.ts writes it
 * (README, "Architecture"). This test reads the source: a write to a table from any other
 * file fails it, and so does a new table without an owner.
 */
const OWNERS: Record<string, string> = {
  users: 'accounts',
  organisations: 'accounts',
  // Organisations merged away: old id and name lead to the one kept (organisation-merge.*).
  organisation_merges: 'accounts',
  account_tokens: 'accounts',
  password_reset_requests: 'accounts',
  // Single sign-on: which provider's subject is which account (src/accounts/sso/).
  external_identities: 'accounts',
  second_factors: 'accounts',
  second_factor_recovery_codes: 'accounts',
  programmes: 'catalog',
  modules: 'catalog',
  offerings: 'catalog',
  offering_sessions: 'catalog',
  session_trainers: 'catalog',
  enrollments: 'enrollment',
  calendar_feeds: 'enrollment',
  session_reminders: 'enrollment',
  enrollment_notice_batches: 'enrollment',
  attendance_records: 'attendance',
  excuses: 'attendance',
  check_in_windows: 'attendance',
  signed_sheets: 'attendance',
  materials: 'materials',
  material_versions: 'materials',
  material_visits: 'materials',
  certificates: 'certificates',
  certificate_templates: 'certificates',
  certificate_images: 'certificates',
  certificate_serial_counters: 'certificates',
  audit_events: 'audit',
  outgoing_mails: 'mail',
  message_log: 'mail',
  reminder_claims: 'mail',
  coordinator_messages: 'messages',
  coordinator_message_recipients: 'messages',
  erasure_requests: 'privacy',
  retention_runs: 'privacy',
  report_completion_snapshots: 'reports',
  questionnaires: 'evaluation',
  questionnaire_versions: 'evaluation',
  questionnaire_items: 'evaluation',
  evaluation_assignments: 'evaluation',
  evaluations: 'evaluation',
  evaluation_participants: 'evaluation',
  evaluation_responses: 'evaluation',
  // Written by the accounts domain's session store, which also ends a person's sessions.
  http_sessions: 'accounts',
};

/** Tables of libraries, written by the library itself: the rate limiter's counters. */
const LIBRARY_TABLES = new Set(['rate_limits']);

const ROOT = path.resolve(__dirname, '..', '..');

function sourceFiles(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Tables a file writes: Knex chains `x('table')…insert/update/delete(` and raw INSERT/UPDATE/DELETE. */
export function writtenTables(source: string): string[] {
  const tables = new Set<string>();
  const chain = /\b\w+\(\s*'([a-z_]+)(?: as \w+)?'\s*\)([\s\S]*?)(?=;|\n\s*\n)/g;
  for (const match of source.matchAll(chain)) {
    if (/\.(insert|update|delete|del|increment|decrement|truncate)\(/.test(match[2]!)) tables.add(match[1]!);
  }
  // A query built in steps: `const query = db('table')…; …; query.delete()`.
  for (const match of source.matchAll(/\b(?:const|let)\s+(\w+)\s*=\s*\w+\(\s*'([a-z_]+)'\s*\)/g)) {
    if (new RegExp(`\\b${match[1]}\\s*\\.(insert|update|delete|del)\\(`).test(source)) tables.add(match[2]!);
  }
  const raw = /\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE)\s+"?([a-z_]+)"?/g;
  for (const match of source.matchAll(raw)) tables.add(match[1]!);
  return [...tables].filter((table) => table in OWNERS || LIBRARY_TABLES.has(table));
}

function createdTables(): string[] {
  const migrations = fs.readdirSync(path.join(ROOT, 'migrations')).map((file) => fs.readFileSync(path.join(ROOT, 'migrations', file), 'utf8'));
  return [...new Set(migrations.flatMap((source) => [...source.matchAll(/createTable\('([a-z_]+)'/g)].map((match) => match[1]!)))];
}

describe('table ownership', () => {
  it('names an owning domain (or a library) for every table the migrations create', () => {
    const unowned = createdTables().filter((table) => !(table in OWNERS) && !LIBRARY_TABLES.has(table));
    expect(unowned).toEqual([]);
  });

  it('lets only the owning domain’s queries files write a table', () => {
    const violations: string[] = [];
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      const relative = path.relative(path.join(ROOT, 'src'), file);
      const domain = relative.split(path.sep)[0];
      for (const table of writtenTables(fs.readFileSync(file, 'utf8'))) {
        if (LIBRARY_TABLES.has(table)) {
          violations.push(`${relative} writes ${table}, which only its library writes`);
        } else if (OWNERS[table] !== domain || !file.endsWith('.queries.ts')) {
          violations.push(`${relative} writes ${table} (owned by ${OWNERS[table]}, written in its *.queries.ts only)`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('recognises the ways this code base writes tables', () => {
    expect(writtenTables("await trx('offerings').where('id', id).update({ capacity });")).toEqual(['offerings']);
    expect(writtenTables("await db('enrollments').insert(row).returning('id');")).toEqual(['enrollments']);
    expect(writtenTables('await db.raw(`INSERT INTO session_reminders (session_id) VALUES (1)`);')).toEqual(['session_reminders']);
    expect(writtenTables("const query = db('http_sessions').where('sid', sid);\nif (x) query.whereNot('a', 1);\nreturn query.delete();")).toEqual(['http_sessions']);
    expect(writtenTables("await db('users').select('id').where('active', true);")).toEqual([]);
  });
});
