import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * `npm run bench`: runs every benchmark in bench/ (one process each, so their memory
 * figures don't mix). `npm run bench -- attendance` runs the ones whose name matches.
 */
const filter = process.argv[2];
const benches = fs
  .readdirSync(__dirname)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .filter((file) => !filter || file.includes(filter))
  .sort();
for (const file of benches) {
  console.log(`\n=== ${file}`);
  execFileSync(process.execPath, ['--import', 'tsx', path.join(__dirname, file)], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
}
