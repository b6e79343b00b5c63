// Pieces every OpenStack service module shares: where the services listen,
// connection URLs, the keystone_authtoken-style auth sections, the uwsgi
// ini for APIs, the db-sync/daemon pane shapes, and the post-config merge.

import type { IniSection } from '../types/config.ts';
import type { Plan, StackContext, Step } from '../types/stack.ts';
import { binPath, venvDir } from '../source/paths.ts';
import type { Probe, ProcessSpec } from '../types/process.ts';
import { addSecret } from '../util/secrets.ts';
import * as urls from '../config/urls.ts';
import { iniDoc, mergeIni, osloString, renderIni, type IniDoc, type IniSpec } from '../util/ini.ts';
import { clientOptionFile, dropDatabase, ensureDatabase } from '../system/mysql.ts';
import { stepStamp, type StampInputs } from '../source/stamp.ts';

/**
 * The address the catalog and every client name: SERVICE_HOST (HOST_IP by
 * default, as in devstack). Not where the APIs bind: see listenAddress.
 */
export function serviceHost(plan: Plan): string {
  return plan.get('SERVICE_HOST');
}

/**
 * Where the APIs and Horizon bind: SERVICE_LISTEN_ADDRESS (devstack's
 * 0.0.0.0), so they answer on SERVICE_HOST and on loopback alike.
 */
export function listenAddress(plan: Plan): string {
  return plan.get('SERVICE_LISTEN_ADDRESS');
}

/** This node's own address (nova's and cinder's my_ip, the tunnel endpoint): on a subnode not SERVICE_HOST. */
export function hostIp(plan: Plan): string {
  return plan.get('HOST_IP');
}

/**
 * Loopback, for what only this machine talks to and nobody should reach from
 * outside: memcached and OVSDB's TCP manager (devstack's OVSDB_SERVER_LOCAL_HOST).
 */
export function localHost(plan: Plan): string {
  return plan.get('SERVICE_LOCAL_HOST');
}

export function databaseHost(plan: Plan): string {
  return plan.get('DATABASE_HOST');
}

export function rabbitHost(plan: Plan): string {
  return plan.get('RABBIT_HOST');
}

/** API workers: devstack's API_WORKERS; on 2 cores the table's default is 1. */
export function apiWorkers(plan: Plan): number {
  return Math.max(1, plan.int('API_WORKERS'));
}

export function debug(plan: Plan): boolean {
  return plan.bool('ENABLE_DEBUG_LOG_LEVEL');
}

export function secret(plan: Plan, name: string): string {
  const v = plan.get(name);
  addSecret(v);
  return v;
}

/**
 * The service's PyMySQL option file with its DB user and DATABASE_PASSWORD,
 * beside its config (`/etc/<user>/`), 0640 root:<user> like the configs.
 */
export function databaseClientFile(user: string): string {
  return `/etc/${user}/tstack-db.cnf`;
}

/** `mysql+pymysql://<service user>@DATABASE_HOST/db?charset=utf8&read_default_file=...`: no password inside. */
export function databaseUrl(plan: Plan, db: string, user: string): string {
  return osloEscape(urls.databaseUrl(plan, db, user, databaseClientFile(user)));
}

/** A configure step writing the option file databaseUrl points at. */
export function databaseClientStep(module: string, user: string): Step {
  return {
    id: `${module}:db-client`,
    title: `database password file ${databaseClientFile(user)}`,
    async run(ctx) {
      const content = clientOptionFile(user, secret(ctx.plan, 'DATABASE_PASSWORD'));
      await ctx.writeFile(databaseClientFile(user), content, { mode: 0o640, owner: 'root', group: user });
    },
  };
}

/** `rabbit://RABBIT_USERID:<encoded>@RABBIT_HOST:5672/` */
export function transportUrl(plan: Plan): string {
  secret(plan, 'RABBIT_PASSWORD');
  return osloEscape(urls.transportUrl(plan));
}

/**
 * oslo.config expands `$name` in values; a literal dollar is written `$$`.
 * For values that hold no secret of their own (URLs); secrets use osloString.
 */
export function osloEscape(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

/** The openstack-pkg-tools questions tstack answers "no" to: it writes the configs, databases and endpoints itself. */
export type PkgToolsQuestion =
  | 'configure_db'
  | 'configure_rabbit'
  | 'configure_ksat'
  | 'configure_neutron'
  | 'configure_nova'
  | 'configure_placement';

/**
 * debconf lines declining openstack-pkg-tools' setup for `<project>-common`
 * (and the API package's endpoint registration): left on, the postinst
 * scripts would prompt, or write their own database URL and catalog entries.
 */
export function declinePkgTools(
  project: string,
  questions: readonly PkgToolsQuestion[],
  apiPackage?: string,
): string[] {
  const lines = questions.map((q) => `${project}-common ${project}/${q} boolean false`);
  if (apiPackage) lines.push(`${apiPackage} ${project}/configure_api-endpoint boolean false`);
  return lines;
}

/** Ready when a connect to the unix socket `path` succeeds: a stale socket file left by an earlier run refuses. */
export function unixSocketProbe(path: string): Probe {
  return {
    kind: 'command',
    argv: ['/usr/bin/python3', '-c', 'import socket,sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])', path],
  };
}

export function memcacheServers(plan: Plan): string {
  return plan.get('MEMCACHE_SERVERS');
}

/** Password auth as a service user on project `service` (the [keystone_authtoken], [nova], [placement]... shape). */
export function serviceAuth(plan: Plan, username: string): Record<string, string> {
  return {
    auth_url: urls.keystoneUrl(plan),
    auth_type: 'password',
    project_domain_name: 'Default',
    user_domain_name: 'Default',
    project_name: plan.get('SERVICE_PROJECT_NAME'),
    username,
    password: osloString(secret(plan, 'SERVICE_PASSWORD')),
    region_name: urls.regionName(plan),
  };
}

export function keystoneAuthtoken(plan: Plan, username: string): Record<string, string> {
  return {
    www_authenticate_uri: urls.keystoneUrl(plan),
    ...serviceAuth(plan, username),
    memcached_servers: memcacheServers(plan),
  };
}

/**
 * uwsgi for an API. `add-header = Connection: close` is not optional: uwsgi's
 * http-socket closes after each response while python-requests pools the
 * connection, and clients then see ConnectionResetError.
 */
export function uwsgiIni(
  plan: Plan,
  o: { wsgiFile: string; port: number; chdir: string; name: string; threads?: number },
): IniDoc {
  const spec: IniSpec = {
    uwsgi: {
      plugins: 'python3',
      'http-socket': `${urls.urlHost(listenAddress(plan))}:${o.port}`,
      'wsgi-file': o.wsgiFile,
      virtualenv: plan.method.method === 'source' ? venvDir(plan) : undefined,
      chdir: o.chdir,
      master: true,
      processes: apiWorkers(plan),
      threads: o.threads ?? 4,
      'enable-threads': true,
      'lazy-apps': true,
      'die-on-term': true,
      'exit-on-reload': false,
      'thunder-lock': true,
      'buffer-size': 65535,
      'add-header': 'Connection: close',
      'procname-prefix': `${o.name}-`,
      // uwsgi otherwise swallows chunked uploads (glance images, large bodies)
      'http-chunked-input': true,
      'http-raw-body': true,
    },
  };
  return iniDoc(spec);
}

/** The uwsgi binary (uwsgi-core; the python3 plugin is loaded by `plugins = python3`). */
export const UWSGI = '/usr/bin/uwsgi';

/** An API pane served by uwsgi, started directly as the service user (no uid/gid switch in the ini). */
export function uwsgiPane(o: {
  name: string;
  user: string;
  project: string;
  ini: string;
  port: number;
  host: string;
  probePath?: string;
  after?: string[];
  timeoutSec?: number;
}): ProcessSpec {
  return {
    name: o.name,
    project: o.project,
    argv: [UWSGI, '--ini', o.ini],
    user: o.user,
    probe: { kind: 'http', url: `http://${urls.urlHost(o.host)}:${o.port}${o.probePath ?? '/'}` },
    port: o.port,
    after: o.after,
    readyTimeoutSec: o.timeoutSec,
    codeFrom: 'package',
  };
}

/**
 * Write a generated config file with local.conf's [[post-config|path]] blocks
 * already merged (local.conf wins), so the file is written once per run and a
 * re-run that changes nothing rewrites nothing. Owner root:<service group>,
 * 0640, because these files hold passwords.
 */
export function writeConf(ctx: StackContext, path: string, doc: IniDoc, group: string, mode = 0o640): Promise<boolean> {
  const merged = mergeIni(doc, metaSectionsFor(ctx.plan, path));
  return ctx.writeFile(
    path,
    renderIni(merged, 'Written by tstack; local.conf [[post-config|...]] blocks are merged in.'),
    {
      mode,
      owner: 'root',
      group,
    },
  );
}

/** The local.conf sections of a phase that target `file`. */
export function metaSectionsFor(
  plan: Plan,
  file: string,
  phase: 'post-config' | 'extra' | 'post-extra' | 'test-config' = 'post-config',
): IniSection[] {
  return plan.config.metaSections.filter((m) => m.phase === phase && m.file === file).flatMap((m) => m.sections);
}

/** Run an OpenStack *-manage command as the service user (its log files must belong to it). */
export function manage(plan: Plan, script: string, args: string[]): string[] {
  return [binPath(plan, script), ...args];
}

/** `mkdir -p` + chown for the state/lock directories a service writes to. */
export async function ensureDirs(ctx: StackContext, user: string, dirs: string[]): Promise<void> {
  await ctx.sh.run(['install', '-d', '-o', user, '-g', user, '-m', '0750', ...dirs]);
}

/**
 * `after` entries for a start-phase step that needs a pane, only for panes
 * that are enabled (a step may not wait for a step that does not exist).
 */
export function afterPanes(plan: Plan, ...panes: string[]): string[] {
  return panes.filter((p) => plan.isEnabled(p)).map((p) => `start:${p}`);
}

/** Only the panes whose service is enabled. */
export function enabledPanes(plan: Plan, specs: ProcessSpec[]): ProcessSpec[] {
  return specs.filter((s) => plan.isEnabled(s.name));
}

/**
 * A start-phase step creating a module's databases and DB user once MariaDB
 * is up. Existing data is kept unless RECREATE_DATABASES=True: --force redoes
 * steps, it never throws data away unasked.
 */
export function databaseStep(plan: Plan, module: string, user: string, dbs: string[]): Step {
  return {
    id: `${module}:db`,
    title: `database${dbs.length > 1 ? 's' : ''} ${dbs.join(', ')} and user ${user}`,
    after: afterPanes(plan, 'mysql'),
    async run(ctx) {
      const recreate = ctx.plan.bool('RECREATE_DATABASES');
      const password = secret(ctx.plan, 'DATABASE_PASSWORD');
      for (const name of dbs) {
        const r = await ensureDatabase(ctx.sh, { name, user, password }, recreate);
        ctx.log.info(`database ${name}: ${r}`);
      }
    },
  };
}

/** A step running `*-manage` as the service user, timed in the log. */
export function manageStep(o: {
  id: string;
  title: string;
  after: string[];
  user: string;
  argv: (plan: Plan) => string[][];
  /** Extra environment (a secret that must not be an argument). */
  env?: (plan: Plan) => Record<string, string>;
  /** Skipped while these are unchanged (Step.stamp): a db sync with nothing to do costs seconds of python. */
  stamp?: (plan: Plan) => StampInputs;
  /** Step.expectSec: a db sync of many migrations holds up what waits for it. */
  expectSec?: number;
}): Step {
  return {
    id: o.id,
    title: o.title,
    after: o.after,
    expectSec: o.expectSec,
    stamp: o.stamp ? stepStamp(o.stamp) : undefined,
    async run(ctx) {
      for (const argv of o.argv(ctx.plan)) {
        const t0 = Date.now();
        await ctx.sh.run(argv, { user: o.user, cwd: '/', env: o.env?.(ctx.plan) });
        ctx.log.info(
          `${argv
            .slice(0, 3)
            .map((a) => a.replace(/^.*\//, ''))
            .join(' ')}: ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        );
      }
    },
  };
}

/**
 * `unstack --clean` for a module's databases: drops them and the DB user.
 * Needs MariaDB running, so the hooks run before mysql's pane is stopped.
 */
export async function dropDatabases(ctx: StackContext, user: string, dbs: string[]): Promise<void> {
  for (const [i, db] of dbs.entries()) {
    await dropDatabase(ctx.sh, db, i === dbs.length - 1 ? user : undefined);
    ctx.log.info(`database ${db} dropped${i === dbs.length - 1 ? `, user ${user} removed` : ''}`);
  }
}

/** Remove data directories a module made (never a config dir: those are listed in configFiles). */
export async function removeDirs(ctx: StackContext, dirs: string[]): Promise<void> {
  await ctx.sh.run(['rm', '-rf', '--one-file-system', ...dirs]);
}
