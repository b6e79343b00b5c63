// Every consumer of a password, with passwords that break naive handling:
// the files and commands the modules produce, read back by the real parsers
// (oslo.config, PyMySQL's option file parser, Python's ConfigParser as
// alembic uses it, Python literals) where the consumer is Python. The real
// services reading them are proven by the E2E stack (test/e2e/distro.test.ts).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { encodeUserinfo } from '../../../lib/config/urls.ts';
import { passwordProblem } from '../../../lib/config/password-rules.ts';
import type { StackContext } from '../../../lib/types/stack.ts';
import { bootstrapArgv, bootstrapEnv } from '../../../lib/services/keystone.ts';
import { cellMappingsSql } from '../../../lib/services/nova.ts';
import { pyLiteral } from '../../../lib/services/horizon.ts';
import { ensureDatabaseSql, nativePasswordHash, sqlString, clientOptionFile } from '../../../lib/system/mysql.ts';
import { RABBITMQCTL, ensureRabbitUser } from '../../../lib/system/rabbit.ts';
import type { RunOptions } from '../../../lib/types/shell.ts';
import { osloString } from '../../../lib/util/ini.ts';
import { clearSecrets, mask } from '../../../lib/util/secrets.ts';
import { DEFAULT_SERVICES, makePlan } from './fixture.ts';

/** Each password gets characters its own consumers trip over; all are allowed by password-rules.ts. */
const HOSTILE = {
  DATABASE_PASSWORD: ` db%pass#1?&é:@ "q" 'q' \\ ;= %(x)s `,
  RABBIT_PASSWORD: `-rabbit@pass:%#?&ü $x {} "q" \\ `,
  SERVICE_PASSWORD: ` svc $HOME \${x} $$ "q" 'q' \\n\\ #;= `,
  ADMIN_PASSWORD: `-Ädm1n/{x}'q"\\ €✓ `,
};

const dir = mkdtempSync(join(tmpdir(), 'tstack-pw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => clearSecrets());

function python(code: string, input: unknown): unknown {
  const out = execFileSync('/usr/bin/python3', ['-c', code], {
    input: JSON.stringify(input),
    env: { ...process.env, LC_ALL: 'C.UTF-8' },
  });
  return JSON.parse(out.toString());
}

/** Every configure step of every module, with the files they write kept in memory. */
async function configureAll(): Promise<Map<string, string>> {
  const plan = makePlan(HOSTILE, { services: `${DEFAULT_SERVICES},c-api,c-sch,c-vol,horizon` });
  const files = new Map<string, string>();
  const ctx = {
    plan,
    force: false,
    log: { info() {}, warn() {}, debug() {} },
    note() {},
    sh: { run: async () => ({ code: 0, stdout: '', stderr: '' }) },
    writeFile: async (path: string, content: string) => {
      files.set(path, content);
      return true;
    },
  } as unknown as StackContext;
  for (const m of plan.services) for (const step of m.steps?.(plan).configure ?? []) await step.run(ctx);
  return files;
}

describe('password consumers', () => {
  it('the hostile passwords are allowed', () => {
    for (const [name, value] of Object.entries(HOSTILE)) expect(passwordProblem(name, value), name).toBeUndefined();
  });

  it('oslo.config: passwords quoted and $ doubled, read back verbatim by oslo.config itself', async () => {
    const files = await configureAll();
    const wanted: [string, string, string, string][] = [];
    for (const [path, text] of files) {
      if (!/\.(conf|ini)$/.test(path) || path.includes('uwsgi')) continue;
      let section = 'DEFAULT';
      for (const line of text.split('\n')) {
        const s = /^\[(.+)\]$/.exec(line);
        if (s) section = s[1];
        const k = /^(password|metadata_proxy_shared_secret|transport_url|connection) = /.exec(line);
        if (k) wanted.push([path, section, k[1], line]);
      }
    }
    const paths = [...new Set(wanted.map((w) => w[0]))];
    // every module writing a service password or a URL is covered
    for (const p of [
      '/etc/keystone/keystone.conf',
      '/etc/glance/glance-api.conf',
      '/etc/placement/placement.conf',
      '/etc/nova/nova.conf',
      '/etc/nova/nova-compute.conf',
      '/etc/neutron/neutron.conf',
      '/etc/neutron/metadata_agent.ini',
      '/etc/cinder/cinder.conf',
    ]) {
      expect(paths).toContain(p);
    }
    const local = paths.map((p, i) => {
      const f = join(dir, `oslo-${i}.conf`);
      writeFileSync(f, files.get(p)!);
      return f;
    });
    const code = `
import sys, json
from oslo_config import cfg
req = json.load(sys.stdin)
out = []
for path, opts in req:
    conf = cfg.ConfigOpts()
    for section, key in opts:
        o = cfg.StrOpt(key)
        if section == 'DEFAULT': conf.register_opt(o)
        else: conf.register_opt(o, group=section)
    conf(args=[], default_config_files=[path])
    out.append([(conf[key] if section == 'DEFAULT' else conf[section][key]) for section, key in opts])
print(json.dumps(out))`;
    const req = paths.map((p, i) => [local[i], wanted.filter((w) => w[0] === p).map((w) => [w[1], w[2]])]);
    const values = python(code, req) as string[][];
    let passwords = 0;
    paths.forEach((p, i) => {
      const opts = wanted.filter((w) => w[0] === p);
      opts.forEach(([, section, key], j) => {
        const v = values[i][j];
        const where = `${p} [${section}] ${key}`;
        if (key === 'password' || key === 'metadata_proxy_shared_secret') {
          expect(v, where).toBe(HOSTILE.SERVICE_PASSWORD);
          passwords++;
        } else if (key === 'transport_url') {
          // oslo.messaging's TransportURL.parse: rsplit('@'), split(':'), unquote
          const userinfo = v.slice('rabbit://'.length, v.lastIndexOf('@'));
          expect(decodeURIComponent(userinfo.split(':').slice(1).join(':')), where).toBe(HOSTILE.RABBIT_PASSWORD);
        } else {
          expect(v, where).toMatch(
            /^mysql\+pymysql:\/\/\w+@127\.0\.0\.1\/\w+\?charset=utf8&read_default_file=\/etc\/\w+\/tstack-db\.cnf$/,
          );
        }
      });
    });
    expect(passwords).toBeGreaterThan(10);
    // a password ending in a quote, or made of one pair of quotes, also survives
    for (const pw of [`"`, `""`, `'x'`, ` `, `$`]) {
      const f = join(dir, 'edge.conf');
      writeFileSync(f, `[a]\npassword = ${osloString(pw)}\n`);
      const one = [
        'import json',
        'from oslo_config import cfg',
        "conf = cfg.ConfigOpts(); conf.register_opt(cfg.StrOpt('password'), group='a')",
        `conf(args=[], default_config_files=[${JSON.stringify(f)}])`,
        'print(json.dumps(conf.a.password))',
      ];
      expect(python(one.join('\n'), null)).toBe(pw);
    }
  });

  it('PyMySQL: the option file the database URL names gives back user and password verbatim', async () => {
    const files = await configureAll();
    const cnfs = [...files.keys()].filter((p) => p.endsWith('/tstack-db.cnf')).sort();
    expect(cnfs).toEqual(
      ['cinder', 'glance', 'keystone', 'neutron', 'nova', 'placement'].map((s) => `/etc/${s}/tstack-db.cnf`),
    );
    const others = [`"`, `""`, `'`, ` # ; `, `a"`, `"a`, `=:`, `[client]`, `%(user)s`, `\\`, `ÿ`];
    const code = `
import sys, json
from pymysql.optionfile import Parser
out = []
for path in json.load(sys.stdin):
    p = Parser(); p.read(path)
    out.append([p.get('client', 'user'), p.get('client', 'password')])
print(json.dumps(out))`;
    const paths = [...cnfs.map((p) => files.get(p)!), ...others.map((pw) => clientOptionFile('u', pw))].map(
      (text, i) => {
        const f = join(dir, `client-${i}.cnf`);
        writeFileSync(f, text, 'utf8');
        return f;
      },
    );
    const got = python(code, paths) as [string, string][];
    for (const [i, p] of cnfs.entries()) expect(got[i], p).toEqual([p.split('/')[2], HOSTILE.DATABASE_PASSWORD]);
    for (const [i, pw] of others.entries()) expect(got[cnfs.length + i]).toEqual(['u', pw]);
  });

  it("alembic's ConfigParser: the database URL has no password and no %, so interpolation keeps it", async () => {
    const files = await configureAll();
    const urls = [...files.values()].flatMap((t) => [...t.matchAll(/^connection = (.*)$/gm)].map((m) => m[1]));
    expect(urls.length).toBeGreaterThanOrEqual(7);
    // keystone's db sync: config.set_main_option('sqlalchemy.url', CONF.database.connection), unescaped
    const code = `
import sys, json, configparser
out = []
for url in json.load(sys.stdin):
    c = configparser.ConfigParser(); c.add_section('alembic'); c.set('alembic', 'sqlalchemy.url', url)
    out.append(c.get('alembic', 'sqlalchemy.url'))
print(json.dumps(out))`;
    expect(python(code, urls)).toEqual(urls);
    for (const u of urls) {
      expect(u).not.toContain('%');
      expect(new URL(u.replace('mysql+pymysql:', 'mysql:')).password).toBe('');
    }
  });

  it('MariaDB: the user gets the hash of the Latin-1 bytes PyMySQL sends; no password in the SQL', () => {
    // MariaDB's PASSWORD('password')
    expect(nativePasswordHash('password')).toBe('*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19');
    // é is one byte (0xE9) on the wire, not UTF-8's two
    expect(nativePasswordHash('é')).toBe(
      python(
        "import hashlib, json; h = hashlib.sha1(hashlib.sha1(b'\\xe9').digest()).hexdigest().upper(); " +
          "print(json.dumps('*' + h))",
        null,
      ),
    );
    const sql = ensureDatabaseSql({ name: 'nova', user: 'nova', password: HOSTILE.DATABASE_PASSWORD }, false);
    expect(sql).not.toContain('db%pass');
    expect(sql).toContain(`IDENTIFIED BY PASSWORD '${nativePasswordHash(HOSTILE.DATABASE_PASSWORD)}'`);
    expect(sql.match(/ALTER USER 'nova'@'[^']+' IDENTIFIED BY PASSWORD/g)).toHaveLength(3);
    // string literals elsewhere (cell URLs, names): quote and backslash escaped
    expect(sqlString(`a'b\\c`)).toBe(`'a\\'b\\\\c'`);
  });

  it('oslo.messaging transport URL: every character but / (refused) survives encoding and decoding', () => {
    for (const pw of [HOSTILE.RABBIT_PASSWORD, `%25 %41`, `@:@`, `ü€😀`]) {
      const enc = encodeUserinfo(pw);
      expect(enc).toMatch(/^[A-Za-z0-9%._~-]+$/);
      expect(decodeURIComponent(enc)).toBe(pw);
    }
    expect(passwordProblem('RABBIT_PASSWORD', 'a/b')).toMatch(/'\/' cannot be used: oslo.messaging/);
  });

  it('nova cell mappings: no password stored; the transport URL is a template nova fills from nova.conf', () => {
    const sql = cellMappingsSql(makePlan(HOSTILE));
    expect(mask(sql)).toBe(sql);
    expect(sql).toContain(
      "transport_url = '{scheme}://{username}:{password}@{hostname}:{port}/{path}' WHERE name = 'cell1'",
    );
    expect(sql).toContain(
      "database_connection = 'mysql+pymysql://nova@127.0.0.1/nova_cell0?charset=utf8&" +
        "read_default_file=/etc/nova/tstack-db.cnf'",
    );
    expect(cellMappingsSql(makePlan({ ...HOSTILE, RABBIT_HOST: 'fd00::5' }))).toContain('@[{hostname}]:{port}/');
  });

  it("rabbitmqctl: the real script as rabbitmq (not Debian's root wrapper: sh), password after --", async () => {
    const calls: { argv: string[]; opts?: RunOptions }[] = [];
    const sh = {
      run: async (argv: string[], opts?: RunOptions) => {
        calls.push({ argv, opts });
        return { code: 0, stdout: argv.includes('list_users') ? 'stackrabbit\t[]\n' : '', stderr: '' };
      },
    };
    await ensureRabbitUser(sh, 'stackrabbit', HOSTILE.RABBIT_PASSWORD);
    const change = calls.find((c) => c.argv.includes('change_password'))!;
    expect(change.argv).toEqual([RABBITMQCTL, 'change_password', '--', 'stackrabbit', HOSTILE.RABBIT_PASSWORD]);
    expect(RABBITMQCTL).toBe('/usr/lib/rabbitmq/bin/rabbitmqctl');
    for (const c of calls)
      expect(c.opts).toMatchObject({ user: 'rabbitmq', cwd: '/var/lib/rabbitmq', env: { HOME: '/var/lib/rabbitmq' } });
  });

  it('keystone-manage bootstrap: ADMIN_PASSWORD in the environment, never an argument', () => {
    const plan = makePlan(HOSTILE);
    expect(bootstrapEnv(plan)).toEqual({ OS_BOOTSTRAP_PASSWORD: HOSTILE.ADMIN_PASSWORD });
    expect(bootstrapArgv(plan).join(' ')).not.toContain('dm1n');
  });

  it('uwsgi ini files, the Horizon snippet and the infra configs carry no secret at all', async () => {
    const files = await configureAll();
    const secretFree = [...files.keys()].filter((p) => /uwsgi|local_settings|rabbitmq-env|mariadb|my\.cnf/.test(p));
    expect(secretFree.length).toBeGreaterThanOrEqual(6);
    // configureAll registered every secret with mask(): a file without any form of one is unchanged by it
    for (const p of secretFree) expect(mask(files.get(p)!), p).toBe(files.get(p));
  });

  it('Horizon (Python source): a string literal is read back verbatim by Python', () => {
    const values = [...Object.values(HOSTILE), `\u2028\u00a0'''"""`, `\\N{BULLET}`];
    const code = `import sys, json, ast; print(json.dumps([ast.literal_eval(s) for s in json.load(sys.stdin)]))`;
    expect(
      python(
        code,
        values.map((v) => pyLiteral(v)),
      ),
    ).toEqual(values);
  });
});
