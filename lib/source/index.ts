// The source method's install-phase steps: checkouts (in parallel, with
// progress), the venv, and the editable installs that make
// "edit $DEST/<project>, restart the pane, the new code runs" true.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { venvDir } from './paths.ts';
import type { Plan, StackContext, Step } from '../types/stack.ts';
import type { RepoSpec } from '../types/service.ts';
import type { Logger } from '../types/logger.ts';
import { describeOutcome, syncCheckouts, type CheckoutProgress } from './checkouts.ts';
import { CheckoutError, type CloneSettings } from './git.ts';
import { installEditable, withoutConstraints } from './pip.ts';
import { sourceRepos } from './repos.ts';
import { checkoutOwner, createUserArgv, handOverArgvs, stackUserExplicit, userExists } from './owner.ts';
import { missingScripts } from './scripts.ts';
import { installRootwrap, rootwrap, ROOTWRAP_FILTERS } from './rootwrap.ts';
import { sourceSettings, type SourceSettings } from './settings.ts';
import { ensureVenv } from './venv.ts';

export { serviceRepo, libraryRepos, sourceRepos, LIBRARIES } from './repos.ts';
export { sourceSettings } from './settings.ts';

export function cloneSettings(s: SourceSettings): CloneSettings {
  return { reclone: s.reclone, offline: s.offline, errorOnClone: s.errorOnClone, depth: s.gitDepth };
}

/** Where a pane's code comes from, for ProcessSpec.codeFrom. */
export function codeFrom(plan: Pick<Plan, 'method'>): 'checkout' | 'package' {
  return plan.method.method === 'source' ? 'checkout' : 'package';
}

/**
 * Debian packages the source method needs on top of the services' lists:
 * git and venv always; with SOURCE_DEPS=distro, pbr (setup.py imports it with
 * --no-build-isolation) and the package of every checkout, which supplies its
 * dependencies. Packages install without Recommends (APT_NO_INSTALL_RECOMMENDS), so what git and gcc only
 * recommend is named: ca-certificates for https clones, libc6-dev for pip's C extensions.
 */
export function sourcePackages(plan: Pick<Plan, 'get' | 'bool' | 'int' | 'dirs' | 'repos'>): string[] {
  const s = sourceSettings(plan);
  const base = ['git', 'ca-certificates', 'python3-venv'];
  if (s.sourceDeps !== 'distro') return [...base, 'python3-dev', 'gcc', 'libc6-dev'];
  const pkgs = sourceRepos(plan).installRepos.flatMap((r) => (r.distroPackage ? [r.distroPackage] : []));
  return [...new Set([...base, 'python3-pbr', ...pkgs])];
}

/**
 * Progress lines for the stack log: one per phase change of a checkout, and
 * git's percentages only to the debug log (every 25 %), so the console shows
 * movement without a flood.
 */
export function progressReporter(log: Logger, progress?: (line: string) => void): (p: CheckoutProgress) => void {
  const lastPercent = new Map<string, number>();
  return (p) => {
    const counter = `[${p.finished}/${p.total}]`;
    // the step's own progress line (listr2's task line on a terminal, a plain line every few seconds headless)
    if (p.percent !== undefined) progress?.(`${counter} ${p.repo}: ${p.detail} ${p.percent}%`);
    else if (p.phase !== 'queued') progress?.(`${counter} ${p.repo}: ${p.phase === 'done' ? 'done' : p.phase}`);
    switch (p.phase) {
      case 'queued':
      case 'inspecting':
        log.debug(`${counter} ${p.repo}: ${p.phase}`);
        return;
      case 'fetching':
      case 'cloning':
      case 'checking-out':
        if (p.percent === undefined) {
          log.info(`${counter} ${p.repo}: ${p.phase}`);
          return;
        }
        {
          const key = `${p.repo}:${p.detail}`;
          const bucket = Math.floor(p.percent / 25);
          if (lastPercent.get(key) !== bucket) {
            lastPercent.set(key, bucket);
            log.debug(`${counter} ${p.repo}: ${p.detail} ${p.percent}%`);
          }
        }
        return;
      case 'done':
        log.info(`${counter} ${p.detail}`);
        return;
      case 'failed':
        log.warn(`${counter} ${p.repo}: ${p.detail}`);
    }
  };
}

async function checkoutsStep(ctx: StackContext, repos: RepoSpec[], s: SourceSettings): Promise<void> {
  const outcomes = await syncCheckouts(repos, cloneSettings(s), {
    sh: ctx.sh,
    onProgress: progressReporter(ctx.log, ctx.progress),
  });
  for (const o of outcomes) {
    if (o.action?.action === 'keep' && o.action.warning) {
      ctx.log.warn(o.action.warning);
      ctx.note('warning', o.action.warning);
    }
  }
  const failed = outcomes.filter((o) => o.error);
  if (failed.length) {
    throw new CheckoutError(
      failed.map((o) => o.repo.name).join(','),
      `${failed.length} of ${outcomes.length} checkout(s) ` +
        `failed:\n${failed.map((o) => `  ${describeOutcome(o)}`).join('\n')}`,
    );
  }
}

/**
 * The constraints file pip gets: upper-constraints minus the projects
 * installed from checkouts, written to $DATA_DIR so the requirements
 * checkout itself is never edited (devstack seds it in place, which then
 * shows up as local changes).
 */
async function constraintsFor(ctx: StackContext, s: SourceSettings, repos: RepoSpec[]): Promise<string | undefined> {
  const src = s.constraintsFile;
  if (/^[a-z]+:\/\//.test(src)) return src; // a URL: pip reads it as is
  if (!existsSync(src))
    throw new Error(`PIP_UPPER_CONSTRAINTS_FILE ${src} does not exist (is the requirements checkout there?)`);
  const out = join(s.dataDir, 'upper-constraints.txt');
  await ctx.writeFile(
    out,
    withoutConstraints(
      readFileSync(src, 'utf8'),
      repos.map((r) => r.name),
    ),
  );
  return out;
}

async function installStep(ctx: StackContext, repos: RepoSpec[], s: SourceSettings, venv: string): Promise<void> {
  const constraintsFile = s.sourceDeps === 'pip' ? await constraintsFor(ctx, s, repos) : undefined;
  for (const repo of repos) {
    const started = Date.now();
    const done = await installEditable(ctx.sh, repo, {
      venv,
      deps: s.sourceDeps,
      constraintsFile,
      onLine: (l) => ctx.log.debug(`${repo.name}: ${l}`),
    });
    const missing = missingScripts(repo.dir, venv);
    if (missing.length) {
      throw new Error(
        `${repo.name}: pip install -e did not generate ${missing.join(', ')} in ${venv}/bin (declared in ` +
          `${repo.dir}/setup.cfg)`,
      );
    }
    const pbr = done.pbrVersion ? `, PBR_VERSION=${done.pbrVersion} from ${repo.distroPackage}` : '';
    ctx.log.info(
      `${repo.name}: installed editable from ${repo.dir} (${s.sourceDeps} dependencies${pbr}) in ` +
        `${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
}

/**
 * The checkouts go to the developer who edits them (see owner.ts); run after
 * the installs, since a root `pip install -e` writes into them.
 */
async function ownerStep(ctx: StackContext, repos: RepoSpec[], sudoUser: string | undefined): Promise<void> {
  const stackUser = ctx.plan.get('STACK_USER');
  const candidates = [...new Set([stackUser, ...(sudoUser ? [sudoUser] : [])])];
  const existing = new Set<string>();
  for (const u of candidates) if (await userExists(ctx.sh, u)) existing.add(u);
  const owner = checkoutOwner({
    stackUser,
    explicit: stackUserExplicit(ctx.plan),
    sudoUser,
    exists: (u) => existing.has(u),
  });
  if (!owner.user) {
    ctx.log.info(`checkouts: ${owner.why}`);
    return;
  }
  if (owner.create) await ctx.sh.run(createUserArgv(owner.user));
  for (const argv of handOverArgvs(
    owner.user,
    repos.map((r) => r.dir),
  ))
    await ctx.sh.run(argv);
  ctx.log.info(`checkouts owned by ${owner.user}: ${owner.why}`);
}

/**
 * The install-phase steps of the source method. `packagesStep` is the id of
 * the step that installs Debian packages (apt:install): the venv needs
 * python3-venv and the installs need the distro packages, so they wait for
 * it; the checkouts run alongside it (both are network-bound) unless git
 * itself still has to be installed. `sudoUser` is who ran `sudo ./stack.ts`
 * (default $SUDO_USER; null: nobody).
 */
export function sourceSteps(
  plan: Plan,
  opts: { packagesStep?: string; gitInstalled?: boolean; sudoUser?: string | null } = {},
): Step[] {
  const packagesStep = opts.packagesStep ?? 'apt:install';
  const gitInstalled = opts.gitInstalled ?? existsSync('/usr/bin/git');
  const s = sourceSettings(plan);
  const { dataRepos, installRepos } = sourceRepos(plan);
  const all = [...dataRepos, ...installRepos];
  const venv = venvDir(plan);
  return [
    {
      id: 'source:checkouts',
      title:
        `git checkouts in ${s.dest}: ` +
        `${all.map((r) => r.name).join(', ') || 'none'}${s.offline ? ' (OFFLINE)' : ''}`,
      after: gitInstalled ? [] : [packagesStep],
      run: (ctx) => checkoutsStep(ctx, all, s),
    },
    {
      id: 'source:venv',
      title: `venv ${venv} (${s.sourceDeps === 'distro' ? 'with system site-packages' : 'isolated'})`,
      after: [packagesStep],
      async run(ctx) {
        const v = await ensureVenv(ctx.sh, venv, s.sourceDeps);
        if (v.verdict === 'recreate') ctx.log.warn(`remade ${venv}: ${v.why}`);
      },
    },
    {
      id: 'source:install',
      title: `editable installs (SOURCE_DEPS=${s.sourceDeps}): ${installRepos.map((r) => r.name).join(', ') || 'none'}`,
      after: ['source:checkouts', 'source:venv', packagesStep],
      run: (ctx) => installStep(ctx, installRepos, s, venv),
    },
    {
      id: 'source:rootwrap',
      title: 'rootwrap, privsep-helper and sudoers for the checkouts (venv first)',
      after: ['source:install'],
      async run(ctx) {
        for (const r of installRepos.filter((x) => ROOTWRAP_FILTERS[x.name]))
          await installRootwrap(ctx, rootwrap(ctx.plan, r.name));
      },
    },
    {
      id: 'source:owner',
      title: 'checkouts owned by the developer (STACK_USER, else the sudo user)',
      after: ['source:install'],
      run: (ctx) =>
        ownerStep(ctx, all, opts.sudoUser === undefined ? process.env.SUDO_USER : (opts.sudoUser ?? undefined)),
    },
  ];
}
