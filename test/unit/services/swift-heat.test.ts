// Swift's and Heat's pure config, read back by the real consumers this host
// has: paste.deploy + keystonemiddleware for the proxy's authtoken filter,
// Python's ConfigParser (swift's readconf) for swift.conf and the servers,
// oslo.config for heat.conf. The services reading them are proven by
// test/e2e/swift-heat.test.ts.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { getOption, renderIni, type IniDoc } from '../../../lib/util/ini.ts';
import { clearSecrets } from '../../../lib/util/secrets.ts';
import {
  AUTHTOKEN_CONF,
  PROXY_PIPELINE,
  authtokenConf,
  proxyServerConf,
  ringInputs,
  storageServerConf,
  swiftConf,
  swiftModule,
  swiftUrl,
} from '../../../lib/services/swift.ts';
import type { RunResult, Shell } from '../../../lib/types/shell.ts';
import {
  ensureSwiftStorage,
  ringBuilderArgvs,
  swiftLayout,
  swiftMounts,
  xfsUnavailable,
  isMountPoint,
} from '../../../lib/services/swift/storage.ts';
import { ENGINE_READY, authEncryptionKey, heatConf, heatModule } from '../../../lib/services/heat.ts';
import { passwordProblem } from '../../../lib/config/password-rules.ts';
import { testPlan } from '../plan-fixture.ts';
import { DEFAULT_ENABLED_SERVICES } from '../../../lib/config/settings.ts';
import { DEFAULT_SERVICES, makePlan } from './fixture.ts';

const SWIFT = 's-proxy,s-object,s-container,s-account';
const HEAT = 'h-eng,h-api,h-api-cfn';
const HOSTILE = {
  SERVICE_PASSWORD: ` svc %(x)s $HOME \${x} $$ "q" 'q' \\ #;= %`,
  SWIFT_HASH: 'hash%with%percent',
};

const dir = mkdtempSync(join(tmpdir(), 'tstack-swift-heat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => clearSecrets());

function python(code: string, input: unknown): unknown {
  const out = execFileSync('/usr/bin/python3', ['-c', code], {
    input: JSON.stringify(input),
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  return JSON.parse(out.toString());
}

function write(name: string, doc: IniDoc): string {
  const f = join(dir, name);
  writeFileSync(f, renderIni(doc));
  return f;
}

const one = (doc: IniDoc, s: string, k: string): string | undefined => getOption(doc, s, k)?.[0];
/** Where the catalog and clients reach the APIs: SERVICE_HOST (HOST_IP, the fake host's address). */
const HOST = makePlan(HOSTILE).get('SERVICE_HOST');

describe('swift', () => {
  const plan = makePlan(HOSTILE, { services: `${DEFAULT_SERVICES},${SWIFT}` });

  it('the hostile values are allowed', () => {
    for (const [k, v] of Object.entries(HOSTILE)) expect(passwordProblem(k, v), k).toBeUndefined();
  });

  it("the proxy's authtoken filter, loaded by paste.deploy into keystonemiddleware, has the password verbatim", () => {
    const proxy = write('proxy-server.conf', proxyServerConf(plan));
    const authtoken = write('authtoken.conf', authtokenConf(plan));
    // the proxy names the real path; here the test's copy stands in for it
    const code = `
import sys, json, configparser
from paste.deploy import loadfilter
req = json.load(sys.stdin)
text = open(req['proxy']).read().replace(req['real'], req['authtoken'])
open(req['proxy'], 'w').write(text)
f = loadfilter('config:' + req['proxy'], name='authtoken')
app = f(lambda env, start: None)
conf = app._conf
from keystoneauth1 import loading
conf.oslo_conf_obj.register_opts(loading.get_auth_plugin_conf_options('password'), group='keystone_authtoken')
get = lambda k: conf.get(k, group='keystone_authtoken')
cp = configparser.ConfigParser()
cp.read(req['proxy'])
print(json.dumps({'password': get('password'), 'username': get('username'), 'auth_url': get('auth_url'),
  'delay': conf.get('delay_auth_decision'), 'pipeline': cp.get('pipeline:main', 'pipeline')}))`;
    const r = python(code, { proxy, authtoken, real: AUTHTOKEN_CONF }) as Record<string, unknown>;
    expect(r.password).toBe(HOSTILE.SERVICE_PASSWORD);
    expect(r.username).toBe('swift');
    expect(r.auth_url).toBe(`http://${HOST}:5000`);
    expect(r.delay).toBe(true);
    expect(r.pipeline).toBe(PROXY_PIPELINE.join(' '));
    expect(PROXY_PIPELINE.indexOf('authtoken')).toBeLessThan(PROXY_PIPELINE.indexOf('keystoneauth'));
    expect(PROXY_PIPELINE).toContain('slo');
  });

  it('swift.conf and the servers read back through ConfigParser with interpolation, as swift reads them', () => {
    const files = {
      swift: write('swift.conf', swiftConf(plan)),
      object: write('object.conf', storageServerConf(plan, 'object')),
    };
    const code = `
import sys, json, configparser
req = json.load(sys.stdin)
s = configparser.ConfigParser(); s.read(req['swift'])
o = configparser.ConfigParser(); o.read(req['object'])
print(json.dumps({'hash': s.get('swift-hash', 'swift_hash_path_suffix'), 'devices': o.get('DEFAULT', 'devices'),
  'mount_check': o.get('DEFAULT', 'mount_check'), 'port': o.get('DEFAULT', 'bind_port'),
  'pipeline': o.get('pipeline:main', 'pipeline')}))`;
    const r = python(code, files) as Record<string, string>;
    expect(r.hash).toBe(HOSTILE.SWIFT_HASH);
    expect(r.devices).toBe('/opt/stack/data/swift/node');
    expect(r.mount_check).toBe('false');
    expect(r.port).toBe('6613');
    expect(r.pipeline).toBe('healthcheck recon object-server');
    // the storage servers authenticate nobody: loopback, where the rings point; the proxy on every address
    expect(one(storageServerConf(plan, 'object'), 'DEFAULT', 'bind_ip')).toBe('127.0.0.1');
    expect(one(proxyServerConf(plan), 'DEFAULT', 'bind_ip')).toBe('0.0.0.0');
  });

  it("the catalog has devstack's object-store URL form; the proxy avoids Horizon's 8080", () => {
    expect(swiftUrl(plan)).toBe(`http://${HOST}:8081/v1/AUTH_$(project_id)s`);
    const entries = swiftModule.catalog!(plan);
    expect(entries.map((e) => [e.user, e.service?.type, e.extraRoles])).toEqual([['swift', 'object-store', ['admin']]]);
    const moved = makePlan({ ...HOSTILE, HORIZON_PORT: '8088' }, { services: `${DEFAULT_SERVICES},${SWIFT}` });
    expect(swiftUrl(moved)).toBe(`http://${HOST}:8080/v1/AUTH_$(project_id)s`);
  });

  it('the rings: one device per replica, each in its own zone, on the servers of this host', () => {
    const three = makePlan({ ...HOSTILE, SWIFT_REPLICAS: '3' }, { services: `${DEFAULT_SERVICES},${SWIFT}` });
    const argvs = ringBuilderArgvs('/usr/bin/swift-ring-builder', '/etc/swift', ringInputs(three));
    const object = argvs.find((chain) => chain[0][1] === '/etc/swift/object.builder')!.map((a) => a.slice(2).join(' '));
    expect(object).toEqual([
      'create 9 3 1',
      'add z1-127.0.0.1:6613/sdb1 1',
      'add z2-127.0.0.1:6613/sdb2 1',
      'add z3-127.0.0.1:6613/sdb3 1',
      'rebalance 42',
    ]);
    expect(swiftLayout(three).devices).toEqual(['sdb1', 'sdb2', 'sdb3']);
    expect(argvs.map((chain) => chain.length)).toEqual([5, 5, 5]);
  });

  it('storage: a directory when the kernel has no XFS or no loop devices', () => {
    expect(xfsUnavailable('nodev\tproc\n\text4\n', true)).toBe('the kernel has no XFS');
    expect(xfsUnavailable('\txfs\n', false)).toBe('no /dev/loop-control');
    expect(xfsUnavailable('\txfs\n', true)).toBeUndefined();
    const info = '36 35 98:0 / /mnt/with\\040space rw - xfs /dev/loop0 rw\n';
    expect(isMountPoint('/mnt/with space', info)).toBe(true);
    expect(isMountPoint('/mnt', info)).toBe(false);
    // unstack finds swift's mounts without a plan, by their shape: XFS at .../drives/sdb1, the image beside it
    const swiftInfo =
      '40 35 7:0 / /srv/data/swift/drives/sdb1 rw,noatime - xfs /dev/loop0 rw\n' +
      '41 35 7:1 / /other/drives/sdb1 rw - xfs /dev/loop1 rw\n' +
      '42 35 7:2 / /srv/data/x/drives/sdb1 rw - ext4 /dev/loop2 rw\n';
    const images = new Set(['/srv/data/swift/drives/images/swift.img', '/srv/data/x/drives/images/swift.img']);
    expect(swiftMounts(swiftInfo, (f) => images.has(String(f)))).toEqual(['/srv/data/swift/drives/sdb1']);
  });

  it('storage: a failed loop mount falls back to a directory with the same layout, and says why', async () => {
    const l = { ...swiftLayout(plan), dataDir: join(dir, 'swift') };
    Object.assign(l, {
      image: join(l.dataDir, 'drives/images/swift.img'),
      mountPoint: join(l.dataDir, 'drives/sdb1'),
      devicesRoot: join(l.dataDir, 'node'),
      cacheDir: join(l.dataDir, 'cache'),
    });
    const calls: string[][] = [];
    const sh: Shell = {
      async run(argv: string[]): Promise<RunResult> {
        calls.push(argv);
        // as in an unprivileged container: no loop device may be attached
        if (argv[0] === 'mount') return { code: 32, stdout: '', stderr: 'mount: failed to setup loop device' };
        return { code: 0, stdout: '', stderr: '' };
      },
    };
    const r = await ensureSwiftStorage(sh, l, 'swift');
    const fs = readFileSync('/proc/filesystems', 'utf8');
    if (/\bxfs\b/.test(fs) && existsSync('/dev/loop-control')) {
      expect(r).toEqual({ kind: 'directory', reason: 'mount -o loop failed: mount: failed to setup loop device' });
      expect(calls.map((c) => c[0])).toContain('mkfs.xfs');
    } else {
      expect(r.kind).toBe('directory');
    }
    // the same tree either way: the device dirs on the mount point, linked from the servers' devices root
    expect(calls).toContainEqual(['ln', '-sfn', join(l.mountPoint, 'sdb1'), join(l.devicesRoot, 'sdb1')]);
    expect(calls.some((c) => c[0] === 'install' && c.includes(join(l.mountPoint, 'sdb1')))).toBe(true);
  });

  it('panes: the four servers with readiness probes, the proxy after them', () => {
    const panes = swiftModule.processes(plan);
    expect(panes.map((p) => p.name)).toEqual(['s-object', 's-container', 's-account', 's-proxy']);
    expect(panes.map((p) => p.probe)).toEqual([
      { kind: 'http', url: 'http://127.0.0.1:6613/healthcheck', expectStatus: [200] },
      { kind: 'http', url: 'http://127.0.0.1:6611/healthcheck', expectStatus: [200] },
      { kind: 'http', url: 'http://127.0.0.1:6612/healthcheck', expectStatus: [200] },
      { kind: 'http', url: `http://${HOST}:8081/info`, expectStatus: [200] },
    ]);
    expect(panes[3].after).toEqual(expect.arrayContaining(['key', 's-object', 's-container', 's-account']));
  });
});

describe('heat', () => {
  const plan = makePlan(HOSTILE, { services: `${DEFAULT_SERVICES},${HEAT}` });

  it('heat.conf read by oslo.config: passwords verbatim, the stack domain, the other services reachable', () => {
    const f = write('heat.conf', heatConf(plan));
    const wanted = [
      ['DEFAULT', 'stack_domain_admin_password'],
      ['DEFAULT', 'stack_domain_admin'],
      ['DEFAULT', 'stack_user_domain_name'],
      ['DEFAULT', 'auth_encryption_key'],
      ['DEFAULT', 'heat_metadata_server_url'],
      ['DEFAULT', 'heat_waitcondition_server_url'],
      ['DEFAULT', 'region_name_for_services'],
      ['trustee', 'password'],
      ['keystone_authtoken', 'password'],
      ['clients_keystone', 'auth_uri'],
      ['database', 'connection'],
    ];
    const code = `
import sys, json
from oslo_config import cfg
req = json.load(sys.stdin)
conf = cfg.ConfigOpts()
for section, key in req['opts']:
    o = cfg.StrOpt(key)
    if section == 'DEFAULT': conf.register_opt(o)
    else: conf.register_opt(o, group=section)
conf(args=[], default_config_files=[req['file']])
print(json.dumps([(conf[k] if s == 'DEFAULT' else conf[s][k]) for s, k in req['opts']]))`;
    const v = python(code, { file: f, opts: wanted }) as string[];
    expect(v).toEqual([
      HOSTILE.SERVICE_PASSWORD,
      'heat_domain_admin',
      'heat',
      authEncryptionKey(plan),
      `http://${HOST}:8000`,
      `http://${HOST}:8000/v1/waitcondition`,
      'RegionOne',
      HOSTILE.SERVICE_PASSWORD,
      HOSTILE.SERVICE_PASSWORD,
      `http://${HOST}:5000`,
      'mysql+pymysql://heat@127.0.0.1/heat?charset=utf8&read_default_file=/etc/heat/tstack-db.cnf',
    ]);
    expect(authEncryptionKey(plan)).toMatch(/^[0-9a-f]{32}$/);
    expect(one(heatConf(plan), 'heat_api', 'bind_host')).toBe('0.0.0.0');
    expect(one(heatConf(plan), 'DEFAULT', 'transport_url')).toMatch(/^rabbit:\/\/stackrabbit:/);
  });

  it('the engine logs its readiness line whatever ENABLE_DEBUG_LOG_LEVEL says', () => {
    const quiet = makePlan(
      { ...HOSTILE, ENABLE_DEBUG_LOG_LEVEL: 'False' },
      { services: `${DEFAULT_SERVICES},${HEAT}` },
    );
    expect(one(heatConf(quiet), 'DEFAULT', 'default_log_levels')).toContain('heat.engine.service=DEBUG');
    expect(one(heatConf(plan), 'DEFAULT', 'default_log_levels')).toBeUndefined();
    expect(new RegExp(ENGINE_READY).test('DEBUG heat.engine.service [-] Service 4f1c-9a is started')).toBe(true);
  });

  it('orchestration and cloudformation catalog entries as devstack made them', () => {
    expect(heatModule.catalog!(plan).map((e) => [e.service?.name, e.service?.type, e.url])).toEqual([
      ['heat', 'orchestration', `http://${HOST}:8004/v1/$(project_id)s`],
      ['heat-cfn', 'cloudformation', `http://${HOST}:8000/v1`],
    ]);
  });

  it('distro and source: the same panes, from /usr/bin or the venv', () => {
    const source = makePlan(HOSTILE, { services: `${DEFAULT_SERVICES},${HEAT}`, method: 'source' });
    const argv0 = (p: typeof plan) => heatModule.processes(p).map((s) => s.argv[0]);
    expect(argv0(plan)).toEqual(['/usr/bin/heat-api', '/usr/bin/heat-api-cfn', '/usr/bin/heat-engine']);
    expect(argv0(source)).toEqual([
      '/opt/stack/data/venv/bin/heat-api',
      '/opt/stack/data/venv/bin/heat-api-cfn',
      '/opt/stack/data/venv/bin/heat-engine',
    ]);
    expect(source.repos.map((r) => r.name)).toContain('heat');
    expect(heatModule.processes(plan).find((p) => p.name === 'h-eng')?.after).toContain('heat:domain');
  });
});

describe('enabling', () => {
  it('neither is in the default set; one enable_service line each brings in all their panes', () => {
    const plain = testPlan({ ADMIN_PASSWORD: 'x' });
    expect(plain.processes.map((p) => p.name).filter((n) => /^(s|h)-/.test(n))).toEqual([]);
    // the default set plus the two lines
    const both = testPlan({ ADMIN_PASSWORD: 'x' }, { services: [...DEFAULT_ENABLED_SERVICES, SWIFT, HEAT].join(',') });
    expect(both.processes.map((p) => p.name).filter((n) => /^(s|h)-/.test(n))).toEqual([
      's-object',
      's-container',
      's-account',
      's-proxy',
      'h-api',
      'h-api-cfn',
      'h-eng',
    ]);
    expect(both.packages).toEqual(expect.arrayContaining(['swift-proxy', 'heat-engine', 'python3-heatclient']));
    expect(both.config.catalog.passwords.map((p) => p.name)).toContain('SWIFT_HASH');
  });
});
