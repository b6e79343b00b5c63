// Shell-word handling for the [[local|localrc]] section: split a line into
// words the way sh does (quotes, escapes, `${...}`, comments), then expand
// `$VAR`, `${VAR}`, `${VAR:-default}` (also `-`, `:+`, `+`) with sh's quoting
// rules: double quotes expand, single quotes do not, backslash escapes.
// Command substitution and other shell syntax are rejected, not executed
// (generated.ts makes the random-value idioms without running anything).
// Nesting of ${...} is limited, so a hostile file gets an error, not a stack overflow.

import type { SourcePos } from '../types/config.ts';
import { ConfigError } from '../util/errors.ts';
import { substitutionError } from './generated.ts';

/** Value of a variable, or undefined when unset. */
export type Lookup = (name: string) => string | undefined;

export interface Tokens {
  /** Raw words (quotes and `$` still in them), ready for expandWord(). */
  words: string[];
  /** The quote character still open at the end of the text: the statement continues on the next line. */
  open?: '"' | "'";
  /** The text ended with a backslash: the statement continues on the next line. */
  continued?: boolean;
  /** Pass it back with the next line (after a newline when `open`), so no line is read twice. */
  resume?: Resume;
}

/**
 * A statement that goes on over lines, kept between calls: a quoted value of 200,000 lines costs linear time
 * because each line is read once. Owned by the caller's loop (tokenize adds to its arrays).
 */
export interface Resume {
  words: string[];
  /** The word being read, raw (quotes included). */
  word: string;
  inWord: boolean;
  /** Inside this quote when the text ended. */
  quote?: '"' | "'";
  /** Text read again with the next line: a `${...}` still open (rare, so re-reading it is fine). */
  carry?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
/** NAME at a given index (sticky), without copying the rest of the text. */
const NAME_AT = /[A-Za-z_][A-Za-z0-9_]*/y;
const UNSUPPORTED = new Set(['&', '|', '<', '>', '(', ')']);
/** The raw word of an unquoted `;`: it ends a command (a quoted one stays inside its word, quotes and all). */
export const COMMAND_END = ';';
/** `${A:-${B:-...}}` deeper than this is an error (bash has no limit; nobody needs more). */
export const MAX_NESTING = 32;

function unsupported(what: string, pos: SourcePos): ConfigError {
  return new ConfigError(
    `unsupported shell syntax ${what}: local.conf's localrc section takes assignments and the devstack functions only`,
    pos,
  );
}

/** Index just past the `}` that closes the `${` at `start` (which points at `$`). */
function closeBrace(text: string, start: number, pos: SourcePos): number {
  let depth = 0;
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  throw new ConfigError(`unterminated \${ in: ${text.slice(start).split('\n')[0]}`, pos);
}

/** Index just past the `)` that closes the `(` at `open`, or 0. */
function closeParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  return 0;
}

/** Index of the `"` that closes a double-quoted string whose text starts at `from`, or -1. */
function closeDouble(text: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j;
  }
  return -1;
}

/**
 * Split one statement into raw words. Comments end the statement. With `from`, the text goes on from where the
 * previous line stopped: after a newline inside quotes (the caller passes "\n" + the line), or directly after a
 * trailing backslash (the backslash-newline disappears, as in sh).
 */
export function tokenize(chunk: string, pos: SourcePos, from?: Resume): Tokens {
  const words = from?.words ?? [];
  let word = from?.word ?? '';
  let inWord = from?.inWord ?? false;
  const text = (from?.carry ?? '') + chunk;
  let i = 0;
  const end = () => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };
  const openAt = (quote: '"' | "'", at: number): Tokens => {
    word += text.slice(at);
    return { words, open: quote, resume: { words, word, inWord: true, quote } };
  };
  if (from?.quote && !from.carry) {
    const close = from.quote === "'" ? text.indexOf("'") : closeDouble(text, 0);
    if (close < 0) return openAt(from.quote, 0);
    word += text.slice(0, close + 1);
    i = close + 1;
  }
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      end();
      i++;
    } else if (c === '#' && !inWord) {
      break;
    } else if (c === '\\') {
      if (i + 1 >= text.length) return { words, continued: true, resume: { words, word, inWord } };
      if (text[i + 1] === '\n') {
        i += 2; // line continuation
        continue;
      }
      word += text.slice(i, i + 2);
      inWord = true;
      i += 2;
    } else if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return openAt("'", i);
      word += text.slice(i, close + 1);
      inWord = true;
      i = close + 1;
    } else if (c === '"') {
      const close = closeDouble(text, i + 1);
      if (close < 0) return openAt('"', i);
      word += text.slice(i, close + 1);
      inWord = true;
      i = close + 1;
    } else if (c === '$' && text[i + 1] === '{') {
      const close = closeBrace(text, i, pos);
      if (close < 0) return { words, open: "'", resume: { words, word, inWord, quote: "'", carry: text.slice(i) } };
      word += text.slice(i, close);
      inWord = true;
      i = close;
    } else if ((c === '$' && text[i + 1] === '(') || c === '`') {
      // Kept in the word: a whole `NAME=$(openssl rand -hex 10)` is generated, anything else is refused on expansion.
      const close = c === '`' ? text.indexOf('`', i + 1) + 1 : closeParen(text, i + 1);
      if (close <= 0) throw new ConfigError(`unterminated command substitution: ${text.slice(i).split('\n')[0]}`, pos);
      word += text.slice(i, close);
      inWord = true;
      i = close;
    } else if (c === COMMAND_END) {
      end();
      words.push(COMMAND_END);
      i++;
    } else if (UNSUPPORTED.has(c)) {
      throw unsupported(`'${c}'`, pos);
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  end();
  return { words };
}

type Mode = 'unquoted' | 'double' | 'body';

/**
 * Expand one raw word: quote removal plus parameter expansion. Unset
 * variables expand to the empty string, as in sh.
 */
export function expandWord(raw: string, lookup: Lookup, pos: SourcePos): string {
  return walk(raw, 'unquoted', lookup, pos, 0);
}

/**
 * Expand `$VAR` forms in text that is not shell-quoted (a meta-section file
 * name, an INI value): quotes are literal, `\$` keeps a dollar.
 */
export function expandText(text: string, lookup: Lookup, pos: SourcePos): string {
  return walk(text, 'body', lookup, pos, 0);
}

function walk(text: string, mode: Mode, lookup: Lookup, pos: SourcePos, depth: number): string {
  if (depth > MAX_NESTING) {
    throw new ConfigError(`\${...} nested more than ${MAX_NESTING} deep: write the value with less nesting`, pos);
  }
  let out = '';
  let i = 0;
  let state: Mode = mode;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      const next = text[i + 1];
      if (next === undefined) {
        out += '\\';
        i++;
      } else if (next === '\n' && state !== 'body') {
        i += 2; // bash removes a backslash-newline, also inside double quotes
      } else if (state === 'unquoted') {
        out += next;
        i += 2;
      } else if ('$`"\\'.includes(next) && !(state === 'body' && next === '"')) {
        out += next;
        i += 2;
      } else {
        out += c;
        i++;
      }
    } else if (c === "'" && state === 'unquoted') {
      const close = text.indexOf("'", i + 1);
      if (close < 0) throw new ConfigError('unterminated single quote', pos);
      out += text.slice(i + 1, close);
      i = close + 1;
    } else if (c === '"' && state === 'unquoted') {
      state = 'double';
      i++;
    } else if (c === '"' && state === 'double') {
      state = 'unquoted';
      i++;
    } else if (c === '`' && state !== 'body') {
      const close = text.indexOf('`', i + 1);
      throw substitutionError(close < 0 ? text.slice(i + 1) : text.slice(i + 1, close), pos);
    } else if (c === '$') {
      const [value, next] = parameter(text, i, lookup, pos, depth);
      out += value;
      i = next;
    } else if (c === '~' && i === 0 && state === 'unquoted' && (text.length === 1 || text[1] === '/')) {
      out += lookup('HOME') ?? '~';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  if (state === 'double') throw new ConfigError('unterminated double quote', pos);
  return out;
}

/** Expand the parameter at text[i] === '$'; returns the value and the index after it. */
function parameter(text: string, i: number, lookup: Lookup, pos: SourcePos, depth: number): [string, number] {
  const next = text[i + 1];
  if (next === '(') {
    const close = closeParen(text, i + 1);
    throw substitutionError(close > 0 ? text.slice(i + 2, close - 1) : text.slice(i + 2), pos);
  }
  if (next === '{') {
    const close = closeBrace(text, i, pos);
    if (close < 0) throw new ConfigError('unterminated quote inside ${...}', pos);
    const inner = text.slice(i + 2, close - 1);
    const m = NAME.exec(inner);
    if (!m) throw new ConfigError(`bad substitution: \${${inner}}`, pos);
    const name = m[0];
    const op = inner.slice(name.length);
    const value = lookup(name);
    if (op === '') return [value ?? '', close];
    const opm = /^(:?[-+])([\s\S]*)$/.exec(op);
    if (!opm)
      throw new ConfigError(
        `unsupported substitution \${${inner}} (supported: \${VAR}, \${VAR:-default}, \${VAR-default}, \${VAR:+alt})`,
        pos,
      );
    const [, kind, word] = opm;
    const set = kind.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
    const useWord = kind.endsWith('-') ? !set : set;
    if (!useWord) return [kind.endsWith('-') ? (value ?? '') : '', close];
    return [walk(word, 'unquoted', lookup, pos, depth + 1), close];
  }
  NAME_AT.lastIndex = i + 1;
  const m = NAME_AT.exec(text);
  if (m) return [lookup(m[0]) ?? '', i + 1 + m[0].length];
  // `$` not followed by a name is a literal dollar, as in sh.
  return ['$', i + 1];
}

/** A variable name for an assignment, or undefined. */
export function isName(text: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(text);
}
