import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * `npm run build [-- --out-dir <dir>]`: TypeScript → JavaScript in dist/ (src/, migrations/,
 * seeds/), plus the message catalogs src/i18n reads from its own directory at run time.
 * views/, static/ and node_modules/ are read from the project root, so they stay where they are.
 * A type error fails the build (tsc still writes the files, but the exit code says no).
 */
const ROOT = path.resolve(__dirname, '..');
const flag = process.argv.indexOf('--out-dir');
const outDir = path.resolve(ROOT, flag >= 0 ? (process.argv[flag + 1] ?? 'dist') : 'dist');

fs.rmSync(outDir, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', outDir], { stdio: 'inherit' });
fs.cpSync(path.join(ROOT, 'src', 'i18n', 'locales'), path.join(outDir, 'src', 'i18n', 'locales'), { recursive: true });
console.log(`Built into ${path.relative(ROOT, outDir) || '.'}; run it with: node ${path.relative(ROOT, path.join(outDir, 'src', 'server.js'))}`);
