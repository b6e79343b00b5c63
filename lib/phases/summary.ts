// The end-of-run summary: where to point a client, who can log in, where
// the secrets are, what runs, and anything the run could not do.

import { join } from 'node:path';
import { venvDir } from '../source/paths.ts';
import type { Plan } from '../types/stack.ts';
import { keystoneAuthUrl, serviceUrl } from '../config/urls.ts';
import type { PaneStatus } from '../types/process.ts';
import type { Note } from './context.ts';

export function formatSummary(plan: Plan, panes: PaneStatus[], notes: Note[]): string {
  const lines: string[] = [];
  const localConfDir = plan.config.localConfPath ? join(plan.config.localConfPath, '..') : plan.dirs.topDir;
  if (plan.isEnabled('key')) {
    lines.push(`Keystone:   ${keystoneAuthUrl(plan)}`);
  }
  if (plan.isEnabled('horizon')) lines.push(`Horizon:    ${serviceUrl(plan, plan.int('HORIZON_PORT'), '/')}`);
  if (plan.isEnabled('key')) {
    lines.push(
      'Users:      admin, demo, alt_demo, demo_reader, alt_demo_member, alt_demo_reader (password: ADMIN_PASSWORD)',
    );
    lines.push(`Passwords:  ${join(localConfDir, '.localrc.password')} and local.conf`);
    lines.push(`clouds.yaml: ${plan.get('CLOUDS_YAML')} (OS_CLOUD=devstack, devstack-admin, devstack-alt, ...)`);
    lines.push(`openrc:     source ${join(plan.dirs.topDir, 'openrc')} [user] [project]`);
  }
  lines.push(`Logs:       ${plan.dirs.logDir}/<pane>.log   State: ${plan.get('SERVICE_DIR')}`);
  if (plan.method.method === 'source' && plan.repos.length) {
    // where a developer edits: the panes marked `checkout` below run this code
    lines.push(
      `Checkouts:  ${plan.repos.map((r) => r.dir).join(', ')} (venv ${venvDir(plan)}; edit, then ./stack.ts restart ` +
        `PANE)`,
    );
  }
  lines.push('');
  const byName = new Map(panes.map((p) => [p.name, p]));
  const rows = plan.processes.map((spec) => {
    const st = byName.get(spec.name);
    return [
      spec.name,
      spec.project,
      st?.state ?? 'not started',
      spec.port ? String(spec.port) : '',
      spec.codeFrom ?? 'package',
    ];
  });
  const header = ['pane', 'project', 'state', 'port', 'code'];
  const widths = header.map((_, i) => Math.max(header[i].length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  lines.push(fmt(header), ...rows.map(fmt));
  const issues = notes.filter((n) => n.kind !== 'info');
  if (issues.length) {
    lines.push('');
    for (const n of issues) lines.push(`${n.kind === 'incomplete' ? 'NOT DONE' : 'WARNING'}: ${n.message}`);
  }
  lines.push('', 'Manage panes: ./stack.ts status | restart NAME | logs NAME -f | attach;  tear down: ./unstack.ts');
  return lines.join('\n');
}
