// No line over 120 characters in code (`npm run lint`, part of `npm test`).
// biome's formatter wraps code at 120 but leaves long strings and comments
// alone: those are wrapped by hand, and this check finds them. Markdown is
// not checked (README's tables cannot wrap); nor is package-lock.json, which
// npm writes.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAX_LINE = 120;

/** Files whose lines are checked: code and scripts, by name. */
export function isChecked(file: string): boolean {
  if (file === 'package-lock.json' || file.startsWith('test/fixtures/')) return false;
  return /\.(ts|js|mjs|json|sh|py)$/.test(file) || file === '.ci/run';
}

/** `file:line: N characters` for each line over `max` (characters, not bytes: `│` is one). */
export function longLines(file: string, text: string, max = MAX_LINE): string[] {
  return text.split('\n').flatMap((line, i) => {
    const n = [...line].length;
    return n > max ? [`${file}:${i + 1}: ${n} characters (at most ${max})`] : [];
  });
}

function main(): number {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f && isChecked(f));
  const problems = files.flatMap((f) => {
    try {
      return longLines(f, readFileSync(resolve(root, f), 'utf8'));
    } catch {
      return []; // listed by git but deleted in the working tree
    }
  });
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length > 0) {
    process.stderr.write(`line-length: ${problems.length} line(s) over ${MAX_LINE} characters\n`);
    return 1;
  }
  process.stdout.write(`line-length: ${files.length} files, no line over ${MAX_LINE} characters\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
