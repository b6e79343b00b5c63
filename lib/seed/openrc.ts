// `openrc` at the repo's top dir, for `source openrc [username] [projectname]`
// (defaults demo/demo), with devstack's OS_* variables. The password is
// embedded single-quoted, the one shell quoting in which no character but the
// quote itself is special, so any printable password survives `source`.

import { join } from 'node:path';
import type { Plan, StackContext, Step } from '../types/stack.ts';
import { addSecret } from '../util/secrets.ts';
import type { SeedReport } from './report.ts';
import { keystoneAuthUrl, regionName } from '../config/urls.ts';
import { shellSingleQuote } from '../util/shell-quote.ts';

export interface OpenrcInput {
  authUrl: string;
  region: string;
  password: string;
  cacert?: string;
}

/** The OS_* variables of `source openrc USER PROJECT` (devstack's), also the environment of local.sh. */
export function openrcEnv(input: OpenrcInput, user: string, project: string): Record<string, string> {
  return {
    OS_USERNAME: user,
    OS_PROJECT_NAME: project,
    OS_AUTH_TYPE: 'password',
    OS_PASSWORD: input.password,
    OS_AUTH_URL: input.authUrl,
    OS_REGION_NAME: input.region,
    OS_USER_DOMAIN_ID: 'default',
    OS_PROJECT_DOMAIN_ID: 'default',
    OS_IDENTITY_API_VERSION: '3',
    OS_VOLUME_API_VERSION: '3',
    ...(input.cacert ? { OS_CACERT: input.cacert } : {}),
  };
}

/** The values that come from the settings: single-quoted, whatever they hold. */
const FROM_INPUT = new Set(['OS_PASSWORD', 'OS_AUTH_URL', 'OS_REGION_NAME', 'OS_CACERT']);

export function renderOpenrc(input: OpenrcInput): string {
  // the user and project are the script's arguments
  const fixed = Object.entries(openrcEnv(input, '', '')).filter(
    ([k]) => k !== 'OS_USERNAME' && k !== 'OS_PROJECT_NAME',
  );
  return [
    '# Written by tstack (./stack.ts); re-written on every run.',
    '# Usage: source openrc [username] [projectname]   (default: demo demo)',
    '# Every seeded user (admin, demo, alt_demo, ...) has ADMIN_PASSWORD, as in devstack.',
    'OS_USERNAME=${1:-demo}',
    'OS_PROJECT_NAME=${2:-demo}',
    'export OS_USERNAME OS_PROJECT_NAME',
    ...fixed.map(([k, v]) => `export ${k}=${FROM_INPUT.has(k) ? shellSingleQuote(v) : v}`),
    '',
  ].join('\n');
}

export function openrcInput(plan: Plan): OpenrcInput {
  const password = plan.get('ADMIN_PASSWORD');
  addSecret(password);
  return { authUrl: keystoneAuthUrl(plan), region: regionName(plan), password };
}

export function openrcStep(plan: Plan, report: SeedReport, path = join(plan.dirs.topDir, 'openrc')): Step {
  return {
    id: 'seed:openrc',
    title: 'openrc',
    async run(ctx: StackContext) {
      // 0600: it holds ADMIN_PASSWORD.
      await ctx.writeFile(path, renderOpenrc(openrcInput(plan)), { mode: 0o600 });
      report.openrc = path;
    },
  };
}
