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

export function renderOpenrc(input: OpenrcInput): string {
  return [
    '# Written by tstack (./stack.ts); re-written on every run.',
    '# Usage: source openrc [username] [projectname]   (default: demo demo)',
    '# Every seeded user (admin, demo, alt_demo, ...) has ADMIN_PASSWORD, as in devstack.',
    'OS_USERNAME=${1:-demo}',
    'OS_PROJECT_NAME=${2:-demo}',
    'export OS_USERNAME OS_PROJECT_NAME',
    'export OS_AUTH_TYPE=password',
    `export OS_PASSWORD=${shellSingleQuote(input.password)}`,
    `export OS_AUTH_URL=${shellSingleQuote(input.authUrl)}`,
    `export OS_REGION_NAME=${shellSingleQuote(input.region)}`,
    'export OS_USER_DOMAIN_ID=default',
    'export OS_PROJECT_DOMAIN_ID=default',
    'export OS_IDENTITY_API_VERSION=3',
    'export OS_VOLUME_API_VERSION=3',
    ...(input.cacert ? [`export OS_CACERT=${shellSingleQuote(input.cacert)}`] : []),
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
