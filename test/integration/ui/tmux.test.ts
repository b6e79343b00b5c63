// One end-to-end run of the real `./stack.ts attach` in a real pty (tmux),
// against real processes started by the supervisor: select, restart, quit.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { Supervisor } from '../../../lib/proc/supervisor.ts';
import {
  fixture,
  killMarked,
  markedProcesses,
  pidAlive,
  REPO,
  spec,
  tempStack,
  waitFor,
  type TempStack,
} from '../proc/helpers.ts';

const TMUX = '/usr/bin/tmux';
let t: TempStack;
let sup: Supervisor;
function tmux(...args: string[]): string {
  // A private tmux server (socket in the temp stack), so nobody else's sessions are touched.
  return execFileSync(TMUX, ['-S', join(t.dest, 'tmux.sock'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function capture(): string {
  return tmux('capture-pane', '-p', '-t', 'tui');
}

function sessionAlive(): boolean {
  try {
    tmux('has-session', '-t', 'tui');
    return true;
  } catch {
    return false;
  }
}

beforeEach(() => {
  t = tempStack('tstack-tmux-');
  sup = new Supervisor({ stateDir: t.stateDir, logDir: t.logDir });
});

afterEach(async () => {
  try {
    tmux('kill-server');
  } catch {
    /* already gone */
  }
  try {
    await sup.stopAll({ graceSec: 1 });
  } finally {
    killMarked(t.stateDir);
    t.cleanup();
  }
});

it(
  './stack.ts attach under tmux: panes, j selects, r restarts (new pid), q quits leaving services ' + 'running',
  async () => {
    await sup.start(
      spec('mysql', [fixture('late.sh'), '0'], { project: 'infra', probe: { kind: 'log', pattern: 'READY' } }),
    );
    await sup.start(
      spec('key', [fixture('late.sh'), '0'], { project: 'keystone', probe: { kind: 'log', pattern: 'READY' } }),
    );
    await sup.start(spec('n-api', [fixture('printer.sh'), '50'], { project: 'nova' }));
    await sup.waitReady('mysql', 5);
    await sup.waitReady('key', 5);
    const stackenv = join(t.dest, '.stackenv');
    writeFileSync(stackenv, JSON.stringify({ dest: t.dest, dataDir: t.dest, logDir: t.logDir, stateDir: t.stateDir }));

    const cmd =
      `env -u CI TSTACK_STACKENV=${stackenv} NCURSES_NO_UTF8_ACS=1 LANG=C.UTF-8 ${join(REPO, 'stack.ts')} ` + `attach`;
    tmux('new-session', '-d', '-s', 'tui', '-x', '120', '-y', '30', cmd);

    let screen = await waitFor(
      () => {
        const s = capture();
        return s.includes('+ key') && s.includes('service READY') && s;
      },
      15_000,
      'the TUI to paint',
    );
    expect(screen).toMatch(/^ mysql {2}\[infra\] {2}ready {2}pid \d+/m);
    expect(screen).toMatch(/^infra +│/m); // the separator is a real line character, not ACS 'x'
    expect(screen).toMatch(/ \* n-api +running/);

    tmux('send-keys', '-t', 'tui', 'j');
    screen = await waitFor(
      () => {
        const s = capture();
        return /^ key {2}\[keystone\]/m.test(s) && s;
      },
      5000,
      'key selected',
    );
    expect(screen).toContain(`$ ${fixture('late.sh')} 0`);

    const before = sup.record('key').pid;
    tmux('send-keys', '-t', 'tui', 'r');
    await waitFor(
      () => sup.record('key').pid !== before && sup.paneState(sup.record('key')) === 'ready',
      10_000,
      'key restarted',
    );
    const after = sup.record('key').pid;
    expect(pidAlive(before)).toBe(false);
    await waitFor(() => capture().includes(`pid ${after}`), 5000, 'new pid on screen');

    const leaders = sup.records().map((r) => r.pid);
    tmux('send-keys', '-t', 'tui', 'q');
    await waitFor(() => !sessionAlive(), 5000, 'attach to exit');
    expect(leaders.filter((p) => !pidAlive(p))).toEqual([]);
    expect(markedProcesses(t.stateDir).length).toBeGreaterThanOrEqual(6);
    expect((await sup.status()).map((s) => [s.name, s.state])).toEqual([
      ['mysql', 'ready'],
      ['key', 'ready'],
      ['n-api', 'running'],
    ]);
  },
);
