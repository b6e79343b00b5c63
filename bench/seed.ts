// Seeding through REST against the same operations through the `openstack`
// CLI, measured in one run against a running stack.
//
//   npx tsx bench/seed.ts [--cloud devstack-admin] [--users 5] [--clouds /etc/openstack/clouds.yaml] [--rest-only]
//
// Needs a stack that is up and /etc/openstack/clouds.yaml (written by
// ./stack.ts). Each backend works on its own scratch resources (names start
// with `bench-rest-` / `bench-cli-`), which are deleted at the end through REST.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { RestClient } from '../lib/openstack/rest.ts';
import { addSecret, mask } from '../lib/util/secrets.ts';

const run = promisify(execFile);

interface Cloud {
  auth: {
    auth_url: string;
    username: string;
    password: string;
    project_name?: string;
    user_domain_id?: string;
    project_domain_id?: string;
  };
  region_name?: string;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function loadCloud(path: string, name: string): Promise<Cloud> {
  // Debian's python3-yaml (installed with the openstack client) reads clouds.yaml for us.
  const py = 'import sys, yaml, json\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))["clouds"][sys.argv[2]]))';
  const { stdout } = await run('/usr/bin/python3', ['-c', py, path, name]);
  return JSON.parse(stdout) as Cloud;
}

/** One operation of the workload, as a REST call and as a CLI command. */
interface Op {
  label: string;
  rest(c: RestClient, ids: Map<string, string>): Promise<void>;
  cli: string[];
}

function workload(
  prefix: string,
  users: number,
  hasCompute: boolean,
  hasNetwork: boolean,
  subnetCidr: string,
  flavorId: string,
): Op[] {
  const project = `${prefix}project`;
  const ops: Op[] = [
    {
      label: 'project create',
      cli: ['project', 'create', '--domain', 'default', project],
      rest: async (c, ids) => {
        ids.set(
          project,
          (
            await c.post<{ project: { id: string } }>('identity', '/projects', {
              project: { name: project, domain_id: 'default' },
            })
          ).project.id,
        );
      },
    },
    {
      label: 'role lookup',
      cli: ['role', 'show', 'member'],
      rest: async (c, ids) => {
        const r = await c.get<{ roles: { id: string }[] }>('identity', '/roles?name=member');
        ids.set('role:member', r.roles[0].id);
      },
    },
  ];
  const pw = randomBytes(12).toString('hex');
  addSecret(pw);
  for (let i = 0; i < users; i++) {
    const user = `${prefix}user${i}`;
    ops.push(
      {
        label: 'user create',
        cli: ['user', 'create', '--domain', 'default', '--password', pw, user],
        rest: async (c, ids) => {
          ids.set(
            user,
            (
              await c.post<{ user: { id: string } }>('identity', '/users', {
                user: { name: user, password: pw, domain_id: 'default' },
              })
            ).user.id,
          );
        },
      },
      {
        label: 'role add',
        cli: ['role', 'add', '--project', project, '--user', user, 'member'],
        rest: async (c, ids) => {
          await c.put(
            'identity',
            `/projects/${ids.get(project)}/users/${ids.get(user)}/roles/${ids.get('role:member')}`,
          );
        },
      },
      {
        label: 'user show',
        cli: ['user', 'show', user],
        rest: async (c) => {
          await c.get('identity', `/users?name=${user}`);
        },
      },
    );
  }
  if (hasCompute) {
    const flavor = `${prefix}flavor`;
    ops.push(
      {
        label: 'flavor create',
        cli: ['flavor', 'create', '--id', flavorId, '--ram', '64', '--disk', '1', '--vcpus', '1', flavor],
        rest: async (c) => {
          await c.post('compute', '/flavors', { flavor: { name: flavor, id: flavorId, ram: 64, disk: 1, vcpus: 1 } });
        },
      },
      {
        label: 'flavor show',
        cli: ['flavor', 'show', flavor],
        rest: async (c) => {
          await c.get('compute', `/flavors/${flavorId}`);
        },
      },
    );
  }
  if (hasNetwork) {
    const net = `${prefix}net`;
    ops.push(
      {
        label: 'network create',
        cli: ['network', 'create', net],
        rest: async (c, ids) => {
          ids.set(
            net,
            (await c.post<{ network: { id: string } }>('network', '/v2.0/networks', { network: { name: net } })).network
              .id,
          );
        },
      },
      {
        label: 'subnet create',
        cli: ['subnet', 'create', '--network', net, '--subnet-range', subnetCidr, `${prefix}subnet`],
        rest: async (c, ids) => {
          await c.post('network', '/v2.0/subnets', {
            subnet: { name: `${prefix}subnet`, network_id: ids.get(net), ip_version: 4, cidr: subnetCidr },
          });
        },
      },
      {
        label: 'network show',
        cli: ['network', 'show', net],
        rest: async (c) => {
          await c.get('network', `/v2.0/networks?name=${net}`);
        },
      },
    );
  }
  return ops;
}

/** Delete everything whose name starts with `prefix` (both backends' scratch resources). */
async function cleanup(c: RestClient, prefix: string, hasCompute: boolean, hasNetwork: boolean): Promise<void> {
  const mine = <T extends { name: string }>(list: T[]) => list.filter((x) => x.name.startsWith(prefix));
  if (hasNetwork) {
    for (const s of mine(
      (await c.get<{ subnets: { id: string; name: string }[] }>('network', '/v2.0/subnets')).subnets,
    ))
      await c.delete('network', `/v2.0/subnets/${s.id}`);
    for (const n of mine(
      (await c.get<{ networks: { id: string; name: string }[] }>('network', '/v2.0/networks')).networks,
    ))
      await c.delete('network', `/v2.0/networks/${n.id}`);
  }
  if (hasCompute) {
    for (const f of mine(
      (await c.get<{ flavors: { id: string; name: string }[] }>('compute', '/flavors?is_public=None')).flavors,
    ))
      await c.delete('compute', `/flavors/${f.id}`);
  }
  for (const u of mine((await c.get<{ users: { id: string; name: string }[] }>('identity', '/users')).users))
    await c.delete('identity', `/users/${u.id}`);
  for (const p of mine((await c.get<{ projects: { id: string; name: string }[] }>('identity', '/projects')).projects))
    await c.delete('identity', `/projects/${p.id}`);
}

async function main(): Promise<void> {
  const cloudName = arg('cloud', 'devstack-admin');
  const users = Number(arg('users', '5'));
  const cloudsPath = arg('clouds', '/etc/openstack/clouds.yaml');
  const restOnly = process.argv.includes('--rest-only');
  const cloud = await loadCloud(cloudsPath, cloudName);
  addSecret(cloud.auth.password);
  const t0 = performance.now();
  const client = await RestClient.login({
    authUrl: cloud.auth.auth_url,
    username: cloud.auth.username,
    password: cloud.auth.password,
    projectName: cloud.auth.project_name ?? 'admin',
    region: cloud.region_name ?? 'RegionOne',
  });
  const loginMs = performance.now() - t0;
  const has = (t: string) => {
    try {
      client.endpoint(t);
      return true;
    } catch {
      return false;
    }
  };
  const hasCompute = has('compute');
  const hasNetwork = has('network');
  const stamp = Date.now().toString(36);
  const restOps = workload(
    `bench-rest-${stamp}-`,
    users,
    hasCompute,
    hasNetwork,
    '10.254.1.0/28',
    `bench-rest-${stamp}`,
  );
  const cliOps = workload(`bench-cli-${stamp}-`, users, hasCompute, hasNetwork, '10.254.2.0/28', `bench-cli-${stamp}`);

  const c0 = performance.now();
  if (!restOnly) await run('openstack', ['--version']);
  const cliStartMs = performance.now() - c0;
  const cliEnv: NodeJS.ProcessEnv = { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsPath };
  delete cliEnv.OS_CLOUD;

  const perLabel = new Map<string, { n: number; rest: number; cli: number }>();
  let restTotal = 0;
  let cliTotal = 0;
  try {
    const ids = new Map<string, string>();
    for (const op of restOps) {
      const s = performance.now();
      await op.rest(client, ids);
      const ms = performance.now() - s;
      restTotal += ms;
      const row = perLabel.get(op.label) ?? { n: 0, rest: 0, cli: 0 };
      row.n++;
      row.rest += ms;
      perLabel.set(op.label, row);
    }
    for (const op of restOnly ? [] : cliOps) {
      const s = performance.now();
      await run('openstack', ['--os-cloud', cloudName, ...op.cli], { env: cliEnv }).catch(
        (e: { stderr?: string; message: string }) => {
          throw new Error(mask(`openstack ${op.cli.join(' ')} failed: ${e.stderr || e.message}`));
        },
      );
      const ms = performance.now() - s;
      cliTotal += ms;
      perLabel.get(op.label)!.cli += ms;
    }
  } finally {
    await cleanup(client, `bench-rest-${stamp}-`, hasCompute, hasNetwork);
    await cleanup(client, `bench-cli-${stamp}-`, hasCompute, hasNetwork);
  }

  const f = (ms: number) => ms.toFixed(0).padStart(8);
  const out = [
    `seeding workload: ${restOps.length} operations per backend (${users} users; compute ` +
      `${hasCompute ? 'yes' : 'no'}; network ${hasNetwork ? 'yes' : 'no'})`,
    `REST login (one token for the run): ${loginMs.toFixed(0)} ms; one 'openstack --version' start-up: ` +
      `${cliStartMs.toFixed(0)} ms`,
    '',
    `${'operation'.padEnd(16)} ${'calls'.padStart(5)} ${'REST ms'.padStart(8)} ${'CLI ms'.padStart(8)}`,
    ...[...perLabel].map(([label, r]) => `${label.padEnd(16)} ${String(r.n).padStart(5)} ${f(r.rest)} ${f(r.cli)}`),
    `${'total'.padEnd(16)} ${String(restOps.length).padStart(5)} ${f(restTotal)} ${f(cliTotal)}`,
    '',
    restOnly
      ? `per call: REST ${(restTotal / restOps.length).toFixed(1)} ms (CLI not run: --rest-only)`
      : `per call: REST ${(restTotal / restOps.length).toFixed(1)} ms, CLI ${(cliTotal / cliOps.length).toFixed(0)} ` +
        `ms; CLI/REST = ${(cliTotal / restTotal).toFixed(1)}x`,
  ];
  process.stdout.write(out.join('\n') + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(mask(`bench/seed.ts: ${err instanceof Error ? err.message : String(err)}`) + '\n');
  process.exitCode = 1;
});
