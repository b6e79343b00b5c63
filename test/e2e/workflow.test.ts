// E2E, as root: issue 15's workflow on a lean stack (what a `server create` needs, nova's fake driver, and
// Horizon for the HOST_IP check).
//
//   1. A fresh ./stack.ts with a local.sh and a local.ts beside local.conf (README's examples: a flavor, a
//      security group rule). The summary names HOST_IP (the default route's address), not loopback.
//   2. Reachable on HOST_IP: Horizon's login page and keystone answer there, every catalog endpoint names
//      HOST_IP; MariaDB and RabbitMQ answer on loopback and refuse on HOST_IP.
//   3. Both hooks ran: their lines in the run's output, the flavor and the rule exist.
//   4. A real `server create`: `./stack.ts trace REQ-ID` of its request prints lines of n-api, n-cond,
//      n-sch, placement-api and n-cpu, in time order.
//   5. A second ./stack.ts converges: every db sync, glance's metadefs, the bootstrap, the RabbitMQ user and
//      the account seeding are skipped (the time is printed, not asserted).
//   6. A changed nova.conf ([[post-config|$NOVA_CONF]]) restarts n-api and reruns nova's db sync; key keeps
//      running.
// Then ./unstack.ts --clean.

import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../lib/config/resolve.ts';
import { SystemHostFacts } from '../../lib/system/host-facts.ts';
import { stackCatalog } from '../../lib/cli/catalog.ts';
import { lineTime } from '../../lib/proc/trace.ts';
import type { RunReport } from '../../lib/phases/runner.ts';
import { TOP_DIR } from '../../lib/util/paths.ts';

const run = promisify(execFile);
const OPENSTACK = '/usr/bin/openstack';
const PASSWORD = 'e2e-workflow-secret';

let root: string;
let conf: string;
let hostIp: string;
let firstOut = '';

async function tstack(script: 'stack.ts' | 'unstack.ts', args: string[]): Promise<{ out: string; seconds: number }> {
  const t0 = Date.now();
  const r = await run(join(TOP_DIR, script), args, {
    cwd: TOP_DIR,
    env: { ...process.env, CI: 'true' },
    timeout: 30 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { code?: number; stdout?: string; stderr?: string }) => {
    throw new Error(
      `./${script} ${args.join(' ')}: exit ${err.code}\n${(err.stdout ?? '').slice(-6000)}\n${err.stderr}`,
    );
  });
  return { out: r.stdout, seconds: (Date.now() - t0) / 1000 };
}

/** The openstack CLI as admin, through the clouds.yaml the run wrote. */
async function os(...args: string[]): Promise<string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  const r = await run(OPENSTACK, args, { env: { ...env, OS_CLOUD: 'devstack-admin' }, maxBuffer: 16 * 1024 * 1024 });
  return r.stdout;
}

/** Does a TCP connect to host:port succeed (within 3 s)? */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 3000 });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.once('timeout', () => done(false));
  });
}

/** When the supervisor last started a pane (its record in the state dir). */
function paneStartedAt(pane: string): string {
  const stateDir = (JSON.parse(readFileSync(join(TOP_DIR, '.stackenv'), 'utf8')) as { stateDir: string }).stateDir;
  return (JSON.parse(readFileSync(join(stateDir, 'panes', `${pane}.json`), 'utf8')) as { startedAt: string }).startedAt;
}

function lastRun(): RunReport {
  const stateDir = (JSON.parse(readFileSync(join(TOP_DIR, '.stackenv'), 'utf8')) as { stateDir: string }).stateDir;
  return (JSON.parse(readFileSync(join(stateDir, 'last-run.json'), 'utf8')) as { report: RunReport }).report;
}

beforeAll(async () => {
  await tstack('unstack.ts', ['-a']).catch(() => undefined);
  root = mkdtempSync('/tmp/tstack-e2e-workflow-');
  await run('qemu-img', ['create', '-f', 'qcow2', join(root, 'tiny.qcow2'), '16M']);
  conf = join(root, 'local.conf');
  writeFileSync(
    conf,
    [
      '[[local|localrc]]',
      `ADMIN_PASSWORD=${PASSWORD}`,
      'DATABASE_PASSWORD=$ADMIN_PASSWORD',
      'RABBIT_PASSWORD=$ADMIN_PASSWORD',
      'SERVICE_PASSWORD=$ADMIN_PASSWORD',
      'disable_all_services',
      // ML2/OVN (the default Q_AGENT): northd and the controller; no metadata agent (nothing boots)
      'enable_service mysql rabbit memcached key g-api placement-api n-api n-cond n-sch n-cpu',
      'enable_service q-svc ovn-northd ovn-controller horizon',
      'VIRT_DRIVER=fake',
      'DOWNLOAD_DEFAULT_IMAGES=False',
      `IMAGE_URLS=file://${join(root, 'tiny.qcow2')}`,
      '',
    ].join('\n'),
  );
  // README's hooks, word for word
  const readme = readFileSync(join(TOP_DIR, 'README.md'), 'utf8');
  const block = (lang: string, first: string) => {
    const m = new RegExp('```' + lang + '\\n(' + first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '[^]*?)```').exec(
      readme,
    );
    if (!m) throw new Error(`README has no ${lang} block starting ${first}`);
    return m[1];
  };
  writeFileSync(join(root, 'local.sh'), block('bash', '#!/bin/bash\n# local.sh'));
  chmodSync(join(root, 'local.sh'), 0o755);
  writeFileSync(join(root, 'local.ts'), block('ts', '// local.ts'));
  hostIp = loadSettings(['HOST_IP'], {
    configPath: conf,
    host: new SystemHostFacts(),
    catalog: stackCatalog(),
  }).HOST_IP;
});

afterAll(async () => {
  await tstack('unstack.ts', ['--clean', '--config', conf]).catch(() => undefined);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('issue 15: HOST_IP, trace, hooks, warm converge', () => {
  it('a fresh ./stack.ts names HOST_IP in its summary', async () => {
    expect(hostIp).not.toBe('127.0.0.1'); // this machine has a default route
    const { out, seconds } = await tstack('stack.ts', ['--config', conf]);
    firstOut = out;
    console.log(`cold lean ./stack.ts: ${seconds.toFixed(0)} s`);
    expect(out).toContain(`Keystone:   http://${hostIp}:5000/v3`);
    expect(out).toContain(`Horizon:    http://${hostIp}:8080/`);
  });

  it('Horizon and the keystone catalog answer on HOST_IP; MariaDB and RabbitMQ only on loopback', async () => {
    const login = await fetch(`http://${hostIp}:8080/auth/login/`);
    expect(login.status).toBe(200);
    expect(await login.text()).toContain('Log in');
    const endpoints = JSON.parse(await os('endpoint', 'list', '-f', 'json')) as { URL: string }[];
    expect(endpoints.length).toBeGreaterThanOrEqual(5 * 3);
    for (const e of endpoints) expect(new URL(e.URL).hostname).toBe(hostIp);
    const version = await fetch(`http://${hostIp}:5000/v3`);
    expect(version.status).toBe(200);
    expect(await answers('127.0.0.1', 3306)).toBe(true);
    expect(await answers(hostIp, 3306)).toBe(false);
    expect(await answers('127.0.0.1', 5672)).toBe(true);
    expect(await answers(hostIp, 5672)).toBe(false);
  });

  it('local.sh and local.ts ran once the stack was up: their output, the flavor and the rule', async () => {
    expect(firstOut).toMatch(/^\d\d:\d\d:\d\d local\.sh: \| name +\| m1\.dev/m); // openstack flavor create's table
    expect(firstOut).toMatch(
      new RegExp(`^\\d\\d:\\d\\d:\\d\\d local\\.ts: http allowed in \\S+ \\(HOST_IP ${hostIp}\\)$`, 'm'),
    );
    expect(JSON.parse(await os('flavor', 'show', 'm1.dev', '-f', 'json'))).toMatchObject({ ram: 192, vcpus: 1 });
    const sg = (await os('security', 'group', 'list', '--project', 'demo', '-f', 'value', '-c', 'ID', '-c', 'Name'))
      .split('\n')
      .find((l) => l.endsWith(' default'))!
      .split(' ')[0];
    const rules = JSON.parse(await os('security', 'group', 'rule', 'list', sg, '--protocol', 'tcp', '-f', 'json')) as {
      'Port Range': string;
    }[];
    expect(rules.map((r) => r['Port Range'])).toContain('80:80');
  });

  it('trace follows a real server create: n-api, n-cond, n-sch, placement-api and n-cpu', async () => {
    const image = (await os('image', 'list', '-f', 'value', '-c', 'Name')).trim().split('\n')[0];
    await os('server', 'create', '--flavor', 'm1.tiny', '--image', image, '--network', 'private', '--wait', 'wf1');
    const events = (await os('server', 'event', 'list', 'wf1', '-f', 'value', '-c', 'Request ID', '-c', 'Action'))
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    const req = events.find(([, action]) => action === 'create')![0];
    const { out } = await tstack('stack.ts', ['trace', req]);
    const lines = out.trimEnd().split('\n');
    const panes = lines.map((l) => l.split(' | ')[0].trim());
    for (const p of ['n-api', 'n-cond', 'n-sch', 'placement-api', 'n-cpu']) expect(panes).toContain(p);
    const times = lines.map((l) => lineTime(l.slice(l.indexOf(' | ') + 3))).filter((t) => t !== undefined);
    expect(times.length).toBeGreaterThan(20);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1]);
    // the journey's order: the API took it before the scheduler placed it and the compute node built it
    expect(panes.indexOf('n-api')).toBeLessThan(panes.indexOf('n-sch'));
    expect(panes.indexOf('n-sch')).toBeLessThan(panes.indexOf('n-cpu'));
    await os('server', 'delete', '--wait', 'wf1');
  });

  it('a second ./stack.ts converges without redoing db syncs, bootstrap, rabbit user or seeding', async () => {
    const { seconds } = await tstack('stack.ts', ['--config', conf]);
    const report = lastRun();
    console.log(`warm converge of the lean stack: ${seconds.toFixed(1)} s wall (runner ${report.totalMs} ms)`);
    // where it went (the hooks run every time, as devstack's local.sh does; a skipped step's time is its check)
    for (const s of report.steps.filter((x) => x.ms >= 100).sort((a, b) => b.ms - a.ms))
      console.log(`  ${s.id.padEnd(28)} ${(s.ms / 1000).toFixed(1).padStart(5)} s  ${s.status}`);
    const status = Object.fromEntries(report.steps.map((s) => [s.id, s.status]));
    for (const id of [
      'keystone:db-sync',
      'keystone:bootstrap',
      'glance:db-sync',
      'glance:metadefs',
      'placement:db-sync',
      'neutron:db-sync',
      'nova:db-sync',
      'rabbit:user',
      'keystone:catalog',
      'seed:accounts',
      'seed:network',
    ])
      expect([id, status[id]]).toEqual([id, 'skipped']);
    // the hooks run on every run, as devstack's local.sh does
    expect([status['hook:local.sh'], status['hook:local.ts']]).toEqual(['done', 'done']);
  });

  it('a changed nova.conf restarts the nova panes (and reruns their db sync); keystone keeps running', async () => {
    const before = { key: paneStartedAt('key'), 'n-api': paneStartedAt('n-api') };
    writeFileSync(conf, `${readFileSync(conf, 'utf8')}[[post-config|$NOVA_CONF]]\n[DEFAULT]\nreport_interval = 11\n`);
    await tstack('stack.ts', ['--config', conf]);
    const status = Object.fromEntries(lastRun().steps.map((s) => [s.id, s.status]));
    expect(paneStartedAt('key')).toBe(before.key);
    expect(paneStartedAt('n-api')).not.toBe(before['n-api']);
    expect([status['nova:db-sync'], status['keystone:db-sync']]).toEqual(['done', 'skipped']);
  });
});
