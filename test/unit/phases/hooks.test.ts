import { describe, expect, it } from 'vitest';
import { discoverHooks, hookArgv, hookEnv, hookSteps, type HookDir } from '../../../lib/phases/hooks.ts';
import { testPlan } from '../plan-fixture.ts';

/** A directory with these files; `exec` lists the executable ones. */
function dir(files: string[], exec: string[] = []): HookDir {
  return {
    exists: (n) => files.includes(n),
    executable: (n) => exec.includes(n),
    list: (d) => files.filter((f) => f.startsWith(`${d}/`)).map((f) => f.slice(d.length + 1)),
  };
}

describe('discoverHooks', () => {
  it('runs extras.d/*.ts in name order, then an executable local.sh, then local.ts', () => {
    const files = [
      'extras.d/20-b.ts',
      'extras.d/10-a.ts',
      'extras.d/types.d.ts',
      'extras.d/x.sh',
      'local.sh',
      'local.ts',
    ];
    const { hooks, skipped } = discoverHooks('/r', dir(files, ['local.sh']));
    expect(hooks).toEqual([
      { kind: 'zx', path: '/r/extras.d/10-a.ts' },
      { kind: 'zx', path: '/r/extras.d/20-b.ts' },
      { kind: 'bash', path: '/r/local.sh' },
      { kind: 'zx', path: '/r/local.ts' },
    ]);
    expect(skipped).toEqual([]);
  });

  it('skips a local.sh without the executable bit, as devstack does, and says so', () => {
    const { hooks, skipped } = discoverHooks('/r', dir(['local.sh']));
    expect(hooks).toEqual([]);
    expect(skipped).toEqual(['/r/local.sh is not executable, so it does not run (chmod +x it, as for devstack)']);
  });

  it('finds nothing in a directory without hooks', () => {
    expect(discoverHooks('/r', dir(['local.conf']))).toEqual({ hooks: [], skipped: [] });
  });
});

describe('hook steps', () => {
  const plan = testPlan({ ADMIN_PASSWORD: 'adm in' });
  it('chain in order at the end of the run; a skipped local.sh becomes a warning', () => {
    const steps = hookSteps(plan, dir(['extras.d/a.ts', 'local.sh', 'local.ts'], ['local.sh']));
    expect(steps.map((s) => [s.id, s.after])).toEqual([
      ['hook:extras.d/a.ts', undefined],
      ['hook:local.sh', ['hook:extras.d/a.ts']],
      ['hook:local.ts', ['hook:local.sh']],
    ]);
    expect(hookSteps(plan, dir(['local.sh'])).map((s) => s.id)).toEqual(['hook:skipped']);
  });

  it('give local.sh the settings and the admin openrc, a zx script the settings and OS_CLOUD', () => {
    const sh = hookEnv(plan, { kind: 'bash', path: '/r/local.sh' });
    expect(sh).toMatchObject({
      OS_USERNAME: 'admin',
      OS_PROJECT_NAME: 'admin',
      OS_PASSWORD: 'adm in',
      OS_AUTH_URL: 'http://192.0.2.2:5000/v3',
      HOST_IP: '192.0.2.2',
      DEST: '/opt/stack',
    });
    expect(sh.OS_CLOUD).toBeUndefined();
    const zx = hookEnv(plan, { kind: 'zx', path: '/r/local.ts' });
    expect(zx).toMatchObject({ OS_CLOUD: 'devstack-admin', OS_CLIENT_CONFIG_FILE: '/etc/openstack/clouds.yaml' });
    expect(zx.OS_PASSWORD).toBeUndefined();
    expect(zx.ADMIN_PASSWORD).toBe('adm in');
  });

  it('run bash directly and zx under tsx, the script on stdin as an ES module', () => {
    expect(hookArgv({ kind: 'bash', path: '/r/local.sh' })).toEqual(['/bin/bash', '/r/local.sh']);
    const zx = hookArgv({ kind: 'zx', path: '/r/local.ts' });
    expect(zx[0]).toBe(process.execPath);
    expect(zx.slice(1, 3)[0]).toBe('--import');
    expect(zx[2]).toMatch(/^file:\/\/.*\/tsx\/dist\/loader\.mjs$/);
    expect(zx.slice(3)).toEqual([expect.stringMatching(/\/zx\/build\/cli\.js$/), '--ext=.mts']);
  });
});
