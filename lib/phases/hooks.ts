// The user's hooks, run once the stack is up (end of post-extra, as devstack
// runs local.sh before test-config), from the directory of local.conf:
//
//   extras.d/*.ts   zx scripts, in name order (devstack's extras.d, as TypeScript)
//   local.sh        bash, when executable (devstack's rule), with the admin openrc in its environment
//   local.ts        a zx script
//
// Every hook gets the resolved settings as environment variables (DEST,
// HOST_IP, SERVICE_HOST, ADMIN_PASSWORD...) and TOP_DIR; the zx scripts also
// OS_CLOUD=devstack-admin (clouds.yaml). zx runs them with its globals ($,
// cd, within, retry, echo, fs, path...) under tsx; they are handed to zx on
// stdin with --ext=.mts, so zx writes them as an ES module beside the hook
// (top-level await works without a package.json saying "type": "module").
// A hook that fails fails the run with its command, exit code and last lines.

import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plan, StackContext, Step } from '../types/stack.ts';
import { openrcEnv, openrcInput } from '../seed/openrc.ts';

export type HookKind = 'bash' | 'zx';

export interface Hook {
  kind: HookKind;
  path: string;
}

/** What a directory offers: its entries and whether a file is executable (a fake in tests). */
export interface HookDir {
  exists(name: string): boolean;
  executable(name: string): boolean;
  list(dir: string): string[];
}

export function systemHookDir(root: string): HookDir {
  return {
    exists: (name) => existsSync(join(root, name)) && statSync(join(root, name)).isFile(),
    executable: (name) => {
      try {
        accessSync(join(root, name), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
    list: (dir) => {
      try {
        return readdirSync(join(root, dir));
      } catch {
        return [];
      }
    },
  };
}

/**
 * The hooks in `root`, in the order they run; `skipped` says why a present
 * file does not run (a local.sh without the executable bit, as devstack skips it).
 */
export function discoverHooks(root: string, dir: HookDir): { hooks: Hook[]; skipped: string[] } {
  const hooks: Hook[] = dir
    .list('extras.d')
    .filter((n) => n.endsWith('.ts') && !n.endsWith('.d.ts') && dir.exists(join('extras.d', n)))
    .sort()
    .map((n) => ({ kind: 'zx', path: join(root, 'extras.d', n) }));
  const skipped: string[] = [];
  if (dir.exists('local.sh')) {
    if (dir.executable('local.sh')) hooks.push({ kind: 'bash', path: join(root, 'local.sh') });
    else skipped.push(`${join(root, 'local.sh')} is not executable, so it does not run (chmod +x it, as for devstack)`);
  }
  if (dir.exists('local.ts')) hooks.push({ kind: 'zx', path: join(root, 'local.ts') });
  return { hooks, skipped };
}

/** Where the hooks live: beside local.conf, else beside stack.ts. */
export function hookRoot(plan: Plan): string {
  return plan.config.localConfPath ? dirname(plan.config.localConfPath) : plan.dirs.topDir;
}

/** The environment of every hook: the resolved settings and TOP_DIR. */
export function settingsEnv(plan: Plan): Record<string, string> {
  return { ...plan.config.values, TOP_DIR: plan.dirs.topDir };
}

/** The extra environment of one hook: local.sh gets the admin openrc, a zx script OS_CLOUD. */
export function hookEnv(plan: Plan, hook: Hook): Record<string, string> {
  if (hook.kind === 'bash') return { ...settingsEnv(plan), ...openrcEnv(openrcInput(plan), 'admin', 'admin') };
  return {
    ...settingsEnv(plan),
    OS_CLOUD: 'devstack-admin',
    OS_CLIENT_CONFIG_FILE: plan.get('CLOUDS_YAML'),
  };
}

const require = createRequire(import.meta.url);

/** zx's command, its package's `bin` (the `zx/cli` export resolves to the CommonJS build under require). */
function zxCli(): string {
  const pkg = require.resolve('zx/package.json');
  const { bin } = JSON.parse(readFileSync(pkg, 'utf8')) as { bin: { zx: string } };
  return join(dirname(pkg), bin.zx);
}

/** The command of a hook; a zx script's text goes to zx on stdin (zx writes it to a free name beside it). */
export function hookArgv(hook: Hook): string[] {
  if (hook.kind === 'bash') return ['/bin/bash', hook.path];
  // tsx's main export is its loader, as stack.ts's own --import names it
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  return [process.execPath, '--import', tsx, zxCli(), '--ext=.mts'];
}

function hookStep(plan: Plan, hook: Hook): Step {
  const name = relative(hookRoot(plan), hook.path);
  return {
    id: `hook:${name}`,
    title: `${name} (${hook.kind === 'bash' ? 'bash, admin openrc' : 'zx, OS_CLOUD=devstack-admin'})`,
    async run(ctx: StackContext) {
      // OS_* from the caller's shell would mix with the hook's own credentials
      const inherited = Object.fromEntries(
        Object.keys(process.env)
          .filter((k) => k.startsWith('OS_'))
          .map((k) => [k, undefined]),
      );
      await ctx.sh.run(hookArgv(hook), {
        cwd: hookRoot(ctx.plan),
        env: { ...inherited, ...hookEnv(ctx.plan, hook) },
        input: hook.kind === 'zx' ? readFileSync(hook.path, 'utf8') : undefined,
        onLine: (line) => ctx.log.info(`${name}: ${line}`),
      });
    },
  };
}

/** The hook steps of a plan, each after the one before; notes for hooks that do not run. */
export function hookSteps(plan: Plan, dir: HookDir = systemHookDir(hookRoot(plan))): Step[] {
  const { hooks, skipped } = discoverHooks(hookRoot(plan), dir);
  const steps = hooks.map((h) => hookStep(plan, h));
  for (const [i, s] of steps.entries()) if (i > 0) s.after = [steps[i - 1].id];
  if (skipped.length) {
    steps.unshift({
      id: 'hook:skipped',
      title: 'hooks that do not run',
      async run(ctx) {
        for (const why of skipped) ctx.note('warning', why);
      },
    });
  }
  return steps;
}
