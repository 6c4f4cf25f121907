import { hashPassword } from '../src/accounts/passwords';
import { ms, startBenchApp } from './lib/harness';

const ROUNDS = 60;
const PASSWORD = 'Bench-Passwort-2026';

type Client = { cookie: string; token: string };

/**
 * Password reset and registration for a known and an unknown address: the answers must not
 * tell them apart, also not by their time. Alternating rounds, each request from its own
 * client address (the app trusts the loopback proxy) so the per-address limits don't interfere.
 */
async function main(): Promise<void> {
  const bench = await startBenchApp();
  try {
    const { db, baseUrl } = bench;
    const [organisation] = await db('organisations').insert({ name: 'Stadt Benchhausen', kind: 'municipality' }).returning('id');
    await db('users').insert({ email: 'bekannt@bench.example', first_name: 'Jörg', last_name: 'Müller', role: 'participant', password_hash: await hashPassword(PASSWORD), organisation_id: organisation.id, email_verified_at: new Date() });

    let address = 0;
    const nextAddress = () => `198.51.100.${(address = (address % 250) + 1)}`;
    const client = async (path: string): Promise<Client> => {
      const page = await fetch(`${baseUrl}${path}`, { headers: { 'x-forwarded-proto': 'https' } });
      return { cookie: (page.headers.get('set-cookie') ?? '').split(';')[0]!, token: /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '' };
    };
    const post = async (who: Client, path: string, fields: Record<string, string>): Promise<number> => {
      const start = process.hrtime.bigint();
      const response = await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: who.cookie, 'x-forwarded-proto': 'https', 'x-forwarded-for': nextAddress() },
        body: new URLSearchParams({ ...fields, _csrf: who.token }).toString(),
      });
      await response.arrayBuffer();
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if (response.status !== 303) throw new Error(`${path}: ${response.status}`);
      return elapsed;
    };
    const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

    const resetClient = await client('/password/forgot');
    const registerClient = await client('/register');
    const reset = (email: string) => post(resetClient, '/password/forgot', { email });
    const register = (email: string) =>
      post(registerClient, '/register', { firstName: 'Jana', lastName: 'Köhler', email, organisationId: String(organisation.id), password: 'Ein-langer-Satz-als-Passwort', passwordConfirm: 'Ein-langer-Satz-als-Passwort', privacyAccepted: 'yes' });

    // Warm up (templates, dictionaries, connection pool).
    for (let round = 0; round < 5; round += 1) {
      await reset('bekannt@bench.example');
      await reset(`warm${round}@bench.example`);
      await register(`warm${round}@bench.example`);
    }

    const timings = { resetKnown: [] as number[], resetUnknown: [] as number[], registerKnown: [] as number[], registerNew: [] as number[] };
    for (let round = 0; round < ROUNDS; round += 1) {
      // Alternate which goes first, so neither always meets a busier database.
      const pairs: Array<[number[], () => Promise<number>]> = [
        [timings.resetKnown, () => reset('bekannt@bench.example')],
        [timings.resetUnknown, () => reset(`niemand${round}@bench.example`)],
      ];
      if (round % 2 === 1) pairs.reverse();
      for (const [into, run] of pairs) into.push(await run());
      const registrations: Array<[number[], () => Promise<number>]> = [
        [timings.registerKnown, () => register('bekannt@bench.example')],
        [timings.registerNew, () => register(`neu${round}@bench.example`)],
      ];
      if (round % 2 === 1) registrations.reverse();
      for (const [into, run] of registrations) into.push(await run());
    }

    console.log(`password reset and registration, known vs unknown address (${ROUNDS} alternating rounds):`);
    const line = (label: string, values: number[]) => console.log(`  ${label.padEnd(34)} mean ${ms(mean(values))}  median ${ms(median(values))}`);
    line('reset, known address', timings.resetKnown);
    line('reset, unknown address', timings.resetUnknown);
    console.log(`  ratio known / unknown (median)     ${(median(timings.resetKnown) / median(timings.resetUnknown)).toFixed(2)}`);
    line('registration, address with account', timings.registerKnown);
    line('registration, new address', timings.registerNew);
    console.log(`  ratio existing / new (median)      ${(median(timings.registerKnown) / median(timings.registerNew)).toFixed(2)}`);
  } finally {
    await bench.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
