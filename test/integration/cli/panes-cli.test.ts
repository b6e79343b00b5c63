// The real entry points (./stack.ts status|restart|stop|start|logs|attach and
// ./unstack.ts), spawned with CI=true against panes started by the supervisor
// in a temp stack found through TSTACK_STACKENV.

import { execFile, spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Supervisor } from '../../../lib/proc/supervisor.ts';
import {
  fixture,
  freePort,
  killMarked,
  markedProcesses,
  pidAlive,
  REPO,
  spec,
  tempStack,
  waitFor,
  type TempStack,
} from '../proc/helpers.ts';

let t: TempStack;
let sup: Supervisor;
let env: NodeJS.ProcessEnv;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(entry: 'stack.ts' | 'unstack.ts', args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(join(REPO, entry), args, { env, cwd: t.dest, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

beforeEach(() => {
  t = tempStack('tstack-cli-');
  sup = new Supervisor({ stateDir: t.stateDir, logDir: t.logDir });
  const stackenv = join(t.dest, '.stackenv');
  writeFileSync(
    stackenv,
    JSON.stringify({ dest: t.dest, dataDir: join(t.dest, 'data'), logDir: t.logDir, stateDir: t.stateDir }),
  );
  env = { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', TSTACK_STACKENV: stackenv };
});

afterEach(async () => {
  try {
    await sup.stopAll({ graceSec: 1 });
  } finally {
    killMarked(t.stateDir);
    t.cleanup();
  }
});

const ready = (name: string, extra = {}) =>
  spec(name, [fixture('late.sh'), '0'], { probe: { kind: 'log', pattern: 'READY' }, ...extra });

describe('./stack.ts status', () => {
  it('says when nothing is recorded', async () => {
    const r = await run('stack.ts', ['status']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(`no panes recorded in ${t.stateDir}/panes\n`);
  });

  it('prints a table and exits 4 when a pane crashed', async () => {
    const port = await freePort();
    await sup.start(
      spec('web', ['/usr/bin/python3', fixture('web.py'), String(port)], {
        project: 'keystone',
        probe: { kind: 'http', url: `http://127.0.0.1:${port}/` },
        port,
      }),
    );
    await sup.waitReady('web', 5);
    await sup.start(spec('n-cpu', [fixture('crash.sh'), '9', '0'], { project: 'nova' }));
    await waitFor(() => sup.paneState(sup.record('n-cpu')) === 'crashed', 5000, 'crash');
    const r = await run('stack.ts', ['status']);
    expect(r.code).toBe(4);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^PANE +PROJECT +STATE +PID +UPTIME +READY +RSS +PORT$/);
    expect(lines[1]).toMatch(
      new RegExp(`^web +keystone +ready +${sup.record('web').pid} +\\d+s +yes +[\\d.]+[KM] +${port}$`),
    );
    expect(lines[2]).toMatch(/^n-cpu +nova +crashed +- +- +no +- +- +exit 9 at \d\d:\d\d:\d\d$/);
    expect(r.stdout).toContain('1 crashed: see ./stack.ts logs n-cpu');
    const json = await run('stack.ts', ['status', 'web', '--json']);
    expect(json.code).toBe(0); // only web selected: not crashed
    expect(JSON.parse(json.stdout)).toMatchObject([{ name: 'web', state: 'ready', port }]);
  });
});

describe('./stack.ts restart|stop|start', () => {
  it('restarts panes by glob and waits until they are ready', async () => {
    await sup.start(ready('n-api', { project: 'nova' }));
    await sup.start(ready('n-sch', { project: 'nova' }));
    await sup.start(ready('key', { project: 'keystone' }));
    const before = Object.fromEntries(sup.records().map((r) => [r.spec.name, r.pid]));
    const r = await run('stack.ts', ['restart', 'n-*']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^n-api: ready \(pid \d+, [\d.]+s\)$/m);
    expect(r.stdout).toMatch(/^n-sch: ready \(pid \d+, [\d.]+s\)$/m);
    expect(sup.record('n-api').pid).not.toBe(before['n-api']);
    expect(sup.record('n-sch').pid).not.toBe(before['n-sch']);
    expect(sup.record('key').pid).toBe(before.key);
    expect(pidAlive(before['n-api'])).toBe(false);
    expect(sup.paneState(sup.record('n-api'))).toBe('ready');
  });

  it('an unknown name is a usage error listing the panes', async () => {
    await sup.start(ready('key'));
    const r = await run('stack.ts', ['restart', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: no pane matches 'nope'; panes: key\n");
  });

  it('stop then start', async () => {
    await sup.start(spec('forker', [fixture('forker.sh')], { probe: { kind: 'log', pattern: 'forked' } }));
    await sup.waitReady('forker', 5);
    const procs = await waitFor(
      () => markedProcesses(t.stateDir).length >= 5 && markedProcesses(t.stateDir),
      3000,
      'workers',
    );
    let r = await run('stack.ts', ['stop', 'forker']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^forker: stopped \(\d+ processes\)\n$/);
    expect(procs.filter(pidAlive)).toEqual([]);
    r = await run('stack.ts', ['stop', 'forker']);
    expect(r.stdout).toBe('forker: was not running\n');
    r = await run('stack.ts', ['start', 'forker']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^forker: ready \(pid \d+/);
    r = await run('stack.ts', ['start', 'forker']);
    expect(r.stdout).toMatch(/^forker: already running \(pid \d+\)\n$/);
  });

  it('a pane that fails to become ready makes restart exit 1 with its last log lines', async () => {
    await sup.start(spec('c-vol', [fixture('crash.sh'), '2', '0.2'], { probe: { kind: 'log', pattern: 'never' } }));
    const r = await run('stack.ts', ['restart', 'c-vol']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('c-vol exited with code 2 while waiting for it to be ready');
    expect(r.stderr).toContain('    fatal: something broke');
    expect(r.stderr).toContain(`full log: ${t.logDir}/c-vol.log`);
  });
});

describe('./stack.ts logs', () => {
  it('prints the last N lines, and follows with -f', async () => {
    await sup.start(ready('key'));
    await sup.waitReady('key', 5);
    const r = await run('stack.ts', ['logs', 'key', '-n', '2']);
    expect(r).toMatchObject({ code: 0, stdout: 'warming up\nservice READY\n' });

    const child = spawn(join(REPO, 'stack.ts'), ['logs', 'key', '-f', '-n', '1'], { env, cwd: t.dest });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('service READY'), 10_000, 'first line');
    appendFileSync(`${t.logDir}/key.log`, 'appended after follow\n');
    await waitFor(() => out.includes('appended after follow'), 5000, 'followed line');
    child.kill('SIGTERM');
    const code = await new Promise((res) => child.on('exit', res));
    expect(code).toBe(0);
    expect(out).toBe('service READY\nappended after follow\n');
  });
});

describe('./stack.ts attach', () => {
  it('refuses headless with a clear message and creates no screen', async () => {
    const r = await run('stack.ts', ['attach']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: attach needs a terminal (no TTY, or CI=true); use ./stack.ts status and ./stack.ts logs NAME -f ' +
        'instead\n',
    );
  });
});

describe('./unstack.ts', () => {
  it('stops every pane in reverse start order, leaves mysql and rabbit without -a, frees the ports', async () => {
    const port = await freePort();
    await sup.start(ready('mysql', { project: 'infra' }));
    await sup.start(ready('rabbit', { project: 'infra' }));
    await sup.start(
      spec('key', ['/usr/bin/python3', fixture('web.py'), String(port)], {
        probe: { kind: 'tcp', host: '127.0.0.1', port },
      }),
    );
    await sup.start(spec('n-api', [fixture('forker.sh')]));
    await sup.waitReady('key', 5);
    let r = await run('unstack.ts', []);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(
      new RegExp(
        String.raw`^unstack: stopping 2 pane\(s\) in reverse start order\n {2}n-api: stopped \(\d+ processes\)\n` +
          String.raw` {2}key: stopped \(\d+ processes?\)\n` +
          String.raw`left running: mysql, rabbit \(as devstack does; .\/unstack.ts -a stops them too\)\n$`,
      ),
    );
    expect(sup.isRunning(sup.record('mysql'))).toBe(true);
    expect(sup.isRunning(sup.record('rabbit'))).toBe(true);
    expect(await freePortIsFree(port)).toBe(true);
    r = await run('unstack.ts', ['-a']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  rabbit: stopped');
    expect(r.stdout.indexOf('rabbit')).toBeLessThan(r.stdout.indexOf('mysql'));
    expect(markedProcesses(t.stateDir)).toEqual([]);
  });

  it('--help explains -a and --clean', async () => {
    const r = await run('unstack.ts', ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: \.\/unstack\.ts \[-a\|--all\] \[--clean\]/);
    expect(r.stdout).toMatch(/--clean\s+also remove what the stack made/);
  });
});

async function freePortIsFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}
