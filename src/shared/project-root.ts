import fs from 'node:fs';
import path from 'node:path';

/**
 * The directory holding package.json, views/, static/ and node_modules/. Code runs from
 * src/ (tsx, tests) or from its compiled copy in dist/src/ (production build, container),
 * so "two levels up from this file" means different places; the nearest package.json does not.
 */
function findProjectRoot(start: string): string {
  for (let directory = start; ; directory = path.dirname(directory)) {
    if (fs.existsSync(path.join(directory, 'package.json'))) return directory;
    if (path.dirname(directory) === directory) throw new Error(`no package.json above ${start}`);
  }
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
