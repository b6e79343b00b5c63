// Split a devstack local.conf into its meta-sections (`[[phase|file]]`), and
// parse the INI body of the non-local ones. Pure: text in, structure out.
// Variables in file names and INI values are expanded later (resolve.ts),
// once the localrc section has been evaluated.

import type { IniSection, MetaPhase, SourcePos } from '../types/config.ts';
import { ConfigError } from '../util/errors.ts';

export const META_PHASES: readonly MetaPhase[] = ['local', 'post-config', 'extra', 'post-extra', 'test-config'];

export interface RawLine {
  text: string;
  pos: SourcePos;
}

export interface RawMetaSection {
  phase: MetaPhase;
  /** The file part of the header, unexpanded (`$NOVA_CONF`). */
  rawFile: string;
  pos: SourcePos;
  /** Body lines, up to the next header. */
  lines: RawLine[];
}

export interface LocalConf {
  file: string;
  sections: RawMetaSection[];
}

// devstack matches ^\[\[.+\|.*\]\] and allows no spaces in the brackets.
const HEADER = /^\[\[([^|[\]\s]+)\|([^[\]\s]+)\]\]$/;

export function parseLocalConf(text: string, file: string): LocalConf {
  const sections: RawMetaSection[] = [];
  let current: RawMetaSection | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const pos = { file, line: index + 1 };
    const trimmed = raw.trim();
    if (raw.startsWith('[[')) {
      const m = HEADER.exec(raw.trimEnd());
      if (!m) {
        throw new ConfigError(
          `malformed meta-section header '${trimmed}': expected [[phase|file]] with no spaces, e.g. ` +
            `[[post-config|$NOVA_CONF]]`,
          pos,
        );
      }
      const [, phase, rawFile] = m;
      if (!META_PHASES.includes(phase as MetaPhase)) {
        throw new ConfigError(`unknown phase '${phase}' in '${trimmed}': phases are ${META_PHASES.join(', ')}`, pos);
      }
      if (phase === 'local' && rawFile !== 'localrc') {
        throw new ConfigError(`[[local|${rawFile}]]: the local phase only takes the file name localrc`, pos);
      }
      current = { phase: phase as MetaPhase, rawFile, pos, lines: [] };
      sections.push(current);
      return;
    }
    if (!current) {
      if (trimmed === '' || trimmed.startsWith('#')) return;
      throw new ConfigError(
        `'${trimmed}' is outside any meta-section; put settings under a [[local|localrc]] header`,
        pos,
      );
    }
    current.lines.push({ text: raw, pos });
  });
  return { file, sections };
}

/** The lines of every [[local|localrc]] section, in file order. */
export function localrcLines(conf: LocalConf): RawLine[] {
  return conf.sections.filter((s) => s.phase === 'local').flatMap((s) => s.lines);
}

/**
 * INI body of a meta-section: `[section]`, `key = value`, `#`/`;` comments.
 * A key repeated in a section becomes one option with several values
 * (devstack writes those as a multi-line option). Values are raw.
 */
export function parseIni(lines: readonly RawLine[]): IniSection[] {
  const sections: IniSection[] = [];
  let current: IniSection | undefined;
  for (const { text, pos } of lines) {
    const t = text.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(t);
    if (header) {
      const name = header[1].trim();
      current = sections.find((s) => s.name === name);
      if (!current) {
        current = { name, options: [] };
        sections.push(current);
      }
      continue;
    }
    const eq = t.indexOf('=');
    if (eq <= 0) throw new ConfigError(`expected 'key = value' or '[section]', got '${t}'`, pos);
    if (!current) throw new ConfigError(`option '${t.slice(0, eq).trim()}' before any [section]`, pos);
    const key = t.slice(0, eq).trim();
    const value = t.slice(eq + 1).trim();
    const existing = current.options.find((o) => o.key === key);
    if (existing) existing.values.push(value);
    else current.options.push({ key, values: [value], pos });
  }
  return sections;
}
