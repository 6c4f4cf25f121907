import fs from 'node:fs';
import path from 'node:path';

const RESULTS = path.resolve(__dirname, '..', 'RESULTS.md');

/**
 * bench/RESULTS.md holds one section per benchmark. A benchmark replaces its own section
 * (from its `## ` heading to the next one), or appends it, and leaves the others as they are.
 */
export function writeResultsSection(heading: string, section: string): void {
  const text = fs.existsSync(RESULTS) ? fs.readFileSync(RESULTS, 'utf8') : '# Benchmark results\n';
  const start = text.indexOf(heading);
  const body = `${section.trimEnd()}\n`;
  if (start < 0) {
    fs.writeFileSync(RESULTS, `${text.trimEnd()}\n\n${body}`);
    return;
  }
  const next = text.indexOf('\n## ', start + heading.length);
  fs.writeFileSync(RESULTS, `${text.slice(0, start)}${body}${next < 0 ? '' : `\n${text.slice(next + 1)}`}`);
}
