import { describe, expect, it } from 'vitest';
import { evaluateLocalrc } from '../../../lib/config/localrc.ts';
import { parseLocalConf } from '../../../lib/config/localconf.ts';
import { resolveConfig } from '../../../lib/config/resolve.ts';
import { fakeHost } from './helpers.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';

const FILE = '/home/dev/devstack/local.conf';

/** Resolve a localrc body (the header is added) with no environment. */
function resolve(body: string, env: NodeJS.ProcessEnv = {}) {
  const localConf = parseLocalConf(`[[local|localrc]]\n${body}`, FILE);
  return resolveConfig({ localConf, env, host: fakeHost(), savedPasswords: {}, catalog: stackCatalog() });
}

/** The error thrown for a localrc body. */
function errorOf(body: string): string {
  try {
    resolve(body);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('assignments', () => {
  it('handles plain, quoted, exported and appended values and comments', () => {
    const c = resolve(
      [
        'ADMIN_PASSWORD=secret',
        'SERVICE_PASSWORD=$ADMIN_PASSWORD',
        'DATABASE_PASSWORD="${ADMIN_PASSWORD}db"',
        "RABBIT_PASSWORD='$ADMIN_PASSWORD'",
        'export LOGDAYS=3 # keep three days',
        'LIBS_FROM_GIT=oslo.config',
        'LIBS_FROM_GIT+=,oslo.messaging',
        'export LOGDAYS',
        '',
        '# comment',
        'REGION_NAME="Region Two"',
      ].join('\n'),
    );
    expect(c.values.SERVICE_PASSWORD).toBe('secret');
    expect(c.values.DATABASE_PASSWORD).toBe('secretdb');
    expect(c.values.RABBIT_PASSWORD).toBe('$ADMIN_PASSWORD');
    expect(c.values.LOGDAYS).toBe('3');
    expect(c.values.LIBS_FROM_GIT).toBe('oslo.config,oslo.messaging');
    expect(c.values.REGION_NAME).toBe('Region Two');
    expect(c.origins.LOGDAYS).toBe('local.conf');
  });

  it('expands against earlier lines, then the environment, then the defaults', () => {
    const c = resolve('LOGFILE=$DEST/logs/a.log\nDEST=/srv/stack\nX=$DEST:$HOME:$SERVICE_TIMEOUT', {
      HOME: '/home/dev',
      SERVICE_TIMEOUT: '90',
    });
    expect(c.values.LOGFILE).toBe('/opt/stack/logs/a.log'); // DEST was not set yet on that line
    expect(c.values.X).toBe('/srv/stack:/home/dev:90');
    expect(c.values.DATA_DIR).toBe('/srv/stack/data'); // defaults follow the final values
  });

  it('keeps multi-line quoted values and backslash continuations', () => {
    const c = resolve('Q_ML2_PLUGIN_EXT_DRIVERS="port_security,\nqos"\nenable_service \\\n  c-bak');
    expect(c.values.Q_ML2_PLUGIN_EXT_DRIVERS).toBe('port_security,\nqos');
    expect(c.enabledServices).toContain('c-bak');
  });

  it('MYSQL_PASSWORD is an alias of DATABASE_PASSWORD', () => {
    const c = resolve('MYSQL_PASSWORD=stackdb\nX=$MYSQL_PASSWORD');
    expect(c.values.DATABASE_PASSWORD).toBe('stackdb');
    expect(c.origins.DATABASE_PASSWORD).toBe('local.conf');
    expect(c.values.X).toBe('stackdb');
    expect(c.unknownVariables.map((u) => u.name)).toEqual(['X']);
  });

  it('keeps unknown variables with their position', () => {
    const c = resolve('ADMIN_PASSWORD=x\nNOVA_BRANCHH=stable/2025.1\nOCTAVIA_THING="a b"');
    expect(c.unknownVariables).toEqual([
      { name: 'NOVA_BRANCHH', value: 'stable/2025.1', pos: { file: FILE, line: 3 } },
      { name: 'OCTAVIA_THING', value: 'a b', pos: { file: FILE, line: 4 } },
    ]);
    expect(c.values.NOVA_BRANCHH).toBe('stable/2025.1');
  });

  it('normalizes booleans and treats an empty one as the default', () => {
    const c = resolve('RECLONE=yes\nOFFLINE=\nERROR_ON_CLONE=0');
    expect([c.values.RECLONE, c.values.OFFLINE, c.values.ERROR_ON_CLONE]).toEqual(['True', 'False', 'False']);
    expect(c.origins.OFFLINE).toBe('default');
  });
});

describe('services', () => {
  it('enable_service, disable_service, disable_all_services and -name negation', () => {
    expect(resolve('disable_service horizon c-vol\nenable_service c-bak n-api').enabledServices).toEqual(
      expect.arrayContaining(['c-bak', 'n-api', 'c-api']),
    );
    expect(resolve('disable_service horizon c-vol').enabledServices).not.toContain('horizon');
    expect(resolve('disable_all_services\nenable_service g-api mysql').enabledServices).toEqual(['g-api', 'mysql']);
    expect(resolve('ENABLED_SERVICES=n-api,mysql,rabbit\nENABLED_SERVICES+=,-rabbit,g-api').enabledServices).toEqual([
      'n-api',
      'mysql',
      'g-api',
    ]);
    // negation wins even when the name comes back later, as in devstack
    expect(resolve('ENABLED_SERVICES+=,-horizon\nenable_service horizon').enabledServices).not.toContain('horizon');
  });

  it('enable_service does not duplicate; ENABLED_SERVICES from the environment applies', () => {
    const c = resolve('enable_service g-api', { ENABLED_SERVICES: 'g-api,mysql' });
    expect(c.enabledServices).toEqual(['g-api', 'mysql']);
    expect(c.values.ENABLED_SERVICES).toBe('g-api,mysql');
  });

  it('unknown names fail with a suggestion and file:line', () => {
    expect(errorOf('ADMIN_PASSWORD=x\nenable_service n-cpuu')).toBe(
      `${FILE}:3: unknown service 'n-cpuu'; did you mean 'n-cpu'?`,
    );
    // devstack records any name disable_service gets: a warning, not an error
    expect(resolve('disable_service horizn').warnings).toEqual([
      {
        message: "disable_service horizn: no such service, nothing to disable; did you mean 'horizon'?",
        pos: { file: FILE, line: 2 },
      },
    ]);
    expect(errorOf('ENABLED_SERVICES+=,-q-l33')).toBe(`${FILE}:2: unknown service 'q-l33'; did you mean 'q-l3'?`);
    expect(errorOf('enable_service frobnicator')).toMatch(
      new RegExp(`^${FILE}:2: unknown service 'frobnicator' \\(see`),
    );
  });

  it('unknown names in the environment fail too', () => {
    expect(() => resolve('', { ENABLED_SERVICES: 'key,mysqll' })).toThrow(
      /unknown service 'mysqll' in ENABLED_SERVICES from the environment; did you mean 'mysql'/,
    );
  });

  it('records plugins; names a plugin may define are accepted once a plugin is enabled', () => {
    const c = resolve(
      'enable_plugin heat https://opendev.org/openstack/heat\nenable_plugin foo $GIT_BASE/x/foo ' +
        'stable/2025.1\nenable_service foo-api frobnicator\n',
    );
    expect(c.plugins).toEqual([
      { name: 'heat', url: 'https://opendev.org/openstack/heat', ref: 'master', pos: { file: FILE, line: 2 } },
      { name: 'foo', url: 'https://opendev.org/x/foo', ref: 'stable/2025.1', pos: { file: FILE, line: 3 } },
    ]);
    expect(c.enabledServices).toEqual(expect.arrayContaining(['foo-api', 'frobnicator']));
    // a near miss of a known name is still a typo, plugins or not
    expect(errorOf('enable_plugin heat https://x/heat\nenable_service n-cpuu')).toBe(
      `${FILE}:3: unknown service 'n-cpuu'; did you mean 'n-cpu'?`,
    );
    expect(errorOf('enable_plugin heat https://x/heat\nenable_plugin heat https://x/heat')).toBe(
      `${FILE}:3: plugin 'heat' is already enabled at ${FILE}:2`,
    );
    expect(errorOf('enable_plugin heat')).toBe(`${FILE}:2: usage: enable_plugin NAME URL [REF]`);
  });
});

describe('errors name file:line', () => {
  it('a value of the wrong type', () => {
    expect(errorOf('ADMIN_PASSWORD=x\n\nRECLONE=maybe')).toBe(
      `${FILE}:4: RECLONE=maybe: expected True or False (also 1/0, yes/no, true/false)`,
    );
    expect(errorOf('GIT_DEPTH=full')).toBe(`${FILE}:2: GIT_DEPTH=full: expected a whole number`);
    expect(errorOf('FIXED_RANGE=10.0.0.0')).toMatch(`${FILE}:2: FIXED_RANGE=10.0.0.0: expected an IPv4 CIDR`);
    expect(errorOf('VIRT_DRIVER=ironic')).toBe(`${FILE}:2: VIRT_DRIVER=ironic: expected one of: fake, libvirt`);
  });

  it('an unterminated quote, at the line where it opens', () => {
    expect(errorOf('A=1\nADMIN_PASSWORD="secret\nB=2\nC=3')).toBe(`${FILE}:3: unterminated double quote`);
    expect(errorOf("A='x")).toBe(`${FILE}:2: unterminated single quote`);
  });

  it('an unknown command, with what is understood', () => {
    expect(errorOf('A=1\nsource ./other.sh')).toMatch(
      new RegExp(`^${FILE}:3: unknown command 'source': the localrc section takes VAR=value`),
    );
    expect(errorOf('if [ -x foo ]; then A=1; fi')).toMatch(
      `${FILE}:2: if [ -x foo ]: tstack evaluates only [[ A == B ]]`,
    );
  });

  it('text after an assignment (an unquoted space)', () => {
    expect(errorOf('REGION_NAME=Region Two')).toBe(
      `${FILE}:2: unexpected 'Two' after an assignment: quote values that contain spaces`,
    );
  });

  it('never shows a secret value in a type error', () => {
    expect(errorOf('ADMIN_PASSWORD="a\tb"')).toBe(
      `${FILE}:2: ADMIN_PASSWORD (value not shown): a control character (U+0009, tab) cannot be used: ` +
        'a password is one line in local.conf and in every config file, and must be typed at a prompt and into Horizon',
    );
  });
});

describe('evaluateLocalrc', () => {
  it('asks the outside only for names local.conf has not set', () => {
    const asked: string[] = [];
    const r = evaluateLocalrc(
      [
        { text: 'A=$B', pos: { file: 'f', line: 1 } },
        { text: 'B=2', pos: { file: 'f', line: 2 } },
        { text: 'C=$B', pos: { file: 'f', line: 3 } },
      ],
      (n) => (asked.push(n), n === 'B' ? 'outside' : undefined),
      stackCatalog(),
    );
    expect(r.vars.get('A')?.value).toBe('outside');
    expect(r.vars.get('C')?.value).toBe('2');
    expect(asked).toEqual(['B']);
  });
});

describe('unset, ; and if (bash accepts them in localrc)', () => {
  it('unset: the default applies again, not the environment; ENABLED_SERVICES becomes empty', () => {
    const c = resolve('REGION_NAME=RegionTwo\nunset REGION_NAME\nunset -v FLOATING_RANGE\n', {
      FLOATING_RANGE: '203.0.113.0/24',
    });
    expect(c.values.REGION_NAME).toBe('RegionOne');
    expect(c.values.FLOATING_RANGE).toBe('172.24.4.0/24');
    expect(resolve('unset REGION_NAME\nREGION_NAME=Again\n').values.REGION_NAME).toBe('Again');
    expect(resolve('unset ENABLED_SERVICES\nenable_service key\n').enabledServices).toEqual(['key', 'memcached']);
    expect(resolve('unset -f foo\n').warnings.map((w) => w.message)).toEqual([
      'unset -f foo: no such function, nothing to do',
    ]);
    expect(errorOf('unset "A B"')).toMatch(`${FILE}:2: unset: 'A B' is not a variable name`);
  });

  it('; separates commands on one line', () => {
    const c = resolve('REGION_NAME=R2; FLOATING_RANGE=203.0.113.0/24 ;disable_service horizon');
    expect([c.values.REGION_NAME, c.values.FLOATING_RANGE]).toEqual(['R2', '203.0.113.0/24']);
    expect(c.enabledServices).not.toContain('horizon');
  });

  it('if/elif/else/fi on string tests, one per line or joined with ;', () => {
    const body = (arch: string) =>
      [
        `ARCH=${arch}`,
        'if [[ "$ARCH" == "aarch64" ]]; then',
        '  REGION_NAME=Arm',
        'elif [ "$ARCH" = x86_64 ]',
        'then',
        '  REGION_NAME=X86',
        '  if [[ -z "$UNSET_THING" ]]; then FLOATING_RANGE=203.0.113.0/24; fi',
        'else',
        '  REGION_NAME=Other',
        'fi',
      ].join('\n');
    expect(resolve(body('aarch64')).values.REGION_NAME).toBe('Arm');
    const x86 = resolve(body('x86_64'));
    expect([x86.values.REGION_NAME, x86.values.FLOATING_RANGE]).toEqual(['X86', '203.0.113.0/24']);
    const other = resolve(body('riscv64'));
    expect([other.values.REGION_NAME, other.values.FLOATING_RANGE]).toEqual(['Other', '172.24.4.0/24']);
    expect(resolve('if test -n "$X"; then REGION_NAME=Set; fi').values.REGION_NAME).toBe('RegionOne');
    expect(resolve('if [[ ! -n "$X" ]]; then REGION_NAME=Empty; fi').values.REGION_NAME).toBe('Empty');
    expect(resolve('if ! true; then REGION_NAME=No; else REGION_NAME=Yes; fi').values.REGION_NAME).toBe('Yes');
  });

  it("is_service_enabled answers as devstack's does at that line (projects included)", () => {
    const body = [
      'disable_all_services',
      'enable_service key q-svc',
      'if is_service_enabled neutron; then REGION_NAME=WithNeutron; fi',
      'if is_service_enabled n-cpu c-vol; then FLOATING_RANGE=203.0.113.0/24; fi',
    ].join('\n');
    const c = resolve(body);
    expect([c.values.REGION_NAME, c.values.FLOATING_RANGE]).toEqual(['WithNeutron', '172.24.4.0/24']);
  });

  it('a branch bash skips runs nothing, not even a command tstack would refuse', () => {
    expect(resolve('if false; then\n  source ./other.sh\nfi\nREGION_NAME=After').values.REGION_NAME).toBe('After');
  });

  it('what tstack does not evaluate, or a broken if, is an error with its line and what to write', () => {
    expect(errorOf('if [[ $(uname -m) == x86_64 ]]; then A=1; fi')).toMatch(/^.*local\.conf:2: /);
    expect(errorOf('X=x86\nif [[ $X == x8* ]]; then A=1; fi')).toMatch(
      `${FILE}:3: if [[ $X == x8* ]]: tstack evaluates only`,
    );
    expect(errorOf('if grep -q foo /etc/hosts; then A=1; fi')).toMatch('write the settings without this if');
    expect(errorOf('if true; then\nA=1\n')).toBe(`${FILE}:2: if without fi (the localrc section ends first)`);
    expect(errorOf('A=1\nfi')).toBe(`${FILE}:3: 'fi' without a matching if`);
    expect(errorOf('if true\nA=1\nfi')).toBe(`${FILE}:3: expected 'then' after the condition of the if at line 2`);
  });
});
