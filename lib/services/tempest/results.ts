// What a tempest run printed, read back: stestr's subunit-trace writes one
// line per test (`{worker} test_id [0.5s] ... ok`, `... SKIPPED: reason`,
// `... FAILED`), a failure followed by its attachments, each chunk indented
// four spaces. This turns those lines into totals, failures with their error
// lines, and totals per area (tempest.api.compute, tempest.scenario...).

export type TestStatus = 'pass' | 'fail' | 'skip';

export interface TestResult {
  id: string;
  status: TestStatus;
  /** Skip reason. */
  reason?: string;
}

export interface Failure {
  id: string;
  /** The attachments' lines (traceback, captured logs), unindented. */
  details: string[];
}

export interface RunTotals {
  passed: number;
  failed: number;
  skipped: number;
}

export interface RunResults {
  tests: TestResult[];
  failures: Failure[];
}

/** Colour codes, in case stestr colours its output. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
// the id may hold spaces: `setUpClass (tempest.api....ServersTestJSON)`
const LINE = /^\{\d+\} (.+?)(?: \[[^\]]*\])? \.\.\. (ok|FAILED|SKIPPED(?:: (.*))?|xfail|uxsuccess)\s*$/;

/** The test id without tempest's attributes (`[id-...,smoke]`). */
export function bareTestId(id: string): string {
  return id.replace(/\[[^\]]*\]$/, '');
}

/** A reader fed line by line while the run streams; `results()` at any time. */
export class ResultReader {
  private readonly tests: TestResult[] = [];
  private readonly failures: Failure[] = [];
  private current: Failure | undefined;

  /** Returns the test that finished on this line, if any. */
  push(raw: string): TestResult | undefined {
    const line = raw.replace(ANSI, '').replace(/\r$/, '');
    const m = LINE.exec(line);
    if (m) {
      const status: TestStatus =
        m[2] === 'ok' || m[2] === 'xfail' ? 'pass' : m[2].startsWith('SKIPPED') ? 'skip' : 'fail';
      const t: TestResult = { id: m[1], status, ...(m[3] !== undefined ? { reason: m[3] } : {}) };
      this.tests.push(t);
      this.current = status === 'fail' ? { id: m[1], details: [] } : undefined;
      if (this.current) this.failures.push(this.current);
      return t;
    }
    if (!this.current) return undefined;
    // attachments: a title line, its ~~~ underline, and lines indented by four; stestr's summary (`======`
    // Totals) ends them
    if (/^=+$/.test(line)) this.current = undefined;
    else if (line.startsWith('    ')) this.current.details.push(line.slice(4));
    // subunit-trace indents each chunk of an attachment, not each line: an exception's second line
    // (testtools' `Details: {...}`) comes unindented. The titles stay too, so a traceback ends where
    // the next attachment (the captured log) begins.
    else if (!/^~*$/.test(line)) this.current.details.push(line);
    return undefined;
  }

  results(): RunResults {
    return { tests: [...this.tests], failures: this.failures.map((f) => ({ ...f, details: [...f.details] })) };
  }
}

export function parseRun(text: string): RunResults {
  const r = new ResultReader();
  for (const l of text.split('\n')) r.push(l);
  return r.results();
}

export function totals(tests: readonly TestResult[]): RunTotals {
  return {
    passed: tests.filter((t) => t.status === 'pass').length,
    failed: tests.filter((t) => t.status === 'fail').length,
    skipped: tests.filter((t) => t.status === 'skip').length,
  };
}

/** The last index whose line matches, or -1 (Array#findLastIndex is ES2023, beyond this project's lib). */
function lastIndex(lines: readonly string[], match: (line: string, i: number) => boolean): number {
  for (let i = lines.length - 1; i >= 0; i--) if (match(lines[i], i)) return i;
  return -1;
}

/**
 * The lines that say what went wrong: the exception at the end of the last
 * traceback (after its last `File "...", line N` frame, that frame's code
 * line and Python 3.11's `^^^^` marker lines), else the first lines of the
 * details. stestr may put blank lines between frames and indent the header.
 */
export function errorLines(details: readonly string[], max = 6): string[] {
  const tb = lastIndex(details, (l) => l.trim() === 'Traceback (most recent call last):');
  if (tb >= 0) {
    let end = tb + 1;
    const lastFrame = lastIndex(details, (l, i) => i > tb && /^\s*File "/.test(l));
    if (lastFrame > tb) {
      end = lastFrame + 1;
      while (end < details.length && details[end].trim() === '') end++;
      end++; // the frame's code line
    }
    const out = details.slice(end).filter((l) => l.trim() !== '' && !/^\s*[\^~]+\s*$/.test(l));
    const stop = out.findIndex((l) => /^Captured \S+:$/.test(l));
    const msg = stop >= 0 ? out.slice(0, stop) : out;
    if (msg.length > 0) return msg.slice(0, max);
  }
  return details.filter((l) => l.trim() !== '' && !/^Captured \S+:$/.test(l)).slice(0, max);
}

/** The test's area: `tempest.api.compute`, `tempest.scenario`, `neutron_tempest_plugin.api`... */
export function areaOf(id: string): string {
  const parts = bareTestId(id)
    .replace(/^setUpClass \(|\)$/g, '')
    .split('.');
  return parts.slice(0, parts[1] === 'api' ? 3 : 2).join('.');
}

export function totalsByArea(tests: readonly TestResult[]): Map<string, RunTotals> {
  const areas = new Map<string, TestResult[]>();
  for (const t of tests) areas.set(areaOf(t.id), [...(areas.get(areaOf(t.id)) ?? []), t]);
  return new Map([...areas.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([a, ts]) => [a, totals(ts)]));
}

export function formatTotals(t: RunTotals): string {
  return `${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`;
}

/** The end-of-run report: each failure with its error lines, then the totals. */
export function formatReport(r: RunResults, seconds: number): string {
  const out: string[] = [];
  if (r.failures.length > 0) {
    out.push('', `Failures (${r.failures.length}):`);
    for (const f of r.failures) {
      out.push(`  ${bareTestId(f.id)}`);
      for (const l of errorLines(f.details)) out.push(`      ${l}`);
    }
  }
  out.push('', `tempest: ${formatTotals(totals(r.tests))} in ${seconds.toFixed(0)} s`);
  return out.join('\n') + '\n';
}
