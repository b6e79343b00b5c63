// `./unstack.ts [-a|--all]`: stop every recorded pane in reverse start order
// and say what was stopped. Like devstack's unstack.sh, the database and the
// message queue keep running unless -a: code refreshes do not need them
// restarted, and their state survives.

import { checkFlags, parseArgs } from './args.ts';
import { EXIT } from './exit.ts';
import { openSupervisor } from '../proc/open.ts';
import type { StopResult } from '../proc/supervisor.ts';
import { SERVICE_MODULES } from '../services/registry.ts';
import { SystemShell } from '../system/exec.ts';
import { PlainLogger } from '../util/logger.ts';

/** Panes unstack leaves running without -a (devstack: mysql, postgresql, rabbitmq-server). */
export const KEPT_WITHOUT_ALL = ['mysql', 'postgresql', 'rabbit'];

export const UNSTACK_USAGE = `usage: ./unstack.ts [-a|--all]

Stops every pane of the stack recorded by ./stack.ts, in reverse start order:
SIGTERM to each pane's process group, SIGKILL after its grace period, and
daemons it spawned are stopped too.

  -a, --all   also stop mysql and rabbit (by default they keep running, as in
              devstack: a code refresh does not need them restarted)
  -h, --help  this text
`;

function describe(r: StopResult): string {
  if (r.survivors?.length) return `  ${r.name}: processes survived SIGKILL: ${r.survivors.join(' ')}`;
  if (r.signalled === 0) return `  ${r.name}: was not running`;
  return `  ${r.name}: stopped (${r.signalled} process${r.signalled === 1 ? '' : 'es'}${r.forced ? ', SIGKILL after the grace period' : ''})`;
}

export async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.flags.help) {
    process.stdout.write(UNSTACK_USAGE);
    return EXIT.ok;
  }
  // --clean (remove what the stack made) will be added here, after the panes are stopped.
  checkFlags(args, ['all']);
  const all = Boolean(args.flags.all);
  const sup = openSupervisor();
  const recorded = sup.records().map((r) => r.spec.name);
  if (recorded.length === 0) {
    process.stdout.write(`unstack: no panes recorded in ${sup.store.dir}; nothing to stop\n`);
    return EXIT.ok;
  }
  const keep = all ? [] : KEPT_WITHOUT_ALL.filter((n) => recorded.includes(n));
  process.stdout.write(`unstack: stopping ${recorded.length - keep.length} pane(s) in reverse start order\n`);
  const results = await sup.stopAll({ keep });
  for (const r of results) process.stdout.write(describe(r) + '\n');
  // What the panes left outside their groups (neutron's dnsmasq/haproxy, epmd), for modules stopped whole.
  const stopped = new Set(results.map((r) => r.name).filter((n) => !keep.includes(n)));
  for (const m of SERVICE_MODULES) {
    if (m.stop && m.shortNames.some((n) => stopped.has(n)) && !m.shortNames.some((n) => keep.includes(n))) {
      await m.stop({ sh: new SystemShell(), log: new PlainLogger(process.stdout) });
    }
  }
  if (keep.length) {
    process.stdout.write(`left running: ${keep.join(', ')} (as devstack does; ./unstack.ts -a stops them too)\n`);
  }
  return results.some((r) => r.survivors?.length) ? EXIT.failure : EXIT.ok;
}
