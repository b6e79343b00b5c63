// INI documents for OpenStack config files (oslo.config dialect) and the
// merge of local.conf's `[[post-config|FILE]]` blocks into them.
//
// tstack writes every config file whole from a typed document, so Debian's
// postinst defaults (sqlite URLs, eth0 addresses) never survive. local.conf's
// meta-sections are applied last and win: an option given there replaces all
// lines of that key, and a key repeated there becomes a multi-valued option
// (oslo.config MultiStrOpt), written as repeated lines.

import type { IniSection } from '../types/config.ts';

export type IniScalar = string | number | boolean;
/** One value, or several for a multi-valued option; undefined drops the key. */
export type IniInput = IniScalar | readonly IniScalar[] | undefined;

export interface IniOptionValue {
  key: string;
  values: string[];
}

export interface IniDocSection {
  name: string;
  options: IniOptionValue[];
}

/** Ordered sections of ordered options. */
export type IniDoc = IniDocSection[];

/** Input shape for `iniDoc`: section -> key -> value(s). Insertion order is kept. */
export type IniSpec = Record<string, Record<string, IniInput>>;

function scalar(v: IniScalar): string {
  // oslo.config reads true/false; keep numbers as written.
  return typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v);
}

/** Build a document from a plain object, dropping undefined keys and sections left empty. */
export function iniDoc(spec: IniSpec): IniDoc {
  const doc: IniDoc = [];
  for (const [name, opts] of Object.entries(spec)) {
    const options: IniOptionValue[] = [];
    for (const [key, v] of Object.entries(opts)) {
      if (v === undefined) continue;
      const values = Array.isArray(v) ? (v as IniScalar[]).map(scalar) : [scalar(v as IniScalar)];
      if (values.length === 0) continue;
      options.push({ key, values });
    }
    if (options.length > 0 || name === 'DEFAULT') doc.push({ name, options });
  }
  return doc;
}

/** Render a document; DEFAULT is written first when present, then the rest in order. */
export function renderIni(doc: IniDoc, header?: string): string {
  const out: string[] = [];
  if (header) for (const l of header.split('\n')) out.push(`# ${l}`.trimEnd());
  const ordered = [...doc.filter((s) => s.name === 'DEFAULT'), ...doc.filter((s) => s.name !== 'DEFAULT')];
  for (const s of ordered) {
    if (out.length > 0) out.push('');
    out.push(`[${s.name}]`);
    for (const o of s.options) for (const v of o.values) out.push(v === '' ? `${o.key} =` : `${o.key} = ${v}`);
  }
  return out.join('\n') + '\n';
}

/** Set (replace) one option's values in a document; returns a new document. */
export function setOption(doc: IniDoc, section: string, key: string, values: string[]): IniDoc {
  const out = doc.map((s) => ({
    name: s.name,
    options: s.options.map((o) => ({ key: o.key, values: [...o.values] })),
  }));
  let sec = out.find((s) => s.name === section);
  if (!sec) {
    sec = { name: section, options: [] };
    out.push(sec);
  }
  const existing = sec.options.find((o) => o.key === key);
  if (existing) existing.values = [...values];
  else sec.options.push({ key, values: [...values] });
  return out;
}

/** Merge local.conf sections into a document: local.conf wins, key by key. */
export function mergeIni(doc: IniDoc, sections: readonly IniSection[]): IniDoc {
  let out = doc;
  for (const s of sections) for (const o of s.options) out = setOption(out, s.name, o.key, o.values);
  return out;
}

const SECTION_RE = /^\s*\[([^\]]+)\]\s*$/;
const OPTION_RE = /^\s*([^#;=\s][^=]*?)\s*=(.*)$/;

/** Parse INI text into a document (comments dropped; repeated keys collected as values). */
export function parseIni(text: string): IniDoc {
  let doc: IniDoc = [];
  let section = 'DEFAULT';
  const seen = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^\s*([#;].*)?$/.test(line)) continue;
    const sm = SECTION_RE.exec(line);
    if (sm) {
      section = sm[1].trim();
      if (!doc.some((s) => s.name === section)) doc.push({ name: section, options: [] });
      continue;
    }
    const om = OPTION_RE.exec(line);
    if (!om) continue;
    const id = `${section}\u0000${om[1]}`;
    const values = [...(seen.get(id) ?? []), om[2].trim()];
    seen.set(id, values);
    doc = setOption(doc, section, om[1], values);
  }
  return doc;
}

/**
 * Apply local.conf sections to existing INI text in place, for files tstack
 * does not generate (e.g. api-paste.ini): comments and other lines are kept,
 * the lines of each given key are replaced where the key first appeared, and
 * missing keys or sections are appended.
 */
export function applyToIniText(text: string, sections: readonly IniSection[]): string {
  let lines = text.replace(/\n$/, '').split('\n');
  if (text === '') lines = [];
  for (const s of sections) {
    for (const o of s.options) {
      const newLines = o.values.map((v) => (v === '' ? `${o.key} =` : `${o.key} = ${v}`));
      let current = 'DEFAULT';
      let headerAt = -1;
      let sectionEnd = -1; // index after the last non-blank line of the target section
      const hits: number[] = [];
      for (let i = 0; i < lines.length; i++) {
        const sm = SECTION_RE.exec(lines[i]);
        if (sm) {
          current = sm[1].trim();
          if (current === s.name && headerAt < 0) {
            headerAt = i;
            sectionEnd = i + 1;
          }
          continue;
        }
        if (current !== s.name) continue;
        if (lines[i].trim() !== '') sectionEnd = i + 1;
        const om = OPTION_RE.exec(lines[i]);
        if (om && om[1] === o.key) hits.push(i);
      }
      if (hits.length > 0) {
        const first = hits[0];
        lines = lines.filter((_, i) => !hits.includes(i));
        lines.splice(first, 0, ...newLines);
      } else if (headerAt >= 0 || (s.name === 'DEFAULT' && sectionEnd >= 0)) {
        lines.splice(sectionEnd, 0, ...newLines);
      } else if (s.name === 'DEFAULT') {
        // DEFAULT without a header: options before the first section belong to it.
        const firstSection = lines.findIndex((l) => SECTION_RE.test(l));
        if (firstSection < 0) lines.push(...newLines);
        else lines.splice(firstSection, 0, ...newLines, '');
      } else {
        if (lines.length > 0 && lines[lines.length - 1].trim() !== '') lines.push('');
        lines.push(`[${s.name}]`, ...newLines);
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** The value(s) of a key, or undefined. */
export function getOption(doc: IniDoc, section: string, key: string): string[] | undefined {
  return doc.find((s) => s.name === section)?.options.find((o) => o.key === key)?.values;
}

/**
 * A secret (or any value that must reach the service verbatim) as an
 * oslo.config value. oslo.config's parser strips the value's surrounding
 * whitespace and then one pair of matching quotes, and later expands `$name`
 * (`$$` is a literal dollar). So: `$` doubled, the whole value in double
 * quotes, which keeps leading/trailing spaces and a value that itself starts
 * and ends with a quote. Every oslo.config file tstack writes a password into
 * uses this, and so must a future tempest.conf writer (tempest reads
 * tempest.conf through oslo.config too).
 */
export function osloString(value: string): string {
  return `"${value.replace(/\$/g, '$$$$')}"`;
}
