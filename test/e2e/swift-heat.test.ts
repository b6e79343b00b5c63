// E2E, as root on a Debian 12 machine: issue 16's proof for Swift and Heat,
// on a lean stack of their own (keystone, glance, placement, nova with
// libvirt and the offline test image, neutron, swift, heat; no cinder, no
// Horizon), each enabled by one enable_service line.
//
//   1. ./stack.ts brings every s-* and h-* pane up; the run says which storage
//      swift got (a loop-mounted XFS image, or a directory).
//   2. Swift with the real clients, as demo: a container, a 5 MB object, a
//      12 MB static large object in 4 MB segments (the `swift` client's
//      --use-slo), listed, downloaded, checksums compared. alt_demo gets 403 on
//      demo's container, then, with a read ACL for its project, the object.
//   3. `./stack.ts restart h-eng`, then Heat as demo: `openstack stack create`
//      of a template with a random string, a net + subnet, a port and a server;
//      CREATE_COMPLETE, the outputs match what neutron and nova report, the
//      guest boots with the port's address; `stack delete` removes all of it.
//   4. A re-run converges: the rings and the heat domain are kept, demo's
//      objects are still there.
//   5. ./unstack.ts --clean: no swift or heat process, no rings, no swift data,
//      no XFS mount or loop device, no heat database; resolv.conf untouched.

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shellSingleQuote } from '../../lib/util/shell-quote.ts';
import { TOP_DIR } from '../../lib/util/paths.ts';
import { eventually } from './eventually.ts';
import { openstack } from './openstack-cli.ts';

const run = promisify(execFile);
const SWIFT_CLI = '/usr/bin/swift';
const SWIFT_DATA = '/opt/stack/data/swift';
/** Passwords with characters the proxy's paste file and heat.conf must carry (% for ConfigParser, $ for oslo). */
const PASSWORDS = {
  ADMIN_PASSWORD: `adm'in"%x`,
  DATABASE_PASSWORD: 'db%pass#1',
  RABBIT_PASSWORD: 'rab%bit:@',
  SERVICE_PASSWORD: `svc %(x)s $HOME "q" `,
};
const PANES = ['s-object', 's-container', 's-account', 's-proxy', 'h-api', 'h-api-cfn', 'h-eng'];

let root: string;
let localConf: string;
let resolvBefore: Buffer;
let stacked = false;

async function tstack(
  script: 'stack.ts' | 'unstack.ts',
  args: string[],
  env: Record<string, string> = {},
): Promise<{ out: string; seconds: number }> {
  const t0 = Date.now();
  const r = await run(join(TOP_DIR, script), args, {
    cwd: TOP_DIR,
    env: { ...process.env, CI: 'true', ...env },
    timeout: 30 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { code?: number; stdout?: string; stderr?: string }) => {
    throw new Error(`./${script} ${args.join(' ')} failed (exit ${err.code}):\n${(err.stdout ?? '').slice(-8000)}`);
  });
  return { out: r.stdout, seconds: (Date.now() - t0) / 1000 };
}

/** The openstack CLI as one of clouds.yaml's clouds (stack creates and object uploads may take minutes). */
function os<T = unknown>(cloud: string, args: string[], json = true): Promise<T> {
  return openstack<T>(cloud, args, { json, timeoutMs: 10 * 60_000 });
}

/** A token and the account URL of a cloud's project, for the `swift` client and plain HTTP. */
async function account(cloud: string): Promise<{ token: string; projectId: string }> {
  const t = await os<{ id: string; project_id: string }>(cloud, ['token', 'issue']);
  return { token: t.id, projectId: t.project_id };
}

function swift(token: string, storageUrl: string, args: string[]) {
  return run(SWIFT_CLI, ['--os-auth-token', token, '--os-storage-url', storageUrl, ...args], {
    cwd: root,
    timeout: 5 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
}

const sha256 = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

/** Processes of swift and heat, by command line. */
function swiftHeatProcesses(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (/\/(swift-[a-z]+-server|heat-(api|api-cfn|engine))\b/.test(cmd)) found.push(`${pid} ${cmd.slice(0, 120)}`);
    } catch {
      // exited while we looked
    }
  }
  return found;
}

const TEMPLATE = `heat_template_version: 2018-08-31
description: tstack E2E - a random string, a network with a subnet, and a server on it
parameters:
  image: {type: string}
  flavor: {type: string, default: m1.tiny}
resources:
  suffix:
    type: OS::Heat::RandomString
    properties: {length: 10, character_classes: [{class: lowercase}, {class: digits}]}
  net:
    type: OS::Neutron::Net
    properties:
      name: {list_join: ['-', ['e2e-heat', {get_attr: [suffix, value]}]]}
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.77.0.0/24}
  port:
    type: OS::Neutron::Port
    properties:
      network: {get_resource: net}
      fixed_ips: [{subnet: {get_resource: subnet}}]
  server:
    type: OS::Nova::Server
    properties:
      image: {get_param: image}
      flavor: {get_param: flavor}
      networks: [{port: {get_resource: port}}]
outputs:
  suffix: {value: {get_attr: [suffix, value]}}
  net_id: {value: {get_resource: net}}
  server_id: {value: {get_resource: server}}
  ip: {value: {get_attr: [port, fixed_ips, 0, ip_address]}}
`;

describe.runIf(process.getuid?.() === 0)('swift and heat, end to end (issue 16)', () => {
  beforeAll(async () => {
    resolvBefore = readFileSync('/etc/resolv.conf');
    root = mkdtempSync('/tmp/tstack-e2e-swift-heat-');
    localConf = join(root, 'local.conf');
    writeFileSync(
      localConf,
      [
        '[[local|localrc]]',
        ...Object.entries(PASSWORDS).map(([k, v]) => `${k}=${shellSingleQuote(v)}`),
        'disable_service c-api c-sch c-vol horizon',
        // one line each, as in devstack
        'enable_service s-proxy s-object s-container s-account',
        'enable_service h-eng h-api h-api-cfn',
        '',
      ].join('\n'),
    );
    // a fresh start: whatever an earlier run left is stopped first
    await tstack('unstack.ts', ['-a']).catch(() => undefined);
  });

  afterAll(async () => {
    if (stacked) await tstack('unstack.ts', ['--clean', '--config', localConf]).catch(() => undefined);
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('./stack.ts brings up the swift and heat panes and says which storage swift got', async () => {
    stacked = true;
    // the databases of an earlier stack on this machine were made under other passwords; given in the
    // environment, so the re-run below reads the same local.conf (and the SWIFT_HASH saved beside it) without it
    const { out, seconds } = await tstack('stack.ts', ['--config', localConf], { RECREATE_DATABASES: 'True' });
    console.log(`cold ./stack.ts (swift + heat, lean): ${seconds.toFixed(0)} s`);
    for (const pane of PANES) expect(out).toMatch(new RegExp(`^${pane}\\s+\\S+\\s+ready`, 'm'));
    const storage =
      /swift storage: (XFS image \S+ \(\S+\) loop-mounted at \S+|directory \S+ \(no loop-mounted XFS: .*\))/.exec(
        out,
      )?.[1];
    expect(storage, out.slice(-4000)).toBeDefined();
    console.log(`swift storage: ${storage}`);
    // what the seven panes cost (RSS), for the report
    const status = await run(join(TOP_DIR, 'stack.ts'), ['status'], { cwd: TOP_DIR });
    console.log(
      status.stdout
        .split('\n')
        .filter((l) => /^(NAME|pane|s-|h-)/i.test(l.trim()))
        .join('\n'),
    );
    const catalog = await os<{ Name: string; Type: string }[]>('devstack-admin', ['catalog', 'list']);
    expect(catalog.map((c) => `${c.Name}/${c.Type}`)).toEqual(
      expect.arrayContaining(['swift/object-store', 'heat/orchestration', 'heat-cfn/cloudformation']),
    );
  });

  const demo = { token: '', projectId: '', url: '' };
  const files = { five: '', large: '' };

  it('swift as demo: a 5 MB object and a segmented large object round-trip with equal checksums', async () => {
    const t0 = Date.now();
    Object.assign(demo, await account('devstack'));
    const endpoint = (
      await os<{ URL: string }[]>('devstack-admin', ['endpoint', 'list', '--service', 'object-store'])
    )[0].URL;
    expect(endpoint).toMatch(/\/v1\/AUTH_\$\(project_id\)s$/);
    demo.url = endpoint.replace('$(project_id)s', demo.projectId);

    files.five = join(root, 'five');
    files.large = join(root, 'large');
    writeFileSync(files.five, randomBytes(5 * 1024 * 1024));
    writeFileSync(files.large, randomBytes(12 * 1024 * 1024));
    await os('devstack', ['container', 'create', 'e2e-c']);
    await os('devstack', ['object', 'create', 'e2e-c', files.five, '--name', 'five']);
    // a static large object: three 4 MB segments in e2e-c_segments and a manifest
    await swift(demo.token, demo.url, [
      'upload',
      '--use-slo',
      '--segment-size',
      String(4 * 1024 * 1024),
      '--object-name',
      'large',
      'e2e-c',
      files.large,
    ]);
    const listed = await os<{ Name: string; Bytes: number }[]>('devstack', ['object', 'list', '--long', 'e2e-c']);
    expect(listed.map((o) => [o.Name, o.Bytes])).toEqual([
      ['five', 5 * 1024 * 1024],
      ['large', 12 * 1024 * 1024],
    ]);
    const segments = await os<{ Name: string }[]>('devstack', ['object', 'list', 'e2e-c_segments']);
    expect(segments).toHaveLength(3);
    const manifest = await swift(demo.token, demo.url, ['stat', 'e2e-c', 'large']);
    expect(manifest.stdout).toMatch(/Manifest: |X-Static-Large-Object: True/i);

    await os('devstack', ['object', 'save', '--file', join(root, 'five.dl'), 'e2e-c', 'five'], false);
    await swift(demo.token, demo.url, ['download', 'e2e-c', 'large', '-o', join(root, 'large.dl')]);
    expect(sha256(join(root, 'five.dl'))).toBe(sha256(files.five));
    expect(sha256(join(root, 'large.dl'))).toBe(sha256(files.large));
    console.log(`swift round trip (17 MB, SLO): ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  it("swift: alt_demo cannot read demo's container until a read ACL names its project", async () => {
    const alt = await account('devstack-alt');
    const get = () => fetch(`${demo.url}/e2e-c/five`, { headers: { 'X-Auth-Token': alt.token } });
    const denied = await get();
    await denied.arrayBuffer();
    expect(denied.status).toBe(403);
    await expect(swift(alt.token, demo.url, ['list', 'e2e-c'])).rejects.toThrow(/403|Forbidden/);

    await swift(demo.token, demo.url, ['post', '--read-acl', `${alt.projectId}:*`, 'e2e-c']);
    const allowed = await get();
    expect(allowed.status).toBe(200);
    const body = Buffer.from(await allowed.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(sha256(files.five));
    const { stdout } = await swift(alt.token, demo.url, ['list', 'e2e-c']);
    expect(stdout.split('\n').filter(Boolean)).toEqual(['five', 'large']);
  });

  it('`./stack.ts restart h-eng` brings the engine back', async () => {
    const r = await run(join(TOP_DIR, 'stack.ts'), ['restart', 'h-eng'], { cwd: TOP_DIR, env: { ...process.env } });
    expect(r.stdout).toMatch(/h-eng: ready/);
  });

  it('heat as demo: random string, net, subnet and server; outputs right; delete removes all', async () => {
    const t0 = Date.now();
    const template = join(root, 'stack.yaml');
    writeFileSync(template, TEMPLATE);
    const image = (await os<{ Name: string }[]>('devstack', ['image', 'list']))[0].Name;
    await os('devstack', ['stack', 'create', '-t', template, '--parameter', `image=${image}`, 'e2e-stack']);
    // (`--wait` would print the events before the JSON)
    const status = await eventually(
      'the stack leaves CREATE_IN_PROGRESS',
      async () => {
        const st = await os<{ stack_status: string; stack_status_reason: string }>('devstack', [
          'stack',
          'show',
          'e2e-stack',
        ]);
        return st.stack_status === 'CREATE_IN_PROGRESS' ? undefined : st;
      },
      300,
    );
    expect(status.stack_status, status.stack_status_reason).toBe('CREATE_COMPLETE');
    const created_s = (Date.now() - t0) / 1000;

    const outputs = await os<{ output_key: string; output_value: string }[]>('devstack', [
      'stack',
      'output',
      'list',
      'e2e-stack',
    ]);
    expect(outputs.map((o) => o.output_key).sort()).toEqual(['ip', 'net_id', 'server_id', 'suffix']);
    const out = async (key: string) =>
      (await os<{ output_value: string }>('devstack', ['stack', 'output', 'show', 'e2e-stack', key])).output_value;
    const [suffix, netId, serverId, ip] = [
      await out('suffix'),
      await out('net_id'),
      await out('server_id'),
      await out('ip'),
    ];
    expect(suffix).toMatch(/^[a-z0-9]{10}$/);
    const net = await os<{ name: string; subnets: string[] }>('devstack', ['network', 'show', netId]);
    expect(net.name).toBe(`e2e-heat-${suffix}`);
    expect(net.subnets).toHaveLength(1);
    const subnet = await os<{ cidr: string }>('devstack', ['subnet', 'show', net.subnets[0]]);
    expect(subnet.cidr).toBe('10.77.0.0/24');
    const server = await os<{ status: string; addresses: Record<string, string[]> | string }>('devstack', [
      'server',
      'show',
      serverId,
    ]);
    expect(server.status).toBe('ACTIVE');
    // the CLI prints `net=ip` or a mapping, depending on its version
    const addresses = server.addresses;
    expect(typeof addresses === 'string' ? addresses : `${net.name}=${addresses[net.name].join(', ')}`).toBe(
      `${net.name}=${ip}`,
    );
    // the guest booted and took the port's address by DHCP
    const log = await eventually(
      'the guest is up',
      async () => {
        const text = await os<string>('devstack', ['console', 'log', 'show', serverId], false);
        return text.includes(`${ip}/24`) && / is up after /.test(text) ? text : undefined;
      },
      240,
    );
    expect(log).toContain(`eth0 ${ip}/24`);
    console.log(
      `heat: CREATE_COMPLETE in ${created_s.toFixed(0)} s, guest up at ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );

    await os('devstack', ['stack', 'delete', '--yes', 'e2e-stack'], false);
    await eventually(
      'the stack is deleted',
      async () => ((await os<unknown[]>('devstack', ['stack', 'list'])).length === 0 ? true : undefined),
      300,
    );
    expect((await os<{ ID: string }[]>('devstack', ['server', 'list'])).map((s) => s.ID)).not.toContain(serverId);
    expect((await os<{ ID: string }[]>('devstack', ['network', 'list'])).map((n) => n.ID)).not.toContain(netId);
  });

  it('a re-run converges: rings and the heat domain kept, the objects still there', async () => {
    const { out, seconds } = await tstack('stack.ts', ['--config', localConf]);
    console.log(`converging ./stack.ts: ${seconds.toFixed(0)} s`);
    for (const pane of PANES) expect(out).toMatch(new RegExp(`^${pane}\\s+\\S+\\s+ready`, 'm'));
    expect(out).toMatch(/swift rings: unchanged, kept/);
    expect(out).toMatch(/heat domain: unchanged/);
    const listed = await os<{ Name: string }[]>('devstack', ['object', 'list', 'e2e-c']);
    expect(listed.map((o) => o.Name)).toEqual(['five', 'large']);
  });

  it('./unstack.ts --clean removes rings, data, the XFS mount and the heat database', async () => {
    const { seconds } = await tstack('unstack.ts', ['--clean', '--config', localConf]);
    stacked = false;
    console.log(`./unstack.ts --clean: ${seconds.toFixed(0)} s`);
    await eventually(
      'no swift or heat process',
      async () => (swiftHeatProcesses().length === 0 ? true : undefined),
      30,
    );
    const rings = readdirSync('/etc/swift').filter((f) => /\.(builder|ring\.gz)$/.test(f) || f === 'backups');
    expect(rings).toEqual([]);
    expect(existsSync(SWIFT_DATA)).toBe(false);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(SWIFT_DATA);
    expect((await run('losetup', ['-a'])).stdout).not.toContain('swift.img');
    expect(existsSync('/var/lib/mysql/heat')).toBe(false);
    expect(existsSync('/etc/heat/heat.conf')).toBe(false);
    expect(readFileSync('/etc/resolv.conf').equals(resolvBefore)).toBe(true);
  });
});
