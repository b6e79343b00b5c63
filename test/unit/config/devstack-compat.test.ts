// Issue 14: local.conf files devstack accepts are accepted, with devstack's semantics, and what tstack does not do
// is a warning naming file:line (never a silent default, never a stack trace).

import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseLocalConf } from '../../../lib/config/localconf.ts';
import { loadConfig, readLocalConf, resolveConfig } from '../../../lib/config/resolve.ts';
import { ensurePasswordsDetailed } from '../../../lib/config/passwords.ts';
import { readPasswordFile } from '../../../lib/config/password-file.ts';
import { MAX_NESTING } from '../../../lib/config/expand.ts';
import { IGNORED_DEVSTACK_VARIABLES } from '../../../lib/config/devstack-variables.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';
import { ConfigError } from '../../../lib/util/errors.ts';
import { fakeHost, tempDir, writeConf } from './helpers.ts';

const FILE = '/home/dev/devstack/local.conf';
const catalog = stackCatalog();

function resolve(body: string, saved: Record<string, string> = {}) {
  const localConf = parseLocalConf(`[[local|localrc]]\n${body}`, FILE);
  return resolveConfig({ localConf, env: {}, host: fakeHost(), savedPasswords: saved, catalog });
}

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const messages = (c: { warnings: readonly { message: string; pos?: { line: number } }[] }) =>
  c.warnings.map((w) => `${w.pos?.line}: ${w.message}`);

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function temp(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('devstack project names in the service functions', () => {
  it('disable_service cinder turns off every c-* service (neutron ML2/OVS sample style)', () => {
    const c = resolve('disable_service cinder c-sch c-api c-vol\ndisable_service tempest\ndisable_service swift');
    expect(c.enabledServices.filter((s) => s.startsWith('c-'))).toEqual([]);
    expect(c.enabledServices).toContain('n-api');
    expect(c.warnings).toEqual([]);
  });

  it('disable_service cinder neutron with an enable_plugin: cinder off; neutron as devstack has it, said so', () => {
    const c = resolve('enable_plugin heat https://opendev.org/openstack/heat\ndisable_service cinder neutron');
    expect(c.enabledServices.filter((s) => s.startsWith('c-'))).toEqual([]);
    // devstack's is_service_enabled neutron stays true while a q-* service is listed (a legacy special case)
    expect(c.enabledServices.filter((s) => s.startsWith('q-'))).toEqual(['q-svc', 'q-ovn-metadata-agent']);
    expect(c.plugins.map((p) => p.name)).toEqual(['heat']);
    expect(messages(c)).toEqual([
      '3: disable_service neutron changes nothing in devstack while q-svc, q-ovn-metadata-agent are enabled ' +
        '(is_service_enabled neutron stays true), so they run; disable them by name',
    ]);
  });

  it('a member enabled after its project was disabled stays off, with one warning for the line', () => {
    const c = resolve('disable_service cinder\nenable_service c-api c-bak');
    expect(c.enabledServices.some((s) => s.startsWith('c-'))).toBe(false);
    expect(messages(c)).toEqual([
      `3: c-api, c-bak stay disabled: disable_service cinder at ${FILE}:2 turns off all of cinder, as in devstack`,
    ]);
    const k = resolve('disable_service keystone\nenable_service key');
    expect(k.enabledServices).not.toContain('key');
  });

  it('disable_service nova and glance change nothing while their services are listed, as in devstack', () => {
    const c = resolve('disable_service nova glance');
    expect(c.enabledServices).toEqual(expect.arrayContaining(['n-api', 'n-cpu', 'g-api']));
    expect(messages(c)).toEqual([
      '2: disable_service nova changes nothing in devstack while n-api, n-api-meta, n-cond, n-sch, n-cpu are enabled ' +
        '(is_service_enabled nova stays true), so they run; disable them by name',
      '2: disable_service glance changes nothing in devstack while g-api is enabled (is_service_enabled glance ' +
        'stays true), so they run; disable them by name',
    ]);
  });

  it('enable_service swift enables the s-* services; enable_service keystone runs keystone', () => {
    const c = resolve('disable_all_services\nenable_service swift keystone mysql');
    expect(c.enabledServices).toEqual(['s-proxy', 's-object', 's-container', 's-account', 'key', 'mysql', 'memcached']);
  });

  it('a project name alone starts nothing (devstack only installs it): a warning, nothing planned', () => {
    const c = resolve('disable_all_services\nenable_service neutron mysql');
    expect(c.enabledServices).toEqual(['mysql']);
    expect(messages(c)).toEqual([
      "3: 'neutron' in ENABLED_SERVICES names no service: devstack then installs neutron but starts none of " +
        'q-svc, q-agt, q-dhcp, q-l3, q-meta, ...; tstack runs none of them (enable the services you want by name)',
    ]);
    // next to its services it is only redundant: no warning (neutron's compute sample)
    const compute = resolve('ENABLED_SERVICES=n-cpu,neutron,q-agt');
    expect(compute.enabledServices).toEqual(['n-cpu', 'q-agt', 'ovsdb-server', 'ovs-vswitchd']);
    expect(compute.warnings).toEqual([]);
  });

  it('disable_service placement has no effect in devstack: said so, placement-api stays', () => {
    const c = resolve('disable_service placement');
    expect(c.enabledServices).toContain('placement-api');
    expect(messages(c)).toEqual([
      '2: disable_service placement changes nothing in devstack while placement-api is enabled (is_service_enabled ' +
        'placement stays true), so they run; disable them by name',
    ]);
  });
});

describe('DISABLED_SERVICES semantics', () => {
  it('disable_service horizon then enable_service horizon keeps it disabled, with a warning', () => {
    const c = resolve('disable_service horizon\nenable_service horizon');
    expect(c.enabledServices).not.toContain('horizon');
    expect(messages(c)).toEqual([
      `3: enable_service horizon: horizon stays disabled (disable_service at ${FILE}:2), as in devstack`,
    ]);
  });

  it('ENABLED_SERVICES bringing a disabled service back is an error, as verify_disabled_services dies', () => {
    const e = errorOf(() => resolve('disable_service horizon\nENABLED_SERVICES+=,horizon'));
    expect(e.message).toBe(
      `${FILE}:3: ENABLED_SERVICES (set at ${FILE}:3) brings back 'horizon', which disable_service turned off at ` +
        `${FILE}:2; devstack stops here too (verify_disabled_services): remove one of the two`,
    );
  });

  it('negation applies after each enable_service, as disable_negated_services does', () => {
    expect(resolve('ENABLED_SERVICES+=,-horizon\nenable_service horizon').enabledServices).not.toContain('horizon');
    // removed by the first enable_service, the negation no longer applies to a later one
    expect(
      resolve('ENABLED_SERVICES+=,-horizon\nenable_service c-bak\nenable_service horizon').enabledServices,
    ).toContain('horizon');
  });

  it('ENABLED_SERVICES+= is validated like an assignment', () => {
    expect(errorOf(() => resolve('ENABLED_SERVICES+=",bad\u0001"')).message).toBe(
      `${FILE}:2: ENABLED_SERVICES+=,bad\u0001: control characters are not allowed`,
    );
  });

  it('10,000 distinct enable_service lines: every name once, each checked once', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `plugin-svc-${i}`);
    const body = ['enable_plugin plugin-svc https://example.org/p', ...names.map((n) => `enable_service ${n}`)];
    const c = resolve(body.join('\n'));
    expect(c.enabledServices.filter((s) => s.startsWith('plugin-svc-'))).toEqual(names);
  });
});

describe('implied services', () => {
  it('the compute-node style adds the OVS daemons for q-agt, shown with why', () => {
    const c = resolve('disable_all_services\nenable_service n-cpu q-agt placement-client');
    expect(c.enabledServices).toEqual(['n-cpu', 'q-agt', 'placement-client', 'ovsdb-server', 'ovs-vswitchd']);
    expect(c.implied.map((i) => i.name)).toEqual(['ovsdb-server', 'ovs-vswitchd']);
    expect(c.implied[0].reason).toMatch(/q-agt needs Open vSwitch; devstack installs and starts it/);
  });

  it('keystone brings memcached unless it was turned off on purpose', () => {
    expect(resolve('disable_all_services\nenable_service key mysql').implied.map((i) => i.name)).toEqual(['memcached']);
    expect(resolve('disable_service memcached').enabledServices).not.toContain('memcached');
  });
});

describe('meta-sections', () => {
  it('a header with a trailing comment and a UTF-8 byte order mark are accepted', () => {
    const conf = parseLocalConf('\uFEFF[[local|localrc]]  # my settings\nADMIN_PASSWORD=x\n', FILE);
    expect(conf.sections.map((s) => [s.phase, s.rawFile, s.lines.length])).toEqual([['local', 'localrc', 2]]);
    expect(conf.warnings).toEqual([]);
    const other = parseLocalConf('[[local|localrc]] trailing words\n', FILE);
    expect(other.warnings).toEqual([
      {
        message: "text after the header is ignored (as devstack does): 'trailing words'",
        pos: { file: FILE, line: 1 },
      },
    ]);
  });

  it('an option before any [section] in a post-config block is skipped with file:line, the rest merged', () => {
    const localConf = parseLocalConf('[[post-config|$NOVA_CONF]]\ndebug = True\n[DEFAULT]\nverbose = True\n', FILE);
    const c = resolveConfig({ localConf, env: {}, host: fakeHost(), savedPasswords: {}, catalog });
    expect(c.metaSections[0].sections).toEqual([
      { name: 'DEFAULT', options: [{ key: 'verbose', values: ['True'], pos: { file: FILE, line: 4 } }] },
    ]);
    expect(messages(c)).toEqual(["2: option 'debug' before any [section]: not merged (devstack ignores it too)"]);
  });

  it('an indented option is skipped as devstack skips it, with file:line', () => {
    const localConf = parseLocalConf('[[post-config|$NOVA_CONF]]\n[DEFAULT]\n  debug = True\nx = 1\n', FILE);
    const c = resolveConfig({ localConf, env: {}, host: fakeHost(), savedPasswords: {}, catalog });
    expect(c.metaSections[0].sections[0].options.map((o) => o.key)).toEqual(['x']);
    expect(messages(c)).toEqual([
      "3: indented line 'debug = True' is not merged (devstack skips it too): start it in column 1",
    ]);
  });
});

describe('random-value idioms and command substitution', () => {
  it('NAME=$(openssl rand -hex N) is made once; the saved value is reused while it fits', () => {
    const first = resolve('ADMIN_PASSWORD=$(openssl rand -hex 10)\nSERVICE_PASSWORD="$ADMIN_PASSWORD"');
    expect(first.values.ADMIN_PASSWORD).toMatch(/^[0-9a-f]{20}$/);
    expect(first.values.SERVICE_PASSWORD).toBe(first.values.ADMIN_PASSWORD);
    expect(first.generated).toEqual({ ADMIN_PASSWORD: first.values.ADMIN_PASSWORD });
    const again = resolve('ADMIN_PASSWORD=$(openssl rand -hex 10)', { ADMIN_PASSWORD: 'abcdef0123456789abcd' });
    expect(again.values.ADMIN_PASSWORD).toBe('abcdef0123456789abcd');
    expect(again.generated).toEqual({});
    // a saved value of another shape (the idiom changed) is replaced
    const longer = resolve('ADMIN_PASSWORD=$(openssl rand -hex 16)', { ADMIN_PASSWORD: 'abcdef0123456789abcd' });
    expect(longer.values.ADMIN_PASSWORD).toMatch(/^[0-9a-f]{32}$/);
  });

  it('$(uuidgen) and backquotes, quoted or not', () => {
    const c = resolve('SWIFT_HASH="$(uuidgen)"\nOTHER_ID=`uuidgen`');
    expect(c.values.SWIFT_HASH).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(Object.keys(c.generated)).toEqual(['SWIFT_HASH', 'OTHER_ID']);
  });

  it('any other command substitution is an error that says what to write instead', () => {
    expect(errorOf(() => resolve('HOST_IP=$(hostname -I)')).message).toBe(
      `${FILE}:2: command substitution $(hostname -I) is not run (tstack runs no commands from local.conf): ` +
        'write the address or name itself (HOST_IP and SERVICE_HOST are detected from the default route when unset)',
    );
    expect(errorOf(() => resolve('X=pre-$(openssl rand -hex 4)')).message).toMatch(
      /write it as a whole value on its own, NAME=\$\(openssl rand -hex 4\)/,
    );
    expect(errorOf(() => resolve('X=$(cat /etc/machine-id)')).message).toMatch(
      /write the value itself; for a random value write NAME=\$\(openssl rand -hex N\) or NAME=\$\(uuidgen\)/,
    );
  });

  it('the first real run saves the generated value; the next load reads the same one', async () => {
    const dir = temp();
    const conf = writeConf(dir, '[[local|localrc]]\nADMIN_PASSWORD=$(openssl rand -hex 10)\nDATABASE_PASSWORD=db\n');
    const load = () =>
      loadConfig({ configPath: conf, env: { RABBIT_PASSWORD: 'r', SERVICE_PASSWORD: 's' }, host: fakeHost(), catalog });
    const first = load();
    const logs: string[] = [];
    const out = await ensurePasswordsDetailed(first, { interactive: false, log: (l) => logs.push(l) });
    const saved = readPasswordFile(join(dir, '.localrc.password'));
    expect(saved.ADMIN_PASSWORD).toBe(first.values.ADMIN_PASSWORD);
    expect(out.config.values.ADMIN_PASSWORD).toBe(first.values.ADMIN_PASSWORD);
    expect(load().values.ADMIN_PASSWORD).toBe(first.values.ADMIN_PASSWORD);
    expect(load().generated).toEqual({});
    expect(logs[0]).toMatch(/^Generated ADMIN_PASSWORD \(local.conf's random-value idiom\)/);
  });
});

describe('devstack variables tstack ignores', () => {
  it('one warning each, naming the line and what tstack does instead', () => {
    const c = resolve('PUBLIC_BRIDGE_MTU=9000\nPUBLIC_BRIDGE_MTU=1450\nHOST_IPV6=fd00::2\nMY_PLUGIN_THING=1');
    expect(messages(c)).toEqual([
      '3: PUBLIC_BRIDGE_MTU is a devstack setting tstack does not read: tstack seeds ' +
        "devstack's networks and router (no MTU, veth or fixed network size)",
      '4: HOST_IPV6 is a devstack setting tstack does not read: tstack serves the APIs over IPv4 ' +
        '(SERVICE_IP_VERSION=4)',
    ]);
  });

  it('no ignored devstack variable is a tstack setting (a new row must replace its entry)', () => {
    const both = [...IGNORED_DEVSTACK_VARIABLES.keys()].filter((n) => catalog.setting(n));
    expect(both).toEqual([]);
  });

  it("Q_AGENT=ovn is the default and devstack's OVN settings are rows; linuxbridge falls back with a warning", () => {
    const c = resolve('Q_AGENT=ovn\nOVN_L3_CREATE_PUBLIC_NETWORK=False\nENABLE_CHASSIS_AS_GW=True');
    expect([c.values.Q_AGENT, c.values.Q_ML2_PLUGIN_MECHANISM_DRIVERS, c.values.Q_ML2_TENANT_NETWORK_TYPE]).toEqual([
      'ovn',
      'ovn',
      'geneve',
    ]);
    expect(c.values.OVN_L3_CREATE_PUBLIC_NETWORK).toBe('False');
    expect(messages(c)).toEqual([]);
    const ovs = resolve('Q_AGENT=openvswitch');
    expect([ovs.values.Q_ML2_PLUGIN_MECHANISM_DRIVERS, ovs.values.Q_ML2_TENANT_NETWORK_TYPE]).toEqual([
      'openvswitch',
      'vxlan',
    ]);
    const lb = resolve('Q_AGENT=linuxbridge');
    expect(lb.values.Q_AGENT).toBe('ovn');
    expect(messages(lb)[0]).toMatch(/^2: Q_AGENT=linuxbridge: the linuxbridge agent is not implemented/);
  });
});

describe('shell details', () => {
  it('backslash-newline inside double quotes is removed as bash does; in single quotes it stays', () => {
    const c = resolve('A="one \\\ntwo"\nB=\'x\\\ny\'');
    expect(c.values.A).toBe('one two');
    expect(c.values.B).toBe('x\\\ny');
  });

  it('statements over several lines: quotes of the other kind inside, a word cut by a backslash, ${...}', () => {
    const c = resolve(
      ['A="it\'s', 'two"', 'B=\'say "x', 'y"\'', 'C=abc\\', 'def', "D=${UNSET:-'p", "q'}", 'E=last \\'].join('\n'),
    );
    expect([c.values.A, c.values.B, c.values.C, c.values.D, c.values.E]).toEqual([
      "it's\ntwo",
      'say "x\ny"',
      'abcdef',
      'p\nq',
      'last',
    ]);
  });

  it('a quoted newline in IMAGE_URLS word-splits into two entries', () => {
    const c = resolve('DOWNLOAD_DEFAULT_IMAGES=False\nIMAGE_URLS="file:///a.img\nfile:///b.img"');
    expect(c.values.IMAGE_URLS).toBe('file:///a.img,file:///b.img');
  });

  it(`\${A:-...} nested deeper than ${MAX_NESTING} is a ConfigError, also 20,000 deep`, () => {
    const deep = (n: number) => `X=${'${A:-'.repeat(n)}v${'}'.repeat(n)}`;
    expect(resolve(deep(MAX_NESTING)).values.X).toBe('v');
    expect(errorOf(() => resolve(deep(MAX_NESTING + 1))).message).toMatch(/:2: \$\{\.\.\.\} nested more than 32 deep/);
    expect(errorOf(() => resolve(deep(20_000))).message).toMatch(/nested more than/);
  });
});

describe('reading local.conf', () => {
  it('a dangling symlink, a loop, a directory: a ConfigError naming the file, never defaults', () => {
    const dir = temp();
    const dangling = join(dir, 'dangling.conf');
    symlinkSync(join(dir, 'missing'), dangling);
    expect(errorOf(() => readLocalConf(dangling)).message).toBe(
      `${dangling}: a symbolic link to a file that does not exist`,
    );
    const loop = join(dir, 'loop.conf');
    symlinkSync(loop, loop);
    expect(errorOf(() => readLocalConf(loop)).message).toBe(`${loop}: a symbolic link loop`);
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    expect(errorOf(() => readLocalConf(sub)).message).toBe(`${sub}: a directory, not a local.conf file`);
    // the default <topDir>/local.conf: a broken link is not "no local.conf"
    const top = join(dir, 'top');
    mkdirSync(top);
    symlinkSync(join(dir, 'gone'), join(top, 'local.conf'));
    expect(() => loadConfig({ topDir: top, env: {}, host: fakeHost(), catalog })).toThrow(
      /local.conf: a symbolic link to a file that does not exist/,
    );
  });

  it('an unreadable file is a ConfigError (only when not root: root reads any file)', () => {
    const dir = temp();
    const path = writeConf(dir, '[[local|localrc]]\n');
    chmodSync(path, 0);
    if (process.getuid?.() === 0) {
      expect(readLocalConf(path)?.file).toBe(path);
    } else {
      expect(errorOf(() => readLocalConf(path)).message).toBe(`${path}: permission denied`);
    }
  });

  it('bytes that are not UTF-8 are an error at their line, never replaced', () => {
    const dir = temp();
    const path = join(dir, 'local.conf');
    writeFileSync(
      path,
      Buffer.concat([Buffer.from('[[local|localrc]]\nX=1\nDEST=/opt/st'), Buffer.from([0xe4]), Buffer.from('ck\n')]),
    );
    expect(errorOf(() => readLocalConf(path)).message).toBe(
      `${path}:3: bytes that are not UTF-8 text: save the file as UTF-8`,
    );
    expect(readFileSync(path).length).toBeGreaterThan(0);
  });
});
