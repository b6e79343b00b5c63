// `./unstack.ts [-a|--all] [--clean]`: stop every recorded pane in reverse
// start order and say what was stopped. Like devstack's unstack.sh, the
// database and the message queue keep running unless -a: code refreshes do not
// need them restarted, and their state survives. --clean then removes what the
// stack made (lib/phases/clean.ts).

import { checkFlags, parseArgs } from './args.ts';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EXIT } from './exit.ts';
import { unstackHelp } from './help.ts';
import { loadConfig } from '../config/resolve.ts';
import { trueOrFalse } from '../config/settings.ts';
import { buildPlan } from '../plan/plan.ts';
import type { MethodChoice } from '../types/plan.ts';
import type { Plan, ServiceModule } from '../types/stack.ts';
import { CLEAN_NEEDS, cleanStack } from '../phases/clean.ts';
import { TOP_DIR } from '../util/paths.ts';
import { openSupervisor } from './open-supervisor.ts';
import type { StopResult } from '../proc/supervisor.ts';
import { SERVICE_MODULES } from '../services/registry.ts';
import { stackCatalog } from './catalog.ts';
import { SystemShell } from '../system/exec.ts';
import { restoreKsm } from '../system/ksm.ts';
import { PlainLogger } from '../util/logger.ts';
import { SystemHostFacts } from '../system/host-facts.ts';

/** Panes unstack leaves running without -a (devstack: mysql, postgresql, rabbitmq-server). */
export const KEPT_WITHOUT_ALL = ['mysql', 'postgresql', 'rabbit'];

function describe(r: StopResult): string {
  if (r.survivors?.length) return `  ${r.name}: processes survived SIGKILL: ${r.survivors.join(' ')}`;
  if (r.signalled === 0) return `  ${r.name}: was not running`;
  return (
    `  ${r.name}: stopped (${r.signalled} ` +
    `process${r.signalled === 1 ? '' : 'es'}${r.forced ? ', SIGKILL after the grace period' : ''})`
  );
}

/** The plan of the recorded stack, for --clean: local.conf as resolved now, the method of the last run. */
function planForClean(
  configPath: string | undefined,
  stateDir: string,
  modules: readonly ServiceModule[],
  topDir: string,
): Plan {
  const config = loadConfig({
    configPath,
    topDir,
    env: process.env,
    catalog: stackCatalog(modules),
    host: new SystemHostFacts(),
  });
  const lastRun = join(stateDir, 'last-run.json');
  const method: MethodChoice = existsSync(lastRun)
    ? (JSON.parse(readFileSync(lastRun, 'utf8')) as { method: MethodChoice }).method
    : { method: 'distro', reason: 'no record of the last run' };
  return buildPlan(config, method, modules, { topDir });
}

/**
 * `modules`: the service modules whose hooks run; the registry unless a test
 * passes its own. `topDir`: where stack.ts lives (openrc and .stackenv beside it).
 */
export async function main(
  argv: string[],
  modules: readonly ServiceModule[] = SERVICE_MODULES,
  topDir = TOP_DIR,
): Promise<number> {
  const args = parseArgs(argv);
  if (args.flags.help) {
    process.stdout.write(unstackHelp());
    return EXIT.ok;
  }
  checkFlags(args, ['all', 'clean', 'config']);
  const configPath = typeof args.flags.config === 'string' ? args.flags.config : undefined;
  const clean = Boolean(args.flags.clean);
  const all = Boolean(args.flags.all) || trueOrFalse(process.env.UNSTACK_ALL ?? 'False');
  const sup = openSupervisor();
  const recorded = sup.records().map((r) => r.spec.name);
  // --clean stops mysql and rabbit last: the clean hooks drop databases and the rabbit user.
  const keep = clean
    ? CLEAN_NEEDS.filter((n) => recorded.includes(n))
    : all
      ? []
      : KEPT_WITHOUT_ALL.filter((n) => recorded.includes(n));
  let failed = false;
  if (recorded.length === 0) {
    process.stdout.write(`unstack: no panes recorded in ${sup.store.dir}; nothing to stop\n`);
  } else {
    process.stdout.write(`unstack: stopping ${recorded.length - keep.length} pane(s) in reverse start order\n`);
    const results = await sup.stopAll({ keep });
    for (const r of results) process.stdout.write(describe(r) + '\n');
    failed = results.some((r) => r.survivors?.length);
    // What the panes left outside their groups (neutron's dnsmasq/haproxy, epmd), for modules stopped whole.
    const stopped = new Set(results.map((r) => r.name).filter((n) => !keep.includes(n)));
    for (const m of modules) {
      const panes = [...m.shortNames, ...(m.paneNames ?? [])];
      if (m.stop && panes.some((n) => stopped.has(n)) && !panes.some((n) => keep.includes(n))) {
        await m.stop({ sh: new SystemShell(), log: new PlainLogger(process.stdout) });
      }
    }
  }
  // ksmd as the first ./stack.ts found it (lib/system/ksm.ts); its note lives in the state dir that --clean removes
  restoreKsm(dirname(sup.store.dir), new PlainLogger(process.stdout));
  if (clean) {
    const log = new PlainLogger(process.stdout);
    const plan = planForClean(configPath, sup.store.dir, modules, topDir);
    process.stdout.write(
      'unstack --clean: removing databases, configs, data, state and logs (packages and checkouts stay)\n',
    );
    const r = await cleanStack({ plan, sup, sh: new SystemShell(), log });
    for (const f of r.removed) process.stdout.write(`  removed ${f}\n`);
    if (r.warnings.length) {
      process.stdout.write(`unstack --clean finished with ${r.warnings.length} warning(s); see above\n`);
      failed = true;
    }
  } else if (keep.length) {
    process.stdout.write(`left running: ${keep.join(', ')} (as devstack does; ./unstack.ts -a stops them too)\n`);
  }
  return failed ? EXIT.failure : EXIT.ok;
}
