// The README's settings reference, generated from the settings catalog (the
// core rows and every registered module's).
// `npm run docs` rewrites the part between the markers; test/unit/cli/docs.test.ts
// fails when it is stale.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeDefault } from '../config/settings.ts';
import type { SettingsCatalog } from '../types/config.ts';
import { stackCatalog } from './catalog.ts';
import { TOP_DIR } from '../util/paths.ts';

export const START_MARKER = '<!-- settings:start -->';
export const END_MARKER = '<!-- settings:end -->';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(text: string): string {
  return text === '' ? '(empty)' : `\`${text}\``;
}

/** Markdown tables, one per group. */
export function settingsMarkdown(catalog: SettingsCatalog = stackCatalog()): string {
  const out: string[] = [];
  for (const group of catalog.groups) {
    const rows = catalog.settings.filter((s) => s.group === group);
    if (rows.length === 0) continue;
    out.push(
      `### ${group[0].toUpperCase()}${group.slice(1)}`,
      '',
      '| Setting | Type | Default | Description |',
      '|---|---|---|---|',
    );
    for (const s of rows) {
      const def = s.defaultDoc !== undefined ? cell(s.defaultDoc) : cell(code(describeDefault(s)));
      const type = s.type === 'enum' ? (s.choices ?? []).map((c) => c || '(empty)').join(' \\| ') : s.type;
      out.push(`| \`${s.name}\` | ${type} | ${def} | ${cell(s.description)}${s.secret ? ' (secret)' : ''} |`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/** `readme` with the generated section in place of whatever is between the markers. */
export function withSettingsSection(readme: string, catalog: SettingsCatalog = stackCatalog()): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${START_MARKER} ... ${END_MARKER}`);
  return `${readme.slice(0, start + START_MARKER.length)}\n${settingsMarkdown(catalog)}\n${readme.slice(end)}`;
}

export function readmePath(topDir = TOP_DIR): string {
  return join(topDir, 'README.md');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const path = readmePath();
  const before = readFileSync(path, 'utf8');
  const after = withSettingsSection(before);
  if (process.argv.includes('--write')) {
    if (after !== before) writeFileSync(path, after);
    process.stdout.write(
      after === before ? 'README.md settings reference is up to date\n' : 'README.md settings reference rewritten\n',
    );
  } else {
    process.stdout.write(settingsMarkdown() + '\n');
    if (after !== before) process.exitCode = 1;
  }
}
