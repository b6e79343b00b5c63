// The saved password file, devstack's `.localrc.password`: `KEY='value'`
// lines, single-quoted so that any printable character round-trips and bash
// can still source the file. Mode 0600.

import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../util/errors.ts';
import { shellSingleQuote } from '../util/shell-quote.ts';
import { expandWord, isName, tokenize } from './expand.ts';

export function formatPasswordFile(values: Readonly<Record<string, string>>): string {
  const lines = ['# Written by tstack (./stack.ts): passwords answered or generated. Keep it private (mode 0600).'];
  for (const [k, v] of Object.entries(values)) lines.push(`${k}=${shellSingleQuote(v)}`);
  return lines.join('\n') + '\n';
}

export function parsePasswordFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split('\n').forEach((line, i) => {
    const pos = { file, line: i + 1 };
    const { words, open } = tokenize(line, pos);
    if (open) throw new ConfigError('unterminated quote', pos);
    if (words.length === 0) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(words[0]);
    if (!m || words.length > 1 || !isName(m[1])) throw new ConfigError('expected NAME=value', pos);
    // Only quoting is undone; nothing is expanded in saved passwords.
    out[m[1]] = expandWord(m[2], () => undefined, pos);
  });
  return out;
}

export function readPasswordFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return parsePasswordFile(readFileSync(path, 'utf8'), path);
}

/** Write (replace) the file with mode 0600, also when it existed with a wider mode. */
export function writePasswordFile(path: string, values: Readonly<Record<string, string>>): void {
  // Narrow an existing file first, so the new content is never world-readable.
  if (existsSync(path)) chmodSync(path, 0o600);
  writeFileSync(path, formatPasswordFile(values), { mode: 0o600 });
  chmodSync(path, 0o600);
}
