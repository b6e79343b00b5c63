// Rootwrap and privsep for a project run from a checkout. With the distro
// method Debian's pieces are used as installed: /usr/bin/<p>-rootwrap, its
// /etc/<p>/rootwrap.conf and the sudoers entry of <p>-common. From a checkout
// all three would still run the package's code as root (privsep-helper from
// /usr/bin imports the package, not the checkout), so tstack writes its own
// set, the way devstack's configure_rootwrap does, under names of its own so
// the package's files stay untouched:
//
//   /etc/<p>/tstack-rootwrap.d/   the checkout's filters, copied root-owned (a
//                                 filter the developer can edit would be root
//                                 for anyone who can write the checkout)
//   /etc/<p>/tstack-rootwrap.conf filters_path there; exec_dirs the venv first,
//                                 so privsep-helper and helper scripts come from it
//   /etc/sudoers.d/tstack-<p>     the service user may run the venv's
//                                 <p>-rootwrap with that conf; its secure_path
//                                 starts with the venv, because nova names its
//                                 helper as plain `sudo nova-rootwrap`
//   <venv>/bin/privsep-helper     oslo.privsep's entry point for the venv's python
//                                 (oslo.privsep itself comes from the system)

import { dirname, join } from 'node:path';
import type { Plan, StackContext } from '../types/stack.ts';
import { venvDir } from './paths.ts';

/** The projects whose services escalate through rootwrap, with where upstream keeps their filters. */
export const ROOTWRAP_FILTERS: Readonly<Record<string, string>> = {
  nova: 'etc/nova/rootwrap.d',
  neutron: 'etc/neutron/rootwrap.d',
  cinder: 'etc/cinder/rootwrap.d',
  glance: 'etc/rootwrap.d',
};

/** Debian's rootwrap.conf exec_dirs. */
const EXEC_DIRS = ['/sbin', '/usr/sbin', '/bin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

/** Debian's sudoers secure_path, which the service user's own Defaults line replaces. */
const SECURE_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export interface Rootwrap {
  project: string;
  /** The user the project's services run as (who calls sudo). */
  user: string;
  /** `<p>-rootwrap` the services call. */
  bin: string;
  /** The rootwrap.conf it is given. */
  conf: string;
  /** The daemon variant (neutron's root_helper_daemon). */
  daemonBin: string;
  /** Set for a checkout: what tstack writes. */
  source?: {
    checkoutFilters: string;
    filtersDir: string;
    sudoersFile: string;
    venvBin: string;
  };
}

export function rootwrap(plan: Plan, project: string, user = project): Rootwrap {
  if (plan.method.method !== 'source') {
    return {
      project,
      user,
      bin: `/usr/bin/${project}-rootwrap`,
      daemonBin: `/usr/bin/${project}-rootwrap-daemon`,
      conf: `/etc/${project}/rootwrap.conf`,
    };
  }
  const filters = ROOTWRAP_FILTERS[project];
  if (!filters) throw new Error(`no rootwrap filters path known for ${project}`);
  const venvBin = join(venvDir(plan), 'bin');
  return {
    project,
    user,
    bin: join(venvBin, `${project}-rootwrap`),
    daemonBin: join(venvBin, `${project}-rootwrap-daemon`),
    conf: `/etc/${project}/tstack-rootwrap.conf`,
    source: {
      checkoutFilters: join(plan.dirs.dest, project, filters),
      filtersDir: `/etc/${project}/tstack-rootwrap.d`,
      sudoersFile: `/etc/sudoers.d/tstack-${project}`,
      venvBin,
    },
  };
}

/** `sudo <p>-rootwrap <conf>`: the root_helper neutron's agents and cinder take. */
export function rootHelper(r: Rootwrap): string {
  return `sudo ${r.bin} ${r.conf}`;
}

export function rootHelperDaemon(r: Rootwrap): string {
  return `sudo ${r.daemonBin} ${r.conf}`;
}

/** The rootwrap.conf for a checkout (oslo.rootwrap's options; syslog off: errors go to the pane's log). */
export function rootwrapConfText(r: Rootwrap): string {
  if (!r.source) throw new Error(`${r.project}: the distro method uses Debian's ${r.conf}`);
  return [
    '# Written by tstack for the source method: filters copied from the checkout, the venv first in exec_dirs.',
    '[DEFAULT]',
    `filters_path=${r.source.filtersDir}`,
    `exec_dirs=${[r.source.venvBin, ...EXEC_DIRS].join(',')}`,
    'use_syslog=False',
    'syslog_log_facility=syslog',
    'syslog_log_level=ERROR',
    'daemon_timeout=600',
    'rlimit_nofile=1024',
    '',
  ].join('\n');
}

/** The sudoers file: only this rootwrap with this conf, and the venv first on sudo's path. */
export function sudoersText(r: Rootwrap): string {
  if (!r.source) throw new Error(`${r.project}: the distro method uses Debian's sudoers entry`);
  const path = [r.source.venvBin, ...SECURE_PATH].join(':');
  return [
    `# Written by tstack: ${r.project}'s services (user ${r.user}) escalate through the venv's rootwrap.`,
    `Defaults:${r.user} !requiretty`,
    `Defaults:${r.user} secure_path="${path}"`,
    `${r.user} ALL = (root) NOPASSWD: ${r.bin} ${r.conf} *`,
    `${r.user} ALL = (root) NOPASSWD: ${r.daemonBin} ${r.conf}`,
    '',
  ].join('\n');
}

/** oslo.privsep's console script for the venv's python, so the privileged side imports the checkout. */
export function privsepHelperScript(venv: string): string {
  return [
    `#!${join(venv, 'bin', 'python')}`,
    '# Written by tstack: oslo.privsep comes from the system; this runs it with the checkouts on the path.',
    'import sys',
    'from oslo_privsep.daemon import helper_main',
    'sys.exit(helper_main())',
    '',
  ].join('\n');
}

/** Put a checkout's rootwrap in place (see the top of this file); the sudoers file is checked by visudo first. */
export async function installRootwrap(ctx: StackContext, r: Rootwrap): Promise<void> {
  const s = r.source;
  if (!s) return;
  const list = await ctx.sh.run(['find', s.checkoutFilters, '-maxdepth', '1', '-name', '*.filters', '-type', 'f']);
  const filters = list.stdout.split('\n').filter(Boolean).sort();
  if (filters.length === 0) throw new Error(`${r.project}: no *.filters in ${s.checkoutFilters} (the checkout's)`);
  // a filter removed from the checkout must not stay allowed
  await ctx.sh.run(['rm', '-rf', s.filtersDir]);
  await ctx.sh.run(['install', '-d', '-o', 'root', '-g', 'root', '-m', '0755', s.filtersDir]);
  await ctx.sh.run(['install', '-o', 'root', '-g', 'root', '-m', '0644', ...filters, s.filtersDir]);
  await ctx.writeFile(r.conf, rootwrapConfText(r), { mode: 0o644, owner: 'root', group: 'root' });
  await ctx.writeFile(join(s.venvBin, 'privsep-helper'), privsepHelperScript(dirname(s.venvBin)), {
    mode: 0o755,
    owner: 'root',
    group: 'root',
  });
  const text = sudoersText(r);
  await ctx.sh.run(['visudo', '-c', '-q', '-f', '-'], { input: text });
  await ctx.writeFile(s.sudoersFile, text, { mode: 0o440, owner: 'root', group: 'root' });
  ctx.log.info(`${r.project}: rootwrap from ${r.bin} with ${filters.length} filter file(s) of the checkout`);
}

/** What installRootwrap leaves for `unstack --clean` to remove (nothing with the distro method). */
export function rootwrapLeftovers(plan: Plan, projects: readonly string[]): { files: string[]; dirs: string[] } {
  const rs = projects.filter((p) => ROOTWRAP_FILTERS[p]).map((p) => rootwrap(plan, p));
  return {
    files: rs.flatMap((r) => (r.source ? [r.conf, r.source.sudoersFile] : [])),
    dirs: rs.flatMap((r) => (r.source ? [r.source.filtersDir] : [])),
  };
}
