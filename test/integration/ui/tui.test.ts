import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Supervisor } from '../../../lib/proc/supervisor.ts';
import { addSecret, clearSecrets } from '../../../lib/util/secrets.ts';
import { canOpenTui, createTui, fakeTerminal, type TuiHandle } from '../../../lib/ui/index.ts';
import {
  fixture,
  killMarked,
  markedProcesses,
  pidAlive,
  spec,
  tempStack,
  waitFor,
  type TempStack,
} from '../proc/helpers.ts';

let t: TempStack;

const readable = (file: string) => {
  try {
    return readFileSync(file, 'utf8').includes('allocation_candidates');
  } catch {
    return false;
  }
};

/**
 * The panes' long-lived processes: those seen in two scans a second apart. A
 * fixture's short-lived children (late.sh's `sleep 0`, printer.sh's `sleep
 * 0.1` every burst) come and go and must not count as services.
 */
async function longLivedMarked(stateDir: string): Promise<number[]> {
  const first = new Set(markedProcesses(stateDir));
  await new Promise((r) => setTimeout(r, 1000));
  return markedProcesses(stateDir).filter((p) => first.has(p));
}
let sup: Supervisor;
let ui: TuiHandle | undefined;

beforeEach(async () => {
  t = tempStack('tstack-ui-');
  sup = new Supervisor({ stateDir: t.stateDir, logDir: t.logDir });
  await sup.start(
    spec('mysql', [fixture('late.sh'), '0'], { project: 'infra', probe: { kind: 'log', pattern: 'READY' } }),
  );
  await sup.start(
    spec('key', [fixture('late.sh'), '0'], {
      project: 'keystone',
      probe: { kind: 'log', pattern: 'READY' },
      env: { OS_PASSWORD: 'hunter2secret' },
      cwd: t.dest,
    }),
  );
  await sup.start(spec('n-api', [fixture('printer.sh'), '200'], { project: 'nova', port: 8774 }));
  await sup.start(spec('n-cpu', [fixture('crash.sh'), '5', '0.1'], { project: 'nova' }));
  await sup.waitReady('mysql', 5);
  await sup.waitReady('key', 5);
  await waitFor(() => sup.paneState(sup.record('n-cpu')) === 'crashed', 5000, 'n-cpu crash');
});

afterEach(async () => {
  ui?.quit();
  ui = undefined;
  clearSecrets();
  try {
    await sup.stopAll({ graceSec: 1 });
  } finally {
    killMarked(t.stateDir);
    t.cleanup();
  }
});

function open(cols = 110, rows = 24) {
  const term = fakeTerminal(cols, rows);
  // Timers effectively off: the test drives refresh() itself, so snapshots are deterministic.
  ui = createTui({
    stateDir: t.stateDir,
    logDir: t.logDir,
    supervisor: sup,
    input: term.input,
    output: term.output,
    env: {},
    terminal: 'xterm-256color',
    paintMs: 3_600_000,
    statusMs: 3_600_000,
  });
  return { term, ui };
}

/** Each character of a string is one key; pass an array to send escape sequences (arrows) whole. */
async function press(term: ReturnType<typeof fakeTerminal>, keys: string | string[]) {
  for (const k of typeof keys === 'string' ? [...keys] : keys) {
    term.input.write(k);
    await sleep(5);
  }
}

describe('TUI headless', () => {
  it('refuses without a TTY or with CI=true', () => {
    expect(canOpenTui({ isTTY: true }, { isTTY: true }, { CI: 'true' })).toBe(false);
    expect(canOpenTui({ isTTY: false }, { isTTY: true }, {})).toBe(false);
    expect(canOpenTui({ isTTY: true }, { isTTY: true }, {})).toBe(true);
    const term = fakeTerminal();
    expect(() =>
      createTui({
        stateDir: t.stateDir,
        logDir: t.logDir,
        input: term.input,
        output: term.output,
        env: { CI: 'true' },
      }),
    ).toThrow(/needs a terminal/);
    expect(term.bytesWritten()).toBe(0); // no screen was created
  });

  it('shows panes grouped by project with state marks, the header command and the log', async () => {
    const { ui } = open();
    await ui.refresh();
    const text = ui.text();
    const left = text.split('\n').map((l) => l.slice(0, 30).trimEnd());
    expect(left.slice(3, 11)).toEqual([
      'infra',
      ' + mysql                ready',
      'keystone',
      ' + key                  ready',
      'nova',
      ' * n-api              running',
      ' ! n-cpu              crashed',
      '',
    ]);
    const rows = text.split('\n');
    expect(rows[0]).toMatch(/^ mysql {2}\[infra\] {2}ready {2}pid \d+ {2}up \d+s {2}rss [\d.]+[KM] {2}\[follow\]$/);
    expect(rows[1]).toBe(` $ ${fixture('late.sh')} 0`);
    expect(text).toContain('service READY');
    expect(rows.at(-1)).toMatch(/^j\/k select {2}r restart {2}s stop\/start/);
  });

  it('j/k switch panes; the header masks secrets; a crashed pane shows its exit code', async () => {
    addSecret('hunter2secret');
    const { term, ui } = open();
    await ui.refresh();
    await press(term, 'j');
    expect(ui.model.selected).toBe('key');
    let rows = ui.text().split('\n');
    expect(rows[1]).toBe(` $ cd ${t.dest} && env OS_PASSWORD=****** ${fixture('late.sh')} 0`);
    expect(ui.text()).not.toContain('hunter2secret');
    await press(term, 'jj');
    rows = ui.text().split('\n');
    expect(ui.model.selected).toBe('n-cpu');
    expect(rows[0]).toMatch(/n-cpu {2}\[nova\] {2}crashed {2}exit 5 at \d\d:\d\d:\d\d/);
    expect(ui.text()).toContain('fatal: something broke');
    await press(term, ['\x1b[A']); // arrow up
    expect(ui.model.selected).toBe('n-api');
  });

  it('r restarts the selected pane (new pid); q quits and leaves every service running', async () => {
    const { term, ui } = open();
    await ui.refresh();
    const before = sup.record('mysql').pid;
    await press(term, 'r');
    await ui.idle();
    const after = sup.record('mysql').pid;
    expect(after).not.toBe(before);
    expect(pidAlive(before)).toBe(false);
    await ui.refresh();
    expect(ui.model.message).toBe('mysql ready');
    expect(ui.text().split('\n')[0]).toContain(`pid ${after}`);
    const running = await longLivedMarked(t.stateDir);
    expect(running.length).toBeGreaterThanOrEqual(3); // mysql, key and n-api at least
    await press(term, 'q');
    await ui.done;
    expect(running.every(pidAlive)).toBe(true);
    expect(sup.paneState(sup.record('mysql'))).toBe('ready');
    expect(sup.paneState(sup.record('n-api'))).toBe('running');
  });

  it('s stops a running pane and starts it again', async () => {
    const { term, ui } = open();
    await ui.refresh();
    await press(term, 'jj'); // n-api
    await press(term, 's');
    await ui.idle();
    expect(sup.paneState(sup.record('n-api'))).toBe('stopped');
    await ui.refresh();
    expect(ui.text()).toMatch(/- n-api +stopped/);
    await press(term, 's');
    await ui.idle();
    expect(sup.paneState(sup.record('n-api'))).toBe('running');
  });

  it('/ searches the log, n finds older matches, and following stops until f', async () => {
    const { term, ui } = open();
    await sleep(600); // n-api prints 200 lines/s
    await ui.refresh();
    await press(term, 'jj');
    await ui.refresh();
    const ring = ui.feed.ring('n-api')!;
    expect(ring.total).toBeGreaterThan(40);
    await press(term, '/line 1:\r');
    expect(ui.model.search?.query).toBe('line 1:');
    expect(ui.model.follow).toBe(false);
    const hit = ui.model.search!.hit!;
    expect(ring.get(hit)).toContain('printer line 1:');
    expect(ui.text()).toContain('printer line 1: the quick brown fox');
    await press(term, 'G'); // back to the tail, then a search from there
    expect(ui.model.follow).toBe(true);
    await press(term, '/line 3\r');
    const first = ui.model.search!.hit!;
    await press(term, 'n');
    const second = ui.model.search!.hit!;
    expect(second).toBeLessThan(first);
    expect(ring.get(second)).toMatch(/printer line 3/);
    await press(term, 'f');
    expect(ui.model.follow).toBe(true);
  });

  it('a merges all panes with a pane prefix; ? shows help', async () => {
    const { term, ui } = open();
    await ui.refresh();
    await press(term, 'a');
    let text = ui.text();
    expect(text).toMatch(/n-api \| printer line \d+/);
    expect(text.split('\n')[0]).toMatch(/all panes merged/);
    await press(term, '/service READY\r');
    text = ui.text();
    expect(text).toMatch(/(mysql|key {2}) \| service READY/);
    await press(term, '?');
    expect(ui.text()).toContain('restart the selected pane');
    await press(term, 'x'); // any key closes help
    expect(ui.text()).not.toContain('restart the selected pane');
  });

  it('t traces the request id on the search hit across panes, by time; T takes a typed id; t goes back', async () => {
    const A = 'req-0a1b2c3d-0000-4000-8000-00000000000a';
    const P = 'req-0a1b2c3d-0000-4000-8000-0000000000b1';
    const ctx = (g: string, r: string) => `[${g} ${r} admin admin - - default default]`;
    // the lines come from a file: the pane log's header repeats the command line, which must hold no request id
    const print = (name: string, lines: string[]) => {
      const file = join(t.dest, `${name}.txt`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      return ['/bin/sh', '-c', 'cat "$0"; exec sleep 600', file];
    };
    await sup.start(
      spec(
        'n-sch',
        print('n-sch', [`2026-11-30 10:00:00.300 12 DEBUG nova.scheduler ${ctx('None', A)} Starting to schedule`]),
        {
          project: 'nova',
        },
      ),
    );
    await sup.start(
      spec(
        'placement-api',
        print('placement-api', [
          `2026-11-30 10:00:00.100 13 INFO placement.requestlog ${ctx('None', P)} own id, linked below`,
          `2026-11-30 10:00:00.400 13 INFO placement.requestlog ${ctx(A, P)} GET /allocation_candidates`,
        ]),
        { project: 'placement' },
      ),
    );
    await waitFor(
      () => sup.records().every((r) => r.spec.name !== 'placement-api' || readable(r.logFile)),
      5000,
      'logs',
    );
    const { term, ui } = open(160, 24);
    await ui.refresh();
    await press(term, 'a');
    await press(term, '/Starting to schedule\r');
    await press(term, 't');
    expect(ui.model.mode).toBe('trace');
    const rows = ui.text().split('\n');
    expect(rows[0]).toContain(`trace ${A} (3 lines: placement-api, n-sch)`);
    const body = rows.filter((r) => r.includes(' | 2026-'));
    expect(body.map((r) => /([a-z-]+) +\| 2026-11-30 (\S+)/.exec(r)?.slice(1, 3).join(' '))).toEqual([
      'placement-api 10:00:00.100',
      'n-sch 10:00:00.300',
      'placement-api 10:00:00.400',
    ]);
    await press(term, 't');
    expect(ui.model.mode).toBe('all');
    await press(term, ['T', ...P.slice(4), '\r']);
    expect(ui.model.trace?.id).toBe(P);
    expect(ui.model.trace?.ring.total).toBe(3);
    await press(term, ['\x1b']);
    await sleep(60); // blessed waits briefly to tell a lone Esc from an escape sequence
    expect(ui.model.mode).toBe('all');
  });

  it('keeps memory bounded: a pane printing far more than the ring holds', async () => {
    const { ui } = open();
    ui.feed.sync([{ name: 'flood', logFile: `${t.logDir}/flood.log` }]);
    const { appendFileSync } = await import('node:fs');
    const chunk = Array.from({ length: 10_000 }, (_, i) => `flood line ${i}`).join('\n') + '\n';
    for (let i = 0; i < 5; i++) {
      appendFileSync(`${t.logDir}/flood.log`, chunk);
      ui.feed.poll();
    }
    const ring = ui.feed.ring('flood')!;
    expect(ring.total).toBe(50_000);
    expect(ring.length).toBe(5000);
    expect(ring.get(ring.total - 1)).toBe('flood line 9999');
  });
});
