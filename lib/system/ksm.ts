// Kernel same-page merging (ENABLE_KSM, devstack's lib/host name and default): ksmd scans the memory of
// processes that asked for it and keeps one copy of each page that several hold unchanged. Every pane asks
// (lib/proc/launch.ts marks its processes with PR_SET_MEMORY_MERGE, what systemd's MemoryKSM=yes does for a
// service); here the host side: ksmd switched on for the stack, and back to how it was found on unstack.
//
// What it merges on a default stack (measured with ksmd at pages_to_scan=1000 for 90 s): neutron-server's forked
// workers (python objects they each copied on write but left equal, about 20 MiB apiece), MariaDB's zeroed
// buffers, cinder-volume's fork, beam and ovs-vswitchd: about 100 MiB in all. Python services that do not fork
// share next to nothing. ksmd runs at the kernel's own pace (pages_to_scan and sleep_millisecs are left alone):
// a few percent of one core, so it takes minutes after start-up to merge it all (at 1000 pages it took a
// third of a core).

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan, Step } from '../types/stack.ts';
import type { Logger } from '../types/logger.ts';

export const KSM_DIR = '/sys/kernel/mm/ksm';

/** Where the stack remembers ksmd's run value as it found it (the state dir, so unstack finds it). */
export function ksmSavedFile(stateDir: string): string {
  return join(stateDir, 'ksm-run-before');
}

/** ksmd's counters (pages of 4 KiB; general_profit in bytes, net of ksm's own bookkeeping). */
export interface KsmFigures {
  run: number;
  pagesShared: number;
  pagesSharing: number;
  fullScans: number;
  generalProfitBytes?: number;
}

/** Read the counters through `read` (a file name under KSM_DIR -> its text); undefined without KSM. */
export function ksmFigures(read: (name: string) => string | undefined): KsmFigures | undefined {
  const num = (name: string) => {
    const v = read(name)?.trim();
    return v === undefined || !/^-?\d+$/.test(v) ? undefined : Number(v);
  };
  const run = num('run');
  if (run === undefined) return undefined;
  return {
    run,
    pagesShared: num('pages_shared') ?? 0,
    pagesSharing: num('pages_sharing') ?? 0,
    fullScans: num('full_scans') ?? 0,
    generalProfitBytes: num('general_profit'),
  };
}

export function readKsm(dir = KSM_DIR): KsmFigures | undefined {
  return ksmFigures((name) => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return undefined;
    }
  });
}

/**
 * The install-phase step: ksmd on (run=1) when ENABLE_KSM, remembering the value it had the first time, so
 * that unstack puts back what the machine had before any stack. Without ENABLE_KSM ksmd is left alone. Runs on
 * every ./stack.ts (no stamp): writing one sysfs file is cheaper than knowing whether someone reset it.
 */
export function ksmStep(plan: Plan, dir = KSM_DIR): Step {
  return {
    id: 'host:ksm',
    title: 'kernel same-page merging (ENABLE_KSM): ksmd on',
    run: async (ctx) => {
      const now = readKsm(dir);
      if (!now) {
        ctx.log.warn(`ENABLE_KSM: this kernel has no ${dir}; the panes' memory is not merged`);
        return;
      }
      const saved = ksmSavedFile(plan.dirs.stateDir);
      const before = existsSync(saved) ? readFileSync(saved, 'utf8').trim() : String(now.run);
      if (!existsSync(saved)) await ctx.writeFile(saved, `${before}\n`, { mode: 0o644 });
      // tee, not a file write: sysfs takes no temp-file-and-rename
      if (now.run !== 1) await ctx.sh.run(['tee', join(dir, 'run')], { input: '1\n' });
      ctx.log.info(`ksm: ksmd running (run=${before} before the stack)`);
    },
  };
}

/** unstack: ksmd's run value back to what the first ./stack.ts found; nothing when no stack changed it. */
export function restoreKsm(stateDir: string, log: Logger, dir = KSM_DIR): void {
  const saved = ksmSavedFile(stateDir);
  if (!existsSync(saved)) return;
  const before = readFileSync(saved, 'utf8').trim();
  if (/^[012]$/.test(before) && existsSync(join(dir, 'run'))) {
    // run=0 stops ksmd and leaves merged pages shared until written; 2 would unmerge them all at once
    writeFileSync(join(dir, 'run'), `${before}\n`);
    log.info(`ksm: ksmd run=${before} again, as before the stack`);
  }
  rmSync(saved, { force: true });
}
