// Split a devstack local.conf into its meta-sections (`[[phase|file]]`), and
// parse the INI body of the non-local ones. Pure: text in, structure out.
// Variables in file names and INI values are expanded later (resolve.ts),
// once the localrc section has been evaluated.

import type { ConfigWarning, IniOption, IniSection, MetaPhase, SourcePos } from '../types/config.ts';
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
  /** Lines devstack ignores that tstack ignores too, said out loud. */
  warnings: ConfigWarning[];
}

// devstack matches ^\[\[.+\|.*\]\] and reads the first word of the line, so text after the header (a
// comment) is ignored; there are no spaces inside the brackets.
const HEADER = /^\[\[([^|[\]\s]+)\|([^[\]\s]+)\]\](?:\s+(.*))?$/;

export function parseLocalConf(text: string, file: string): LocalConf {
  const sections: RawMetaSection[] = [];
  const warnings: ConfigWarning[] = [];
  let current: RawMetaSection | undefined;
  // An editor's UTF-8 byte order mark is not part of the first line.
  const lines = (text.startsWith('\uFEFF') ? text.slice(1) : text).split(/\r?\n/);
  lines.forEach((raw, index) => {
    const pos = { file, line: index + 1 };
    const trimmed = raw.trim();
    if (raw.startsWith('[[')) {
      const m = HEADER.exec(raw.trimEnd());
      if (m?.[3] && !m[3].startsWith('#')) {
        warnings.push({ message: `text after the header is ignored (as devstack does): '${m[3]}'`, pos });
      }
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
  return { file, sections, warnings };
}

/** The file's bytes as text; bytes that are not UTF-8 are an error at their line, never replaced silently. */
export function decodeLocalConf(bytes: Uint8Array, file: string): string {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    return decoder.decode(bytes);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try {
        decoder.decode(bytes.subarray(start, i));
      } catch {
        throw new ConfigError('bytes that are not UTF-8 text: save the file as UTF-8', { file, line });
      }
      line++;
      start = i + 1;
    }
    throw new ConfigError(`${file}: not UTF-8 text`);
  }
}

/** The lines of every [[local|localrc]] section, in file order. */
export function localrcLines(conf: LocalConf): RawLine[] {
  return conf.sections.filter((s) => s.phase === 'local').flatMap((s) => s.lines);
}

/**
 * INI body of a meta-section: `[section]`, `key = value`, `#`/`;` comments.
 * A key repeated in a section becomes one option with several values
 * (devstack writes those as a multi-line option). Values are raw.
 * Lines devstack's merge skips (an option before any [section], a line with
 * no `=`, an indented line: doc fragments) are skipped with a warning in `warnings`.
 */
export function parseIni(lines: readonly RawLine[], warnings: ConfigWarning[] = []): IniSection[] {
  const sections: IniSection[] = [];
  const byName = new Map<string, IniSection>();
  const options = new Map<IniSection, Map<string, IniOption>>();
  let current: IniSection | undefined;
  for (const { text, pos } of lines) {
    const t = text.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
    if (/^[ \t]/.test(text)) {
      // devstack's merge reads a section or an option only from the first column (indented: skipped)
      warnings.push({
        message: `indented line '${t}' is not merged (devstack skips it too): start it in column 1`,
        pos,
      });
      continue;
    }
    const header = /^\[([^\]]+)\]$/.exec(t);
    if (header) {
      const name = header[1].trim();
      current = byName.get(name);
      if (!current) {
        current = { name, options: [] };
        sections.push(current);
        byName.set(name, current);
        options.set(current, new Map());
      }
      continue;
    }
    const eq = t.indexOf('=');
    if (eq <= 0) {
      warnings.push({ message: `'${t}' is not 'key = value' or '[section]': not merged (devstack skips it too)`, pos });
      continue;
    }
    const key = t.slice(0, eq).trim();
    if (!current) {
      warnings.push({ message: `option '${key}' before any [section]: not merged (devstack ignores it too)`, pos });
      continue;
    }
    const value = t.slice(eq + 1).trim();
    const seen = options.get(current)!;
    const existing = seen.get(key);
    if (existing) existing.values.push(value);
    else {
      const option = { key, values: [value], pos };
      current.options.push(option);
      seen.set(key, option);
    }
  }
  return sections;
}
