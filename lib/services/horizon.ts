// Horizon served by uwsgi (pane `horizon`), static files through uwsgi's
// static-map: no apache2. The dashboard is pointed at this stack through one
// settings snippet that sorts after Debian's own (`_0100_tstack.py` beats
// `_0006_debian_cache.py`), so Debian's local_settings.py is never edited.
//
// Static files: Debian's postinst ran `collectstatic` and `compress --force`
// with COMPRESS_OFFLINE = True. django-compressor then serves each
// `{% compress %}` block from STATIC_ROOT/dashboard/manifest.json, keyed by a
// hash of the block as rendered with the offline context (WEBROOT,
// STATIC_URL, HORIZON_CONFIG, themes, DEBUG through NG_TEMPLATE_CACHE_AGE).
// The snippet sets none of those, so the package's manifest stays valid and
// compressing again would only cost time; it is rebuilt only when it is
// missing (a source checkout, or a static directory removed by hand).

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Plan, ServiceModule, StackContext } from '../types/stack.ts';
import { pythonPath } from '../source/paths.ts';
import { ConfigError } from '../util/errors.ts';
import { setOption, type IniDoc } from '../util/ini.ts';
import { codeFrom } from '../source/index.ts';
import { settingGroup } from '../config/settings.ts';
import { enabledPanes, memcacheServers, serviceHost, uwsgiIni, uwsgiPane, writeConf } from './common.ts';
import { keystoneAuthUrl, regionName, serviceUrl } from '../config/urls.ts';

export const HORIZON_USER = 'www-data';
export const SNIPPET_NAME = '_0100_tstack.py';

/** Where the dashboard's pieces are, for the package or a checkout. */
export interface HorizonLayout {
  wsgiFile: string;
  chdir: string;
  /** STATIC_ROOT: what static-map serves under /static. */
  staticRoot: string;
  /** local_settings.d: snippets exec'd in name order after local_settings.py. */
  snippetDir: string;
  manageArgv: string[];
  uwsgiIni: string;
  /** The checkout's local_settings.py and its example (source only). */
  localSettings?: { path: string; example: string };
  /** SECRET_KEY file tstack keeps for a checkout (Debian manages its own). */
  secretKeyFile?: string;
}

export function horizonLayout(plan: Plan): HorizonLayout {
  if (plan.method.method === 'source') {
    const dir = join(plan.dirs.dest, 'horizon');
    const local = join(dir, 'openstack_dashboard', 'local');
    return {
      wsgiFile: join(dir, 'openstack_dashboard', 'wsgi.py'),
      chdir: dir,
      // settings.py's default: ROOT_PATH/../static
      staticRoot: join(dir, 'static'),
      snippetDir: join(local, 'local_settings.d'),
      manageArgv: [pythonPath(plan), join(dir, 'manage.py')],
      uwsgiIni: join(plan.dirs.dataDir, 'horizon', 'tstack-uwsgi.ini'),
      localSettings: { path: join(local, 'local_settings.py'), example: join(local, 'local_settings.py.example') },
      secretKeyFile: join(plan.dirs.dataDir, 'horizon', 'secret_key'),
    };
  }
  const settings = plan.get('HORIZON_SETTINGS');
  return {
    wsgiFile: '/usr/share/openstack-dashboard/wsgi.py',
    chdir: '/usr/share/openstack-dashboard',
    staticRoot: '/var/lib/openstack-dashboard/static',
    // the package links openstack_dashboard/local/local_settings.d to this directory
    snippetDir: join(dirname(settings), 'local_settings.d'),
    manageArgv: ['/usr/bin/python3', '/usr/share/openstack-dashboard/manage.py'],
    uwsgiIni: join(dirname(settings), 'tstack-uwsgi.ini'),
  };
}

export function horizonPort(plan: Plan): number {
  const port = plan.int('HORIZON_PORT');
  if (port < 1 || port > 65535) throw new ConfigError(`HORIZON_PORT: '${port}' is not a TCP port`);
  return port;
}

/** Where a browser reaches the dashboard (for the summary). */
export function horizonUrl(plan: Plan): string {
  return serviceUrl(plan, horizonPort(plan), '/');
}

/** A Python literal for a string, list or dict of strings (JSON's string escapes are valid Python). */
export function pyLiteral(v: string | readonly string[] | Readonly<Record<string, unknown>>): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => pyLiteral(x as string)).join(', ')}]`;
  const entries = Object.entries(v as Record<string, unknown>).map(
    ([k, x]) => `${JSON.stringify(k)}: ${pyLiteral(x as string | Record<string, unknown>)}`,
  );
  return `{${entries.join(', ')}}`;
}

/** The settings the snippet assigns, in order (names as Django sees them). */
export function horizonSettings(plan: Plan, o: { secretKeyFile?: string } = {}): [string, string][] {
  const host = serviceHost(plan);
  const rows: [string, string][] = [
    ['OPENSTACK_HOST', pyLiteral(host)],
    ['OPENSTACK_KEYSTONE_URL', pyLiteral(keystoneAuthUrl(plan))],
    ['OPENSTACK_KEYSTONE_DEFAULT_ROLE', pyLiteral('member')],
    // a dev stack is reached as localhost, by address, through an ssh tunnel...
    ['ALLOWED_HOSTS', pyLiteral(['*'])],
    // the catalog's endpoints are in REGION_NAME; '*' applies to any keystone URL
    ['DEFAULT_SERVICE_REGIONS', pyLiteral({ '*': regionName(plan) })],
  ];
  if (plan.isEnabled('memcached')) {
    // python3-memcache is a dependency of python3-django-horizon; Django 3.2 still has this backend
    rows.push([
      'CACHES',
      pyLiteral({
        default: { BACKEND: 'django.core.cache.backends.memcached.MemcachedCache', LOCATION: memcacheServers(plan) },
      }),
    ]);
    rows.push(['SESSION_ENGINE', pyLiteral('django.contrib.sessions.backends.cache')]);
  } else {
    // Debian's LocMemCache is per process: with more than one uwsgi worker a
    // session would vanish between requests, so keep it in the cookie instead
    rows.push(['SESSION_ENGINE', pyLiteral('django.contrib.sessions.backends.signed_cookies')]);
  }
  if (o.secretKeyFile) rows.push(['SECRET_KEY', `open(${pyLiteral(o.secretKeyFile)}).read().strip()`]);
  return rows;
}

/**
 * Settings that enter django-compressor's offline context (see the header):
 * setting any of them makes the package's compressed manifest stale.
 */
export const OFFLINE_CONTEXT_SETTINGS = [
  'WEBROOT',
  'STATIC_URL',
  'STATIC_ROOT',
  'DEBUG',
  'HORIZON_CONFIG',
  'AVAILABLE_THEMES',
  'DEFAULT_THEME',
  'SELECTABLE_THEMES',
  'THEME_COLLECTION_DIR',
  'COMPRESS_OFFLINE',
] as const;

export function touchesOfflineContext(settings: readonly [string, string][]): string[] {
  return settings.map(([k]) => k).filter((k) => (OFFLINE_CONTEXT_SETTINGS as readonly string[]).includes(k));
}

export function horizonSnippet(plan: Plan, o: { secretKeyFile?: string } = {}): string {
  const lines = [
    "# Written by tstack: this stack's keystone, memcached and region.",
    "# Sorted after Debian's _000N_debian_*.py snippets, so these values win.",
    ...horizonSettings(plan, o).map(([k, v]) => `${k} = ${v}`),
    '',
  ];
  return lines.join('\n');
}

/** Options of the API ini meant for large API bodies (image uploads); the dashboard ran without them. */
const NOT_FOR_HORIZON = new Set(['http-chunked-input', 'http-raw-body']);

/** uwsgi for the dashboard: the API shape plus static files, served by uwsgi itself. */
export function horizonUwsgiIni(plan: Plan, layout: HorizonLayout): IniDoc {
  const api = uwsgiIni(plan, {
    wsgiFile: layout.wsgiFile,
    port: horizonPort(plan),
    chdir: layout.chdir,
    name: 'horizon',
  });
  const doc = api.map((s) => ({ name: s.name, options: s.options.filter((o) => !NOT_FOR_HORIZON.has(o.key)) }));
  return setOption(doc, 'uwsgi', 'static-map', [`/static=${layout.staticRoot}`]);
}

/** django-compressor's offline manifest (COMPRESS_OUTPUT_DIR = 'dashboard'). */
export function offlineManifest(layout: HorizonLayout): string {
  return join(layout.staticRoot, 'dashboard', 'manifest.json');
}

/**
 * Why the static files must be collected and compressed again, or undefined
 * when the existing ones serve the settings as written.
 */
export function staticRebuildReason(o: { manifestExists: boolean; offlineKeysSet: string[] }): string | undefined {
  if (!o.manifestExists) return 'no compressed manifest yet';
  if (o.offlineKeysSet.length > 0)
    return `the settings change ${o.offlineKeysSet.join(', ')}, which the compressed manifest depends on`;
  return undefined;
}

/** Debian's rebuild_static, as root, then handed to the dashboard's user. */
async function rebuildStatic(ctx: StackContext, layout: HorizonLayout, reason: string): Promise<void> {
  ctx.log.info(`horizon static files: rebuilding (${reason})`);
  await ctx.sh.run([...layout.manageArgv, 'collectstatic', '--noinput', '--clear'], {
    cwd: layout.chdir,
    timeoutSec: 600,
  });
  await ctx.sh.run([...layout.manageArgv, 'compress', '--force'], { cwd: layout.chdir, timeoutSec: 900 });
  await ctx.sh.run(['chown', '-R', HORIZON_USER, layout.staticRoot]);
}

export const horizonModule: ServiceModule = {
  name: 'horizon',
  // needed by no other service, and only once they are up: its packages (Django, some 40 XStatic, the
  // postinst's collectstatic and compress) install while the others start
  installWave: 'late',
  project: 'horizon',
  shortNames: ['horizon'],
  settings: [
    ...settingGroup('services', [
      {
        name: 'HORIZON_PORT',
        type: 'int',
        default: '8080',
        description: 'Port of the dashboard (uwsgi serves it and its static files; no apache).',
      },
    ]),
    ...settingGroup('config files', [
      {
        name: 'HORIZON_SETTINGS',
        type: 'path',
        default: '/etc/openstack-dashboard/local_settings.py',
        description: 'Horizon settings (Debian path).',
      },
    ]),
  ],
  repos: [{ name: 'horizon', distroPackage: 'python3-django-horizon' }],
  debconf: ['openstack-dashboard horizon/allowed-hosts string *'],
  configFiles: (plan) => {
    const l = horizonLayout(plan);
    return [join(l.snippetDir, SNIPPET_NAME), l.uwsgiIni];
  },
  steps: (plan) => ({
    configure: [
      {
        id: 'horizon:configure',
        title: `horizon settings (${SNIPPET_NAME}) and uwsgi on port ${horizonPort(plan)}`,
        async run(ctx) {
          const l = horizonLayout(ctx.plan);
          if (l.secretKeyFile && !existsSync(l.secretKeyFile)) {
            await ctx.writeFile(l.secretKeyFile, randomBytes(32).toString('hex') + '\n', {
              mode: 0o640,
              owner: 'root',
              group: HORIZON_USER,
            });
          }
          if (l.localSettings && !existsSync(l.localSettings.path)) {
            // a checkout has no local_settings.py; devstack starts from the example too
            await ctx.sh.run(['cp', l.localSettings.example, l.localSettings.path]);
          }
          // no secrets inside (Debian keeps SECRET_KEY in /var/lib/openstack-dashboard/secret-key)
          await ctx.writeFile(
            join(l.snippetDir, SNIPPET_NAME),
            horizonSnippet(ctx.plan, { secretKeyFile: l.secretKeyFile }),
            { mode: 0o644, owner: 'root', group: 'root' },
          );
          await writeConf(ctx, l.uwsgiIni, horizonUwsgiIni(ctx.plan, l), 'root', 0o644);
        },
      },
      {
        id: 'horizon:static',
        title: 'horizon static files (collected and compressed only when stale)',
        after: ['horizon:configure'],
        async run(ctx) {
          const l = horizonLayout(ctx.plan);
          const reason = staticRebuildReason({
            manifestExists: existsSync(offlineManifest(l)),
            offlineKeysSet: touchesOfflineContext(horizonSettings(ctx.plan, { secretKeyFile: l.secretKeyFile })),
          });
          if (reason) await rebuildStatic(ctx, l, reason);
          else ctx.log.info(`horizon static files: ${offlineManifest(l)} is current`);
        },
      },
    ],
  }),
  processes: (plan) => {
    const l = horizonLayout(plan);
    const pane = uwsgiPane({
      name: 'horizon',
      user: HORIZON_USER,
      project: 'horizon',
      ini: l.uwsgiIni,
      port: horizonPort(plan),
      host: serviceHost(plan),
      after: ['key', 'memcached'].filter((p) => plan.isEnabled(p)),
    });
    // the login page renders only when settings, templates and static manifest all work
    pane.probe = {
      kind: 'http',
      url: serviceUrl(plan, horizonPort(plan), '/auth/login/'),
      expectStatus: [200],
    };
    pane.codeFrom = codeFrom(plan);
    return enabledPanes(plan, [pane]);
  },
};
