import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlan } from '../../../lib/plan/plan.ts';
import type { Plan, StackContext } from '../../../lib/types/stack.ts';
import type { RunResult } from '../../../lib/types/shell.ts';
import { getOption, parseIni } from '../../../lib/util/ini.ts';
import {
  SNIPPET_NAME,
  horizonLayout,
  horizonModule,
  horizonPort,
  horizonSettings,
  horizonSnippet,
  horizonUrl,
  horizonUwsgiIni,
  offlineManifest,
  pyLiteral,
  staticRebuildReason,
  touchesOfflineContext,
} from '../../../lib/services/horizon.ts';
import { makePlan } from './fixture.ts';

const SERVICES = 'mysql,rabbit,memcached,key,g-api,n-api,horizon';

function horizonPlan(
  values: Record<string, string> = {},
  opts: { services?: string; method?: 'distro' | 'source' } = {},
): Plan {
  const extra: Record<string, string> =
    opts.method === 'source'
      ? { REQUIREMENTS_REPO: 'https://opendev.org/openstack/requirements.git', REQUIREMENTS_BRANCH: 'master' }
      : {};
  const base = makePlan({ ...extra, ...values }, { services: opts.services ?? SERVICES, method: opts.method });
  return buildPlan(base.config, base.method, [horizonModule]);
}

/**
 * Run the snippet the way Horizon does (exec into a settings namespace) with Debian's python; return the names it set.
 */
function execSnippet(text: string): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'tstack-horizon-'));
  try {
    const file = join(dir, SNIPPET_NAME);
    writeFileSync(file, text);
    const code =
      'import json,sys\nns={}\nexec(open(sys.argv[1]).read(), ns)\nprint(json.dumps({k: v for k, v in ns.items() if ' +
      'k.isupper()}))';
    return JSON.parse(execFileSync('/usr/bin/python3', ['-c', code, file], { encoding: 'utf8' })) as Record<
      string,
      unknown
    >;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('the settings snippet', () => {
  it('is valid Python that points Horizon at this keystone, memcached and region', () => {
    const ns = execSnippet(horizonSnippet(horizonPlan()));
    expect(ns).toEqual({
      OPENSTACK_HOST: '192.0.2.2',
      OPENSTACK_KEYSTONE_URL: 'http://192.0.2.2:5000/v3',
      OPENSTACK_KEYSTONE_DEFAULT_ROLE: 'member',
      ALLOWED_HOSTS: ['*'],
      DEFAULT_SERVICE_REGIONS: { '*': 'RegionOne' },
      CACHES: {
        default: { BACKEND: 'django.core.cache.backends.memcached.MemcachedCache', LOCATION: '127.0.0.1:11211' },
      },
      SESSION_ENGINE: 'django.contrib.sessions.backends.cache',
    });
  });

  it('follows SERVICE_HOST and REGION_NAME, quoting whatever they contain', () => {
    const plan = makePlan({ SERVICE_HOST: '10.1.2.3', REGION_NAME: 'Reg"ion\\Two' }, { services: SERVICES });
    // SERVICE_HOST counts only when set in local.conf
    const set = buildPlan({ ...plan.config, origins: { SERVICE_HOST: 'local.conf' } }, plan.method, [horizonModule]);
    const ns = execSnippet(horizonSnippet(set));
    expect(ns.OPENSTACK_KEYSTONE_URL).toBe('http://10.1.2.3:5000/v3');
    expect(ns.DEFAULT_SERVICE_REGIONS).toEqual({ '*': 'Reg"ion\\Two' });
    expect(horizonUrl(set)).toBe('http://10.1.2.3:8080/');
  });

  it('keeps sessions in a signed cookie when memcached is not part of the stack', () => {
    // keystone implies memcached (as devstack starts it); `-memcached` turns it off on purpose
    const ns = execSnippet(horizonSnippet(horizonPlan({}, { services: 'mysql,rabbit,key,horizon,-memcached' })));
    expect(ns.CACHES).toBeUndefined();
    expect(ns.SESSION_ENGINE).toBe('django.contrib.sessions.backends.signed_cookies');
  });

  it("sets nothing that the package's compressed manifest depends on, so no recompression is needed", () => {
    expect(touchesOfflineContext(horizonSettings(horizonPlan()))).toEqual([]);
    expect(
      touchesOfflineContext([
        ['WEBROOT', '"/dashboard/"'],
        ['OPENSTACK_HOST', '"x"'],
      ]),
    ).toEqual(['WEBROOT']);
  });

  it('renders nested Python literals', () => {
    expect(pyLiteral({ a: ['x', 'y'], b: { c: 'd' } })).toBe('{"a": ["x", "y"], "b": {"c": "d"}}');
  });
});

describe('static files', () => {
  it('are rebuilt only when the manifest is missing or the settings change what it was built from', () => {
    expect(staticRebuildReason({ manifestExists: true, offlineKeysSet: [] })).toBeUndefined();
    expect(staticRebuildReason({ manifestExists: false, offlineKeysSet: [] })).toMatch(/no compressed manifest/);
    expect(staticRebuildReason({ manifestExists: true, offlineKeysSet: ['WEBROOT'] })).toMatch(/WEBROOT/);
  });

  it("look for django-compressor's manifest under Debian's STATIC_ROOT", () => {
    expect(offlineManifest(horizonLayout(horizonPlan()))).toBe(
      '/var/lib/openstack-dashboard/static/dashboard/manifest.json',
    );
  });

  it('the static step collects and compresses when the manifest is missing (source checkout)', async () => {
    const dest = mkdtempSync(join(tmpdir(), 'tstack-horizon-src-'));
    try {
      const plan = horizonPlan({ DEST: dest, DATA_DIR: join(dest, 'data') }, { method: 'source' });
      const calls: string[][] = [];
      const ctx: StackContext = {
        plan,
        sh: {
          run: async (argv: string[]): Promise<RunResult> => (calls.push(argv), { code: 0, stdout: '', stderr: '' }),
        },
        log: { info: () => {}, warn: () => {}, debug: () => {} },
        force: false,
        writeFile: async () => true,
        openstack: () => Promise.reject(new Error('unused')),
        note: () => {},
      };
      const step = horizonModule.steps!(plan).configure!.find((s) => s.id === 'horizon:static')!;
      await step.run(ctx);
      const manage = ['/opt/stack/data/venv/bin/python', join(dest, 'horizon', 'manage.py')].map((p) =>
        p.replace('/opt/stack/data', join(dest, 'data')),
      );
      expect(calls).toEqual([
        [...manage, 'collectstatic', '--noinput', '--clear'],
        [...manage, 'compress', '--force'],
        ['chown', '-R', 'www-data', join(dest, 'horizon', 'static')],
      ]);
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });
});

describe('the horizon module', () => {
  it('runs uwsgi as www-data on HORIZON_PORT, ready when the login page answers 200', () => {
    const plan = horizonPlan({ HORIZON_PORT: '8088' });
    expect(plan.processes).toHaveLength(1);
    const p = plan.processes[0];
    expect(p).toMatchObject({
      name: 'horizon',
      project: 'horizon',
      user: 'www-data',
      port: 8088,
      argv: ['/usr/bin/uwsgi', '--ini', '/etc/openstack-dashboard/tstack-uwsgi.ini'],
    });
    expect(p.probe).toEqual({ kind: 'http', url: 'http://192.0.2.2:8088/auth/login/', expectStatus: [200] });
    expect(p.after).toEqual(['key', 'memcached']);
  });

  it('defaults to port 8080 and rejects a port that is not one', () => {
    expect(horizonPort(horizonPlan())).toBe(8080);
    expect(() => horizonPort(horizonPlan({ HORIZON_PORT: '80a' }))).toThrow(/HORIZON_PORT/);
  });

  it("serves Debian's wsgi.py and its collected static files through uwsgi", () => {
    const plan = horizonPlan();
    const ini = horizonUwsgiIni(plan, horizonLayout(plan));
    expect(getOption(ini, 'uwsgi', 'wsgi-file')).toEqual(['/usr/share/openstack-dashboard/wsgi.py']);
    expect(getOption(ini, 'uwsgi', 'chdir')).toEqual(['/usr/share/openstack-dashboard']);
    expect(getOption(ini, 'uwsgi', 'http-socket')).toEqual(['0.0.0.0:8080']);
    expect(getOption(ini, 'uwsgi', 'static-map')).toEqual(['/static=/var/lib/openstack-dashboard/static']);
    expect(getOption(ini, 'uwsgi', 'add-header')).toEqual(['Connection: close']);
    expect(getOption(ini, 'uwsgi', 'virtualenv')).toBeUndefined();
    // the recipe that served the dashboard on this machine had no raw-body/chunked-input handling
    expect(getOption(ini, 'uwsgi', 'http-raw-body')).toBeUndefined();
    expect(getOption(ini, 'uwsgi', 'http-chunked-input')).toBeUndefined();
  });

  it("writes the snippet after Debian's and the uwsgi ini in configure", async () => {
    const plan = horizonPlan();
    const files = new Map<string, { content: string; mode?: number }>();
    const ctx: StackContext = {
      plan,
      sh: { run: async () => ({ code: 0, stdout: '', stderr: '' }) },
      log: { info: () => {}, warn: () => {}, debug: () => {} },
      force: false,
      writeFile: async (path, content, o) => (files.set(path, { content, mode: o?.mode }), true),
      openstack: () => Promise.reject(new Error('unused')),
      note: () => {},
    };
    await horizonModule.steps!(plan).configure![0].run(ctx);
    const snippet = '/etc/openstack-dashboard/local_settings.d/_0100_tstack.py';
    expect([...files.keys()].sort()).toEqual([snippet, '/etc/openstack-dashboard/tstack-uwsgi.ini']);
    // settings.py execs local_settings.d in sorted name order: ours must come after Debian's six
    const debian = [
      '_0001_debian_debug.py',
      '_0002_debian_compress_offline.py',
      '_0003_debian_static_root.py',
      '_0004_debian_osprofiler.py',
      '_0005_debian_webroot.py',
      '_0006_debian_cache.py',
    ];
    expect([SNIPPET_NAME, ...debian].sort().at(-1)).toBe(SNIPPET_NAME);
    expect(files.get(snippet)!.mode).toBe(0o644);
    expect(
      getOption(parseIni(files.get('/etc/openstack-dashboard/tstack-uwsgi.ini')!.content), 'uwsgi', 'static-map'),
    ).toHaveLength(1);
    expect(horizonModule.configFiles!(plan)).toEqual([snippet, '/etc/openstack-dashboard/tstack-uwsgi.ini']);
  });

  it('uses the checkout, a tstack-kept SECRET_KEY and the venv with the source method', () => {
    const plan = horizonPlan({}, { method: 'source' });
    const l = horizonLayout(plan);
    expect(l.snippetDir).toBe('/opt/stack/horizon/openstack_dashboard/local/local_settings.d');
    expect(l.wsgiFile).toBe('/opt/stack/horizon/openstack_dashboard/wsgi.py');
    expect(horizonSnippet(plan, { secretKeyFile: l.secretKeyFile })).toContain(
      'SECRET_KEY = open("/opt/stack/data/horizon/secret_key").read().strip()',
    );
    expect(getOption(horizonUwsgiIni(plan, l), 'uwsgi', 'virtualenv')).toEqual(['/opt/stack/data/venv']);
    expect(plan.processes[0].codeFrom).toBe('checkout');
    expect(plan.repos.map((r) => r.name)).toContain('horizon');
  });

  it('is not started when horizon is not enabled', () => {
    const base = makePlan({}, { services: 'mysql,key' });
    expect(buildPlan(base.config, base.method, [horizonModule]).processes).toEqual([]);
  });
});

describe('files/debs/horizon', () => {
  it('has the dashboard and uwsgi but no apache', () => {
    const text = readFileSync(new URL('../../../files/debs/horizon', import.meta.url), 'utf8');
    const pkgs = text
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean);
    expect(pkgs).toEqual(expect.arrayContaining(['openstack-dashboard', 'uwsgi-core', 'uwsgi-plugin-python3']));
    expect(pkgs.filter((p) => /apache/.test(p))).toEqual([]);
  });
});
