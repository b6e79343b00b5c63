// The plan as text, for `./stack.ts --dry-run` and the run's header.
// Everything goes through mask(): a password never appears, even if a
// module put one in an argv or an environment.

import { backendChoice } from '../services/neutron/backend.ts';
import { PHASES } from '../types/step.ts';
import { unimplementedServices } from '../config/service-names.ts';
import { unusedSourceSettings } from './method.ts';
import { mask } from '../util/secrets.ts';
import type { Plan } from '../types/stack.ts';

function table(rows: string[][], indent = '  '): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map(
    (r) =>
      indent +
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
  );
}

export function formatPlan(plan: Plan): string {
  const lines: string[] = [];
  lines.push(`Install method: ${plan.method.method}`, `  why: ${plan.method.reason}`, '');
  for (const d of plan.decisions ?? []) {
    lines.push(`${d.setting}: ${d.value}${d.pending ? ' (for now)' : ''}`, `  why: ${d.reason}`, '');
  }
  const backend = backendChoice(plan);
  if (backend) lines.push(`${backend.setting}: ${backend.value}`, `  why: ${backend.reason}`, '');

  lines.push(`Enabled services (${plan.config.enabledServices.length}): ${plan.config.enabledServices.join(', ')}`);
  const skipped = unimplementedServices(plan.config.catalog, plan.config.enabledServices);
  for (const i of plan.config.implied) lines.push(`  added ${i.name}: ${i.reason}`);
  if (skipped.length > 0) lines.push(`  not implemented by tstack, ignored: ${skipped.map((s) => s.name).join(', ')}`);
  const moduleless = plan.config.enabledServices.filter(
    (n) => !plan.services.some((m) => m.shortNames.includes(n)) && !skipped.some((s) => s.name === n),
  );
  if (moduleless.length > 0) lines.push(`  no service module registered for: ${moduleless.join(', ')}`);
  if (plan.config.plugins.length > 0) {
    lines.push(
      `  plugins (recorded, not run): ${plan.config.plugins.map((p) => `${p.name} ${p.url} ${p.ref}`).join('; ')}`,
    );
  }
  lines.push('');

  // What local.conf asks for that this run does differently or not at all, each with its file:line.
  const warnings = [...plan.config.warnings, ...unusedSourceSettings(plan.config, plan.method)];
  if (warnings.length > 0) {
    lines.push(`Not done as local.conf asks (${warnings.length}):`);
    for (const w of warnings) lines.push(`  ${w.pos ? `${w.pos.file}:${w.pos.line}: ` : ''}${w.message}`);
    lines.push('');
  }

  lines.push(`Panes (${plan.processes.length}), in start order:`);
  if (plan.processes.length > 0) {
    lines.push(
      ...table([
        ['NAME', 'PROJECT', 'PORT', 'CODE', 'AFTER'],
        ...plan.processes.map((p) => [
          p.name,
          p.project,
          p.port ? String(p.port) : '-',
          p.codeFrom ?? '-',
          (p.after ?? []).join(',') || '-',
        ]),
      ]),
    );
  }
  lines.push('');

  lines.push('Directories:');
  lines.push(
    ...table([
      ['DEST', plan.dirs.dest],
      ['DATA_DIR', plan.dirs.dataDir],
      ['LOGDIR', plan.dirs.logDir],
      ['SERVICE_DIR', `${plan.dirs.stateDir} (pane records, finished steps)`],
      ['files', plan.dirs.filesDir],
    ]),
  );
  lines.push('');

  lines.push(`Distro packages: ${plan.packages.length}`);
  if (plan.method.method === 'source') {
    lines.push(`Checkouts (${plan.repos.length}): ${plan.repos.map((r) => `${r.name}@${r.ref}`).join(', ') || 'none'}`);
  }
  const post = plan.config.metaSections.map((s) => `[[${s.phase}|${s.file}]]`);
  if (post.length > 0) lines.push(`local.conf meta-sections: ${[...new Set(post)].join(' ')}`);
  lines.push(`Phases: ${PHASES.join(' -> ')}`);
  return mask(lines.join('\n'));
}
