// ./stack.ts spawned as a real process, headless (CI=true).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO, fixture, tempDir, writeConf } from '../../unit/config/helpers.ts';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function stack(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      join(REPO, 'stack.ts'),
      args,
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', ...env }, cwd: '/' },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
      },
    );
  });
}

const cleanups: (() => void)[] = [];
afterEach(() =>
  cleanups.splice(0).forEach((c) => {
    c();
  }),
);

describe('./stack.ts config', () => {
  it('prints resolved settings with origins, secrets masked, unknown variables and meta-sections', async () => {
    const r = await stack(['config', '--config', fixture('multinode-subnode.conf')], { LOGDAYS: '4' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `local.conf: ${fixture('multinode-subnode.conf')}\nSaved passwords: ${fixture('.localrc.password')} (not ` +
        `written yet)\n`,
    );
    expect(r.stdout).toMatch(/\n {2}HOST_IP +192\.168\.42\.12 {2}\(local\.conf\)\n/);
    expect(r.stdout).toMatch(/\n {2}DATABASE_HOST +192\.168\.42\.11 {2}\(local\.conf\)\n/);
    expect(r.stdout).toMatch(/\n {2}LOGDAYS +4 {2}\(environment\)\n/);
    expect(r.stdout).toMatch(/\n {2}REGION_NAME +RegionOne {2}\(default\)\n +Keystone region of every endpoint\.\n/);
    expect(r.stdout).toMatch(/\n {2}ADMIN_PASSWORD +\*{6} {2}\(local\.conf\)\n/);
    expect(r.stdout).not.toContain('labstack');
    expect(r.stdout).not.toContain('supersecret');
    expect(r.stdout).toContain('Enabled services: n-cpu, placement-client, q-agt, ovs-vswitchd, ovsdb-server, c-vol');
    expect(r.stdout).toContain(`  NOVA_VNC_ENABLED=True  (${fixture('multinode-subnode.conf')}:19)`);
    expect(r.stdout).toContain('Meta-sections:\n  (none)');
  });

  it('shows post-config blocks with expanded targets', async () => {
    const r = await stack(['config', '--config', fixture('single-node.conf')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      `  [[post-config|/etc/nova/nova.conf]] (written $NOVA_CONF)  ${fixture('single-node.conf')}:24\n    ` +
        `[DEFAULT]\n    debug = True\n    my_ip = 10.11.12.13`,
    );
    expect(r.stdout).toContain('    enabled_filters = ComputeFilter\n    enabled_filters = ImagePropertiesFilter');
  });

  it('exits 2 with file:line for a broken local.conf, and never prompts', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const conf = writeConf(t.dir, '[[local|localrc]]\nADMIN_PASSWORD=x\nRECLONE=maybe\n');
    const r = await stack(['config', '--config', conf]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error: ${conf}:3: RECLONE=maybe: expected True or False (also 1/0, yes/no, true/false)\n`);
    const typo = writeConf(t.dir, '[[local|localrc]]\nenable_service n-cpuu\n', 'b.conf');
    const r2 = await stack(['config', '--config', typo]);
    expect([r2.code, r2.stderr]).toEqual([2, `error: ${typo}:2: unknown service 'n-cpuu'; did you mean 'n-cpu'?\n`]);
  });
});

describe('./stack.ts --help', () => {
  it('prints usage, commands, options and the settings reference, exit 0', async () => {
    const r = await stack(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout.startsWith('Usage: ./stack.ts [command] [options]\n')).toBe(true);
    expect(r.stdout).toContain('  restart NAME|GLOB...');
    expect(r.stdout).toContain(
      '    IMAGE_URLS (default: ' +
        'https://github.com/cirros-dev/cirros/releases/download/0.6.3/cirros-0.6.3-x86_64-disk.img when ' +
        'DOWNLOAD_DEFAULT_IMAGES)',
    );
    expect(r.stdout).toContain('    API_WORKERS (default: 1 up to 2 CPUs, else max(2, nproc/4) as in devstack)');
  });

  it('per command', async () => {
    const r = await stack(['config', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'Usage: ./stack.ts config [--config PATH]\n\nprint every resolved setting (secrets masked) with its origin, ' +
        'unknown variables, and meta-sections.\n\nOptions:\n  --config PATH  read PATH instead of local.conf beside ' +
        'stack.ts\n',
    );
  });
});
