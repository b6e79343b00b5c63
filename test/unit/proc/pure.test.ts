// The pure parts of the supervision layer: /proc parsing, exit files, globs,
// spec comparison, wrapper argv, log reading, status formatting, secrets.

import { appendFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatStatusTable, formatUptime } from '../../../lib/proc/format.ts';
import { globToRegExp, selectPanes } from '../../../lib/proc/glob.ts';
import { isWrapperCmdline, launchArgv, paneEnv, paneMarker, paneOfMarker, sameSpec } from '../../../lib/proc/launch.ts';
import { LogFollower, readLastLines } from '../../../lib/proc/logfile.ts';
import { httpStatusReady, LogScanner } from '../../../lib/proc/probe.ts';
import { parseSmapsRollup, parseStat, readMemory } from '../../../lib/proc/procfs.ts';
import { specSecrets } from '../../../lib/proc/secrets.ts';
import { parseExitFile, validPaneName } from '../../../lib/proc/state.ts';
import { commandLine } from '../../../lib/proc/supervisor.ts';
import { UsageError } from '../../../lib/util/errors.ts';
import { tempStack, type TempStack } from '../../integration/proc/helpers.ts';

let t: TempStack | undefined;
afterEach(() => {
  t?.cleanup();
  t = undefined;
});

describe('procfs', () => {
  it('parses /proc/<pid>/stat with spaces and parentheses in comm', () => {
    const st = parseStat('4242 (uwsgi (key) x) S 1 4200 4100 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 99887 0 0');
    expect(st).toEqual({
      pid: 4242,
      comm: 'uwsgi (key) x',
      state: 'S',
      ppid: 1,
      pgrp: 4200,
      session: 4100,
      startTicks: 99887,
      cpuTicks: 0,
    });
  });

  it('sums utime and stime (fields 14 and 15 of /proc/<pid>/stat) into cpuTicks', () => {
    const st = parseStat('7 (ksmd) S 2 0 0 0 -1 2097216 0 0 0 0 7 5 0 0 25 5 1 0 163 0 0');
    expect(st?.cpuTicks).toBe(12);
    expect(st?.startTicks).toBe(163);
  });

  it('reads rss, pss and uss (private clean + dirty) from smaps_rollup', () => {
    const text = [
      '55d0c0a00000-7ffd5e1f5000 ---p 00000000 00:00 0                          [rollup]',
      'Rss:              137244 kB',
      'Pss:              126100 kB',
      'Pss_Dirty:        122000 kB',
      'Shared_Clean:      11000 kB',
      'Private_Clean:       244 kB',
      'Private_Dirty:    122000 kB',
    ].join('\n');
    expect(parseSmapsRollup(text)).toEqual({ rss: 137244 * 1024, pss: 126100 * 1024, uss: 122244 * 1024 });
    expect(parseSmapsRollup('')).toBeUndefined();
  });

  it('reads its own memory from /proc: uss and pss within rss', () => {
    const m = readMemory(process.pid)!;
    expect(m.rss).toBeGreaterThan(0);
    expect(m.uss).toBeLessThanOrEqual(m.pss);
    expect(m.pss).toBeLessThanOrEqual(m.rss);
    expect(readMemory(-1)).toBeUndefined();
  });
});

describe('exit file', () => {
  it('reads an exit code, and 128+N as death by signal N', () => {
    expect(parseExitFile('3 2026-11-21T12:00:00.123Z\n')).toEqual({ code: 3, at: '2026-11-21T12:00:00.123Z' });
    expect(parseExitFile('137 2026-11-21T12:00:00Z')).toEqual({
      code: null,
      signal: 'SIGKILL',
      at: '2026-11-21T12:00:00Z',
    });
    expect(parseExitFile('garbage')).toBeUndefined();
  });
});

describe('pane names and globs', () => {
  it('matches shell-style globs and lists the panes on a typo', () => {
    const names = ['key', 'n-api', 'n-cond', 'q-svc', 'n.x'];
    expect(selectPanes(['n-*'], names)).toEqual(['n-api', 'n-cond']);
    expect(selectPanes(['q-svc', 'key'], names)).toEqual(['key', 'q-svc']); // start order, once each
    expect(selectPanes(['n-???'], names)).toEqual(['n-api']);
    expect(globToRegExp('n.x').test('nax')).toBe(false);
    expect(() => selectPanes(['nova'], names)).toThrow(
      new UsageError("no pane matches 'nova'; panes: key n-api n-cond q-svc n.x"),
    );
    expect(() => selectPanes([], names)).toThrow(UsageError);
  });

  it('accepts devstack pane names only', () => {
    expect(validPaneName('n-api')).toBe(true);
    expect(validPaneName('../etc')).toBe(false);
    expect(validPaneName('a b')).toBe(false);
  });
});

describe('launch', () => {
  it('names the pane of a marker, and nothing for other values', () => {
    expect(paneOfMarker(paneMarker('/opt/stack/data/tstack', 'q-ovn-metadata-agent', '2026-11-30T16:35:23.478Z'))).toBe(
      'q-ovn-metadata-agent',
    );
    expect(paneOfMarker('/opt/stack/data/tstack')).toBeUndefined();
    expect(paneOfMarker('')).toBeUndefined();
  });

  const spec = {
    name: 'n-cpu',
    project: 'nova',
    argv: ['/usr/bin/nova-compute', '--config-file', '/etc/nova/nova.conf'],
    user: 'stack',
  };

  it('wraps the command in sh, running it as the user through setpriv', () => {
    const argv = launchArgv(spec, '/s/panes/n-cpu.exit');
    expect(argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(argv.slice(3)).toEqual([
      'tstack:n-cpu',
      '/s/panes/n-cpu.exit',
      'setpriv',
      '--reuid=stack',
      '--regid=stack',
      '--init-groups',
      '--',
      ...spec.argv,
    ]);
    expect(isWrapperCmdline(argv, 'n-cpu', '/s/panes/n-cpu.exit')).toBe(true);
    expect(isWrapperCmdline(argv, 'n-cpu', '/other/panes/n-cpu.exit')).toBe(false);
  });

  it('builds the environment from scratch plus the spec and the marker', () => {
    const env = paneEnv({ ...spec, env: { OS_CLOUD: 'devstack', PATH: '/venv/bin:/usr/bin' } }, 'M', '/home/stack');
    expect(env).toEqual({
      PATH: '/venv/bin:/usr/bin',
      LANG: 'C.UTF-8',
      HOME: '/home/stack',
      USER: 'stack',
      LOGNAME: 'stack',
      PYTHONUNBUFFERED: '1',
      EVENTLET_NO_GREENDNS: 'yes',
      SETUPTOOLS_USE_DISTUTILS: 'stdlib',
      OS_CLOUD: 'devstack',
      TSTACK_PANE: 'M',
    });
    // a service that needs eventlet's green resolver back sets it in its own spec
    expect(paneEnv({ ...spec, env: { EVENTLET_NO_GREENDNS: 'no' } }, 'M', '/').EVENTLET_NO_GREENDNS).toBe('no');
  });

  it('compares specs regardless of key order and undefined fields', () => {
    expect(sameSpec({ ...spec, env: { A: '1', B: '2' } }, { env: { B: '2', A: '1' }, ...spec, cwd: undefined })).toBe(
      true,
    );
    expect(sameSpec(spec, { ...spec, argv: [...spec.argv, '-d'] })).toBe(false);
  });

  it('shows the command line to rerun by hand', () => {
    expect(commandLine({ ...spec, cwd: '/opt/stack/nova', env: { A: 'x y' } })).toBe(
      "cd /opt/stack/nova && sudo -u stack env 'A=x y' /usr/bin/nova-compute --config-file /etc/nova/nova.conf",
    );
  });
});

describe('probes', () => {
  it('counts any answer below 500 except 503 as ready, or exactly the expected statuses', () => {
    expect([200, 300, 401, 404, 500, 503].map((s) => httpStatusReady(s))).toEqual([
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(httpStatusReady(300, [200])).toBe(false);
  });

  it('log scanner reads from the start offset and only new bytes each time', () => {
    t = tempStack();
    const f = join(t.dest, 'x.log');
    writeFileSync(f, 'old READY line\n');
    const s = new LogScanner(f, 15, 'READY');
    expect(s.attempt().ready).toBe(false);
    appendFileSync(f, 'partial REA');
    expect(s.attempt().ready).toBe(false);
    appendFileSync(f, 'DY\n');
    expect(s.attempt().ready).toBe(true);
  });
});

describe('log files', () => {
  it('reads the last lines', () => {
    t = tempStack();
    const f = join(t.dest, 'a.log');
    writeFileSync(f, Array.from({ length: 50_000 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(readLastLines(f, 3)).toEqual(['line 49997', 'line 49998', 'line 49999']);
    expect(readLastLines(join(t.dest, 'missing.log'), 3)).toEqual([]);
  });

  it('follows appends, keeps partial lines, notices truncation, and skips ahead when flooded', () => {
    t = tempStack();
    const f = join(t.dest, 'b.log');
    writeFileSync(f, 'one\ntw');
    const fol = new LogFollower(f, { fromEnd: true, backlogBytes: 100, maxBytesPerRead: 64 });
    expect(fol.read()).toEqual({ lines: ['one'], truncated: false, skippedBytes: 0 });
    appendFileSync(f, 'o\nthree\n');
    expect(fol.read().lines).toEqual(['two', 'three']);
    truncateSync(f, 0);
    appendFileSync(f, 'fresh\n');
    expect(fol.read()).toEqual({ lines: ['fresh'], truncated: true, skippedBytes: 0 });
    appendFileSync(f, Array.from({ length: 100 }, (_, i) => `flood ${i}`).join('\n') + '\n');
    const c = fol.read();
    expect(c.skippedBytes).toBeGreaterThan(0);
    expect(c.lines.at(-1)).toBe('flood 99');
    expect(c.lines.every((l) => /^flood \d+$/.test(l))).toBe(true);
  });

  it('starts mid-file on a line boundary without losing the first line', () => {
    t = tempStack();
    const f = join(t.dest, 'c.log');
    writeFileSync(f, 'aaaa\nbbbb\n');
    const fol = new LogFollower(f, { fromEnd: true, backlogBytes: 5 });
    expect(fol.read().lines).toEqual(['bbbb']);
  });

  it('last lines up to where a follower starts, then the follower: a line written in between appears once', () => {
    t = tempStack();
    const f = join(t.dest, 'd.log');
    writeFileSync(f, 'a\nb\n');
    const fol = new LogFollower(f, { fromEnd: true });
    appendFileSync(f, 'c\n');
    expect(readLastLines(f, 5, undefined, fol.position)).toEqual(['a', 'b']);
    expect(fol.read().lines).toEqual(['c']);
    expect(readLastLines(f, 5)).toEqual(['a', 'b', 'c']);
  });
});

describe('status text', () => {
  it('formats uptimes and the table', () => {
    expect([5, 65, 3700, 90000].map(formatUptime)).toEqual(['5s', '1m05s', '1h01m', '1d01h']);
    expect(
      formatStatusTable([
        {
          name: 'key',
          project: 'keystone',
          state: 'ready',
          pid: 10,
          uptimeSec: 5,
          ready: true,
          rssBytes: 50 * 1024 * 1024,
          port: 5000,
        },
        {
          name: 'n-cpu',
          project: 'nova',
          state: 'crashed',
          ready: false,
          exit: { code: 1, at: '2026-11-21T10:11:12.000Z' },
        },
      ]),
    ).toBe(
      [
        'PANE   PROJECT   STATE    PID  UPTIME  READY  RSS    PORT',
        'key    keystone  ready    10   5s      yes    50.0M  5000',
        'n-cpu  nova      crashed  -    -       no     -      -     exit 1 at 10:11:12',
      ].join('\n'),
    );
  });
});

describe('spec secrets', () => {
  it('finds secrets in env, --password args and URLs', () => {
    expect(
      specSecrets({
        name: 'x',
        project: 'p',
        argv: [
          '/bin/x',
          '--os-password',
          's3cret',
          'admin_token=tok123',
          '--url',
          'mysql+pymysql://root:p%40ss@127.0.0.1/nova',
        ],
        env: { DB_PASSWORD: 'dbpw', OS_CLOUD: 'devstack' },
      }),
    ).toEqual(['dbpw', 's3cret', 'tok123', 'p@ss']);
  });
});
