import type { Knex } from 'knex';
import { hash } from '@node-rs/argon2';

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
    await trx('users').insert(
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
    );
  });
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
