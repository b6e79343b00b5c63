// Making service output safe and cheap to paint: keep SGR colour (blessed
// turns it into cell attributes), drop every other escape and control
// character (cursor movement from a progress bar would wreck the screen),
// bound the line length, and clip to a width without counting SGR.

const SGR = /\x1b\[[0-9;]*m/y;
const OTHER_ESCAPES =
  /\x1b\[[0-9;?<>=!]*[ -/]*[@-ln-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[()][0-9A-Za-z]|\x1b[=>78DEHMNOPZc\\]/g;
const LONE_ESC = /\x1b(?!\[[0-9;]*m)/g;
const CONTROLS = /[\x00-\x08\x0a-\x1a\x1c-\x1f\x7f]/g;

export const MAX_LINE = 2000;

export function cleanLine(line: string): string {
  let s = line.length > MAX_LINE ? line.slice(0, MAX_LINE) + '…' : line;
  if (s.includes('\r')) s = s.slice(s.lastIndexOf('\r', s.length - 2) + 1).replace(/\r$/, '');
  if (s.includes('\x1b')) s = s.replace(OTHER_ESCAPES, '').replace(LONE_ESC, '');
  if (s.includes('\t')) s = s.replace(/\t/g, '    ');
  return s.replace(CONTROLS, '');
}

export function stripSgr(s: string): string {
  return s.includes('\x1b') ? s.replace(/\x1b\[[0-9;]*m/g, '') : s;
}

/** The first `width` visible characters of `s`, SGR sequences kept (and reset at the end if any). */
export function clip(s: string, width: number): string {
  if (!s.includes('\x1b')) return s.length > width ? s.slice(0, width) : s;
  let out = '';
  let seen = 0;
  let sgr = false;
  for (let i = 0; i < s.length; ) {
    if (s[i] === '\x1b') {
      SGR.lastIndex = i;
      const m = SGR.exec(s);
      if (m) {
        out += m[0];
        sgr = true;
        i += m[0].length;
        continue;
      }
    }
    if (seen >= width) break;
    out += s[i++];
    seen++;
  }
  return sgr ? out + '\x1b[0m' : out;
}

/** blessed tag escaping: `{` and `}` in log text must not be read as tags. */
export function escapeTags(s: string): string {
  return s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/** Split `text` into rows of at most `width` characters (plain text, for the header). */
export function wrapText(text: string, width: number, maxRows: number): string[] {
  const rows: string[] = [];
  for (let i = 0; i < text.length && rows.length < maxRows; i += width) rows.push(text.slice(i, i + width));
  if (rows.length === maxRows && maxRows * width < text.length)
    rows[maxRows - 1] = rows[maxRows - 1].slice(0, width - 1) + '…';
  return rows;
}
