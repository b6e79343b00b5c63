import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readCmdline as readCmdlineOf } from '../../../lib/proc/procfs.ts';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReadinessError } from '../../../lib/proc/errors.ts';
import { Supervisor } from '../../../lib/proc/supervisor.ts';
import { git } from '../source/gitfixture.ts';
import {
  fixture,
  freePort,
  killMarked,
  markedProcesses,
  pidAlive,
  spec,
  tempStack,
  waitFor,
  type TempStack,
} from './helpers.ts';

let t: TempStack;
let sup: Supervisor;

beforeEach(() => {
  t = tempStack();
  sup = new Supervisor({ stateDir: t.stateDir, logDir: t.logDir });
});

afterEach(async () => {
  try {
    await sup.stopAll({ graceSec: 1 });
    expect(markedProcesses(t.stateDir)).toEqual([]);
  } finally {
    killMarked(t.stateDir);
    t.cleanup();
  }
});

describe('start', () => {
  it('runs the pane detached in its own group, appends output to its log and records it', async () => {
    const rec = await sup.start(spec('late', [fixture('late.sh'), '0'], { probe: { kind: 'log', pattern: 'READY' } }));
    expect(rec.pid).toBeGreaterThan(0);
    expect(rec.pgid).toBe(rec.pid);
    expect(rec.logFile).toBe(`${t.logDir}/late.log`);
    expect(rec.launchArgv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(rec.launchArgv.slice(-2)).toEqual([fixture('late.sh'), '0']);
    // The wrapper is a session leader, not our child's group.
    const stat = readFileSync(`/proc/${rec.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    expect(Number(stat[2])).toBe(rec.pid); // pgrp
    expect(Number(stat[3])).toBe(rec.pid); // session
    const onDisk = JSON.parse(readFileSync(`${t.stateDir}/panes/late.json`, 'utf8'));
    expect(onDisk.pid).toBe(rec.pid);
    expect(onDisk.spec.argv).toEqual([fixture('late.sh'), '0']);
    await sup.waitReady('late', 5);
    expect(readFileSync(rec.logFile, 'utf8')).toMatch(/==== tstack: late started .*\nwarming up\nservice READY\n/);
    const [st] = await sup.status();
    expect(st).toMatchObject({ name: 'late', state: 'ready', ready: true, pid: rec.pid });
    expect(st.rssBytes).toBeGreaterThan(100 * 1024);
  });

  it('marks a memoryMerge pane for same-page merging: the kernel reports it for the command and forks', async () => {
    // the command forks a child; both must carry the mark (ksm_stat: ksm_merge_any, Linux 6.4+)
    const argv = ['/bin/sh', '-c', 'sleep 30 & echo READY; wait'];
    const marked = await sup.start(
      spec('merged', argv, { memoryMerge: true, probe: { kind: 'log', pattern: 'READY' } }),
    );
    const plain = await sup.start(spec('plain', argv, { probe: { kind: 'log', pattern: 'READY' } }));
    await sup.waitReady('merged', 5);
    await sup.waitReady('plain', 5);
    const mergeAny = (pid: number) => /ksm_merge_any: yes/.test(readFileSync(`/proc/${pid}/ksm_stat`, 'utf8'));
    const tree = (leader: number) => {
      const all = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
      const ppid = (pid: string) => {
        try {
          const st = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
        } catch {
          return -1;
        }
      };
      const command = all.filter((p) => ppid(p) === leader).map(Number);
      return [...command, ...all.filter((p) => command.includes(ppid(p))).map(Number)];
    };
    const m = tree(marked.pid);
    expect(m.length).toBe(2);
    expect(m.every(mergeAny)).toBe(true);
    expect(readCmdlineOf(m[0])).toEqual(argv);
    const p = tree(plain.pid);
    expect(p.length).toBe(2);
    expect(p.some(mergeAny)).toBe(false);
  });

  it('is a no-op for a running pane with the same spec, and restarts it when the spec changed', async () => {
    const s = spec('late', [fixture('late.sh'), '0'], { env: { A: '1' } });
    const first = await sup.start(s);
    const again = await sup.start({ ...s, env: { A: '1' } });
    expect(again.pid).toBe(first.pid);
    expect(again.startedAt).toBe(first.startedAt);
    const changed = await sup.start({ ...s, env: { A: '2' } });
    expect(changed.pid).not.toBe(first.pid);
    expect(changed.restartedFor).toBe('spec');
    expect(pidAlive(first.pid)).toBe(false);
    expect(changed.seq).toBe(first.seq);
    const env = readFileSync(`/proc/${changed.pid}/environ`, 'latin1').split('\0');
    expect(env).toContain('A=2');
    expect(env).toContain('PYTHONUNBUFFERED=1');
  });

  it('restarts every pane of a checkout once when its code moved on; restart records the code it started', async () => {
    const dir = join(t.dest, 'nova');
    mkdirSync(dir);
    git(dir, 'init', '-q');
    writeFileSync(join(dir, 'versions.py'), 'UPDATED = 1\n');
    git(dir, 'add', '.');
    git(dir, 'commit', '-q', '-m', 'one');
    const panes = ['n-api', 'n-cond'].map((n) => spec(n, [fixture('late.sh'), '0'], { codeDirs: [dir] }));
    const other = spec('q-svc', [fixture('late.sh'), '0'], { codeDirs: [join(t.dest, 'neutron')] });
    const first = await Promise.all([...panes, other].map((s) => sup.start(s)));
    expect(first[0].codeDigest).toMatch(/^[0-9a-f]{16}$/);
    // a re-run with nothing changed converges
    for (const [i, s] of [...panes, other].entries()) expect((await sup.start(s)).pid).toBe(first[i].pid);

    writeFileSync(join(dir, 'versions.py'), 'UPDATED = 2\n'); // the developer's uncommitted edit
    const second = await Promise.all([...panes, other].map((s) => sup.start(s)));
    expect(second[0].pid).not.toBe(first[0].pid);
    expect(second[1].pid).not.toBe(first[1].pid);
    expect(second[2].pid).toBe(first[2].pid); // another checkout's pane stays
    expect(second[0].restartedFor).toBe('code');
    for (const [i, s] of panes.entries()) expect((await sup.start(s)).pid, 'once only').toBe(second[i].pid);

    // a manual restart after another edit records that code: the next re-run leaves the pane alone
    writeFileSync(join(dir, 'versions.py'), 'UPDATED = 3\n');
    const restarted = await sup.restart('n-api');
    expect(restarted.codeDigest).not.toBe(second[0].codeDigest);
    expect(restarted.restartedFor).toBeUndefined(); // asked for by name
    expect((await sup.start(panes[0])).pid).toBe(restarted.pid);
    expect((await sup.start(panes[1])).pid).not.toBe(second[1].pid);
  });

  it('gives each new pane the next seq, so unstack can go in reverse', async () => {
    await sup.start(spec('one', [fixture('late.sh'), '0']));
    await sup.start(spec('two', [fixture('late.sh'), '0']));
    expect(sup.records().map((r) => [r.spec.name, r.seq])).toEqual([
      ['one', 1],
      ['two', 2],
    ]);
  });

  it('rejects a missing working directory before spawning', async () => {
    await expect(sup.start(spec('bad', ['/bin/true'], { cwd: `${t.dest}/nope` }))).rejects.toThrow(/working directory/);
  });
});

describe('readiness', () => {
  it('waits for an HTTP server that comes up late', async () => {
    const port = await freePort();
    await sup.start(
      spec('web', ['/usr/bin/python3', fixture('web.py'), String(port), '0.7'], {
        probe: { kind: 'http', url: `http://127.0.0.1:${port}/` },
        port,
      }),
    );
    const t0 = Date.now();
    await sup.waitReady('web', 10);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    const [st] = await sup.status();
    expect(st).toMatchObject({ state: 'ready', port });
  });

  it('does not count 503 as ready, and times out with the last log lines', async () => {
    const port = await freePort();
    await sup.start(
      spec('busy', ['/usr/bin/python3', fixture('web.py'), String(port)], {
        probe: { kind: 'http', url: `http://127.0.0.1:${port}/busy` },
      }),
    );
    const err = await sup.waitReady('busy', 1.5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadinessError);
    const r = err as ReadinessError;
    expect(r.message).toMatch(/busy not ready after 1.5s \(GET http:\/\/127.0.0.1:\d+\/busy: HTTP 503\)/);
    expect(r.logFile).toBe(`${t.logDir}/busy.log`);
    expect(r.tail.join('\n')).toMatch(/listening on 127.0.0.1/);
    expect((await sup.status())[0].state).toBe('starting');
  });

  it('accepts a TCP probe and a command probe', async () => {
    const port = await freePort();
    await sup.start(
      spec('tcp', ['/usr/bin/python3', fixture('web.py'), String(port), '0.3'], {
        probe: { kind: 'tcp', host: '127.0.0.1', port },
      }),
    );
    await sup.start(
      spec('cmd', [fixture('late.sh'), '0'], {
        probe: { kind: 'command', argv: ['/bin/sh', '-c', `test -e ${t.logDir}/cmd.log`] },
      }),
    );
    await sup.waitReady('tcp', 5);
    await sup.waitReady('cmd', 5);
    expect((await sup.status()).map((s) => s.state)).toEqual(['ready', 'ready']);
  });

  it('matches a log line only from this start, not from an earlier run in the same log', async () => {
    await sup.start(spec('late', [fixture('late.sh'), '0'], { probe: { kind: 'log', pattern: 'service READY' } }));
    await sup.waitReady('late', 5);
    await sup.stop('late', 1);
    // The old "service READY" is still in the log; the new start takes 1 s.
    await sup.start(spec('late', [fixture('late.sh'), '1'], { probe: { kind: 'log', pattern: 'service READY' } }));
    const t0 = Date.now();
    await sup.waitReady('late', 5);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
  });

  it('fails fast with the exit code when the process dies while waiting', async () => {
    await sup.start(spec('crash', [fixture('crash.sh'), '7', '0.2'], { probe: { kind: 'log', pattern: 'never' } }));
    const t0 = Date.now();
    const err = (await sup.waitReady('crash', 20).catch((e: unknown) => e)) as ReadinessError;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err).toBeInstanceOf(ReadinessError);
    expect(err.message).toBe('crash exited with code 7 while waiting for it to be ready');
    expect(err.exit?.code).toBe(7);
    expect(err.tail).toContain('fatal: something broke');
  });
});

describe('stop', () => {
  it('ends the whole group: forked workers included, and marks the pane stopped', async () => {
    const rec = await sup.start(
      spec('forker', [fixture('forker.sh')], { probe: { kind: 'log', pattern: 'forked workers' } }),
    );
    await sup.waitReady('forker', 5);
    await waitFor(() => markedProcesses(t.stateDir).length >= 5, 3000, 'workers');
    const before = markedProcesses(t.stateDir);
    const r = await sup.stop('forker');
    expect(r).toMatchObject({ name: 'forker', forced: false });
    expect(r.signalled).toBeGreaterThanOrEqual(5); // wrapper, script, 3 workers
    expect(before.filter(pidAlive)).toEqual([]);
    expect(pidAlive(rec.pid)).toBe(false);
    const [st] = await sup.status();
    expect(st).toMatchObject({ state: 'stopped', ready: false, pid: undefined });
    expect(existsSync(`${t.stateDir}/panes/forker.exit`)).toBe(false); // a stop is not a crash
  });

  it('uses SIGKILL after the grace period when SIGTERM is ignored', async () => {
    await sup.start(
      spec('stubborn', [fixture('ignore-term.sh')], { probe: { kind: 'log', pattern: 'ignoring' }, stopGraceSec: 0.5 }),
    );
    await sup.waitReady('stubborn', 5);
    const t0 = Date.now();
    const r = await sup.stop('stubborn');
    const took = Date.now() - t0;
    expect(r.forced).toBe(true);
    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(5000);
    expect(markedProcesses(t.stateDir)).toEqual([]);
  });

  it('also kills a daemon that called setsid and left the group', async () => {
    const pidFile = `${t.dest}/daemon.pid`;
    const rec = await sup.start(spec('daemon', [fixture('daemonize.sh'), pidFile]));
    const daemon = await waitFor(
      () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')),
      3000,
      'daemon pid',
    );
    const stat = readFileSync(`/proc/${daemon}/stat`, 'utf8').split(') ')[1].split(' ');
    expect(Number(stat[2])).not.toBe(rec.pgid); // escaped the group
    expect(Number(stat[3])).not.toBe(rec.pgid); // and the session
    await sup.stop('daemon', 2);
    expect(pidAlive(daemon)).toBe(false);
  });
});

describe('restart', () => {
  it('starts the recorded command again with a new pid', async () => {
    const first = await sup.start(
      spec('late', [fixture('late.sh'), '0'], { probe: { kind: 'log', pattern: 'READY' } }),
    );
    await sup.waitReady('late', 5);
    const second = await sup.restart('late');
    expect(second.pid).not.toBe(first.pid);
    expect(second.spec).toEqual(first.spec);
    expect(pidAlive(first.pid)).toBe(false);
    await sup.waitReady('late', 5);
    const [st] = await sup.status();
    expect(st).toMatchObject({ state: 'ready', pid: second.pid });
    expect(readFileSync(second.logFile, 'utf8').match(/==== tstack: late started/g)).toHaveLength(2);
  });
});

describe('crash', () => {
  it('records the exit code and time when the process exits on its own, and does not restart it', async () => {
    const before = Date.now();
    const rec = await sup.start(spec('crash', [fixture('crash.sh'), '3', '0.1']));
    await waitFor(() => !pidAlive(rec.pid), 5000, 'crash');
    const [st] = await sup.status();
    expect(st.state).toBe('crashed');
    expect(st.exit?.code).toBe(3);
    expect(Date.parse(st.exit!.at)).toBeGreaterThanOrEqual(before - 1000);
    // Persisted into the record for later readers.
    expect(sup.store.read('crash')?.exit?.code).toBe(3);
    await new Promise((r) => setTimeout(r, 300));
    expect((await sup.status())[0].state).toBe('crashed'); // no silent auto-restart
  });

  it('reports death by signal', async () => {
    const rec = await sup.start(spec('victim', [fixture('late.sh'), '0']));
    const ppidOf = (p: number) => Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    const child = await waitFor(
      () => markedProcesses(t.stateDir).find((p) => p !== rec.pid && ppidOf(p) === rec.pid),
      3000,
      'child',
    );
    process.kill(child, 'SIGKILL');
    await waitFor(() => !pidAlive(rec.pid), 3000, 'wrapper exit');
    const [st] = await sup.status();
    expect(st.state).toBe('crashed');
    expect(st.exit).toMatchObject({ code: null, signal: 'SIGKILL' });
  });

  it('starting a crashed pane again kills what it left behind first', async () => {
    const rec = await sup.start(
      spec('forker', [fixture('forker.sh')], { probe: { kind: 'log', pattern: 'forked workers' } }),
    );
    await sup.waitReady('forker', 5);
    process.kill(rec.pid, 'SIGKILL'); // only the wrapper: the script and its workers live on
    await waitFor(() => !pidAlive(rec.pid), 3000, 'wrapper gone');
    expect((await sup.status())[0].state).toBe('crashed');
    const orphans = markedProcesses(t.stateDir);
    expect(orphans.length).toBeGreaterThanOrEqual(4);
    const again = await sup.startRecorded('forker');
    expect(orphans.filter(pidAlive)).toEqual([]);
    expect(pidAlive(again.pid)).toBe(true);
  });
});

describe('stopAll', () => {
  it('stops in reverse start order, keeping the panes asked for', async () => {
    for (const n of ['mysql', 'key', 'n-api', 'n-cpu']) await sup.start(spec(n, [fixture('late.sh'), '0']));
    const stopped = await sup.stopAll({ keep: ['mysql'], graceSec: 1 });
    expect(stopped.map((s) => s.name)).toEqual(['n-cpu', 'n-api', 'key']);
    expect((await sup.status()).map((s) => [s.name, s.state])).toEqual([
      ['mysql', 'running'],
      ['key', 'stopped'],
      ['n-api', 'stopped'],
      ['n-cpu', 'stopped'],
    ]);
    expect(statSync(`${t.logDir}/n-cpu.log`).size).toBeGreaterThan(0);
  });
});

describe('a pane without a probe', () => {
  it('must stay up briefly: a command that is not found fails waitReady with exit 127', async () => {
    await sup.start(spec('typo', [`${t.dest}/no-such-binary`]));
    const err = (await sup.waitReady('typo', 5).catch((e: unknown) => e)) as ReadinessError;
    expect(err).toBeInstanceOf(ReadinessError);
    expect(err.message).toBe('typo exited with code 127 while waiting for it to be ready');
    expect(err.tail.join('\n')).toMatch(/tstack:typo: \d+: .*no-such-binary: not found/);
  });
});
