// local.conf's [[post-config|FILE]], [[extra|FILE]], [[post-extra|FILE]] and
// [[test-config|FILE]] blocks, merged into their files at their phase.
//
// Files a service module writes whole already carry their post-config blocks
// (the module merges them before writing, so the file is written once and a
// re-run does not flap); this step covers every other file, which devstack
// creates if missing (a plugin's config, for instance).

import { existsSync, readFileSync, statSync } from 'node:fs';
import type { MetaPhase } from '../types/config.ts';
import type { Plan, Step } from '../types/stack.ts';
import { applyToIniText } from '../util/ini.ts';

export function mergeStep(plan: Plan, phase: Exclude<MetaPhase, 'local'>): Step | undefined {
  const owned = new Set(plan.services.flatMap((m) => m.configFiles?.(plan) ?? []));
  const sections = plan.config.metaSections.filter(
    (s) => s.phase === phase && !(phase === 'post-config' && owned.has(s.file)),
  );
  if (sections.length === 0) return undefined;
  const files = [...new Set(sections.map((s) => s.file))];
  return {
    id: `local.conf:${phase}`,
    title: `merge local.conf [[${phase}|...]] into ${files.join(', ')}`,
    run: async (ctx) => {
      for (const file of files) {
        const blocks = sections.filter((s) => s.file === file).flatMap((s) => s.sections);
        const exists = existsSync(file);
        const before = exists ? readFileSync(file, 'utf8') : '';
        // Keep the mode of an existing file: it may hold passwords (0640).
        await ctx.writeFile(file, applyToIniText(before, blocks), {
          mode: exists ? statSync(file).mode & 0o7777 : 0o644,
        });
      }
    },
  };
}
