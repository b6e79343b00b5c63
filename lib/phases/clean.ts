// `./unstack.ts --clean`: after the panes are stopped, remove what the stack
// made so the next ./stack.ts starts from scratch. Installed packages and
// source checkouts stay (devstack's clean.sh keeps them too), and so does
// .localrc.password: the user's answers are never asked twice.
//
// Order matters: the modules' clean hooks drop databases and the rabbit user,
// so MariaDB and RabbitMQ must be running while they run; they are started
// again from their recorded commands if an earlier `unstack -a` stopped them.

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../types/stack.ts';
import type { Supervisor } from '../proc/supervisor.ts';
import type { Shell } from '../types/shell.ts';
import type { Logger } from '../types/logger.ts';
import { createContext } from './context.ts';
import { CLOUDS_YAML_MARKER } from '../seed/clouds-yaml.ts';
import { rootwrapLeftovers } from '../source/rootwrap.ts';
import { SUDO_ENV_FILE } from '../system/sudo-env.ts';
import { BYTECOMPILE_EXCLUDE_FILE } from '../system/apt.ts';

/** Panes the clean hooks need (databases, rabbit user). */
export const CLEAN_NEEDS = ['mysql', 'rabbit'];

export interface CleanResult {
  removed: string[];
  warnings: string[];
}

/** Files outside the state dirs that tstack writes and nothing else owns. */
export function generatedFiles(plan: Plan): string[] {
  return [
    ...plan.services.flatMap((m) => m.configFiles?.(plan) ?? []),
    join(plan.dirs.topDir, 'openrc'),
    join(plan.dirs.topDir, '.stackenv'),
    SUDO_ENV_FILE,
    BYTECOMPILE_EXCLUDE_FILE,
    // the source method's rootwrap conf and sudoers entries (they name the venv removed below)
    ...rootwrapLeftovers(
      plan,
      plan.repos.map((r) => r.name),
    ).files,
  ];
}

/** clouds.yaml is removed only when tstack wrote it (a backup of a foreign one is restored). */
function cleanCloudsYaml(file: string, removed: string[]): void {
  if (!existsSync(file)) return;
  if (!readFileSync(file, 'utf8').includes(CLOUDS_YAML_MARKER)) return;
  rmSync(file);
  removed.push(file);
}

export async function cleanStack(opts: { plan: Plan; sup: Supervisor; sh: Shell; log: Logger }): Promise<CleanResult> {
  const { plan, sup, sh, log } = opts;
  const result: CleanResult = { removed: [], warnings: [] };

  // 1. The database and the queue, up for the hooks.
  for (const name of CLEAN_NEEDS) {
    const rec = sup.records().find((r) => r.spec.name === name);
    if (rec) {
      if (!sup.isRunning(rec)) {
        log.info(`clean: starting ${name} again for the clean-up`);
        await sup.startRecorded(name);
      }
      await sup.waitReady(name);
      continue;
    }
    // No record (a second --clean, or a state dir removed by hand): the databases and the rabbit
    // user of an earlier run may still exist, and the hooks need the server to drop them.
    const spec = plan.processes?.find((p) => p.name === name);
    if (!spec) continue;
    try {
      log.info(`clean: starting ${name} for the clean-up (no record of it)`);
      await sup.start(spec);
      await sup.waitReady(name);
    } catch (err) {
      const msg =
        `clean: ${name} could not be started (${err instanceof Error ? err.message : String(err)}); what ` +
        `lives in it stays`;
      result.warnings.push(msg);
      log.warn(msg);
    }
  }

  // 2. Each module's own clean-up, last started first.
  const ctx = createContext({
    plan,
    sh,
    log,
    force: false,
    openstack: async () => {
      throw new Error('unstack --clean talks to no OpenStack API');
    },
  });
  for (const m of [...plan.services].reverse()) {
    if (!m.clean) continue;
    try {
      await m.clean(ctx);
    } catch (err) {
      // One module's leftovers must not keep the others' from going.
      const msg = `clean ${m.name}: ${err instanceof Error ? err.message : String(err)}`;
      result.warnings.push(msg);
      log.warn(msg);
    }
  }

  // 3. Now the database and the queue go too, and what they leave behind (epmd).
  const last = await sup.stopAll({});
  for (const m of plan.services) {
    if (m.stop && [...m.shortNames, ...(m.paneNames ?? [])].some((n) => last.some((r) => r.name === n)))
      await m.stop({ sh, log });
  }

  // 4. Files and directories.
  for (const f of generatedFiles(plan)) {
    if (existsSync(f)) {
      rmSync(f, { force: true });
      result.removed.push(f);
    }
  }
  cleanCloudsYaml(plan.get('CLOUDS_YAML'), result.removed);
  const dirs = [
    plan.dirs.dataDir,
    plan.get('SERVICE_DIR'),
    plan.dirs.logDir,
    ...rootwrapLeftovers(
      plan,
      plan.repos.map((r) => r.name),
    ).dirs,
  ];
  for (const d of dirs) {
    if (existsSync(d)) {
      rmSync(d, { recursive: true, force: true });
      result.removed.push(d + '/');
    }
  }
  return result;
}
