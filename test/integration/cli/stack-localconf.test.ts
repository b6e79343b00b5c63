// ./stack.ts spawned headless on local.conf files from issue 14: the dry-run names what it will not do, and a
// local.conf that cannot be read is exit 2 with its name (never a stack trace, never "defaults only").
import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, fixture, tempDir } from '../../unit/config/helpers.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function stack(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      join(REPO, 'stack.ts'),
      args,
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true' }, cwd: '/' },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
      },
    );
  });
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('./stack.ts --dry-run on realistic local.conf files', () => {
  it('a compute node: the OVS daemons are added with why, the ignored settings named with file:line', async () => {
    const conf = fixture('compute-node.conf');
    const r = await stack(['--dry-run', '--config', conf]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Enabled services (5): n-cpu, q-agt, placement-client, ovsdb-server, ovs-vswitchd');
    expect(r.stdout).toContain('  added ovs-vswitchd: q-agt needs Open vSwitch');
    expect(r.stdout).toContain(`  ${conf}:9: Q_HOST is a devstack setting tstack does not read`);
    expect(r.stdout).toMatch(/\n {2}ovsdb-server +neutron/);
  });

  it("a plugin-heavy file: the plugins' blocks are not merged, said once each", async () => {
    const conf = fixture('plugin-heavy.conf');
    const r = await stack(['--dry-run', '--config', conf]);
    expect(r.code).toBe(0);
    expect(r.stdout.split(`${conf}:24: [[post-config|$OCTAVIA_CONF]] is not merged`).length).toBe(2);
    expect(r.stdout).toContain('local.conf meta-sections: [[post-config|/etc/nova/nova.conf]]\n');
  });
});

describe('a local.conf that cannot be read: exit 2 naming it', () => {
  it('dangling link, directory, bytes that are not UTF-8', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const dangling = join(t.dir, 'dangling.conf');
    symlinkSync(join(t.dir, 'nowhere.conf'), dangling);
    const dir = join(t.dir, 'adir');
    mkdirSync(dir);
    const latin1 = join(t.dir, 'latin1.conf');
    writeFileSync(latin1, Buffer.from('[[local|localrc]]\nDEST=/opt/st\xe4ck\n', 'latin1'));
    const runs = await Promise.all([dangling, dir, latin1].map((c) => stack(['--dry-run', '--config', c])));
    expect(runs.map((r) => [r.code, r.stdout, r.stderr])).toEqual([
      [2, '', `error: ${dangling}: a symbolic link to a file that does not exist\n`],
      [2, '', `error: ${dir}: a directory, not a local.conf file\n`],
      [2, '', `error: ${latin1}:2: bytes that are not UTF-8 text: save the file as UTF-8\n`],
    ]);
  });
});
