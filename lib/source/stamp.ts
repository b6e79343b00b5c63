// Step.stamp: what a step's result depends on, read from the machine when the step is due, hashed.
// Here in source because the code's version is the install method's business (package versions, or
// each checkout's HEAD and uncommitted changes); services and seed build their stamps with it.

import { createHash } from 'node:crypto';
import type { RepoDecl } from '../types/config.ts';
import type { Plan, StackContext } from '../types/stack.ts';
import { contentDigest, pathIdentity } from '../system/files.ts';
import { schemaVersions, tableChecksums } from '../system/mysql.ts';
import { gitArgv } from './git.ts';

/** What a step's result depends on (Step.stamp); every part is read when the step is due. */
export interface StampInputs {
  /** Code whose version matters: the distro packages, or the checkouts with the source method. */
  repos?: readonly RepoDecl[];
  /** Databases whose schema version and identity matter (db syncs). */
  schemas?: readonly string[];
  /** Tables (`db.table`) whose content matters: what the step wrote, that a user may change too. */
  tables?: readonly string[];
  /** Files whose content matters (the configs a step reads). */
  files?: readonly string[];
  /** Directories whose identity matters (a data directory made again under the same name). */
  paths?: readonly string[];
  /** Settings and other values; passwords are fine: only the hash of the whole is kept. */
  values?: readonly string[];
}

/** The installed code of `repos`: package versions, or each checkout's HEAD and uncommitted changes. */
export async function codeVersion(ctx: StackContext, repos: readonly RepoDecl[]): Promise<string> {
  const { plan, sh } = ctx;
  if (plan.method.method === 'source') {
    const out: string[] = [];
    for (const r of repos) {
      const dir = plan.repos.find((x) => x.name === r.name)?.dir;
      if (!dir) continue;
      const head = await sh.run(gitArgv(dir, ['rev-parse', 'HEAD']));
      const diff = await sh.run(gitArgv(dir, ['diff', 'HEAD']));
      out.push(`${r.name} ${head.stdout.trim()} ${createHash('sha256').update(diff.stdout).digest('hex')}`);
    }
    return out.join('\n');
  }
  const packages = repos.flatMap((r) => (r.distroPackage ? [r.distroPackage] : []));
  if (packages.length === 0) return '';
  return (await sh.run(['dpkg-query', '-W', '-f', '${Package} ${Version}\n', ...packages])).stdout;
}

/**
 * A Step.stamp from its inputs: a hash over the code version, the database schemas and tables, the
 * files, the paths' identities and the values; undefined (run the step) when a part cannot be read.
 */
export function stepStamp(inputs: (plan: Plan) => StampInputs): (ctx: StackContext) => Promise<string | undefined> {
  return async (ctx) => {
    const i = inputs(ctx.plan);
    const parts: (string | undefined)[] = [];
    if (i.repos) parts.push(await codeVersion(ctx, i.repos));
    if (i.schemas) parts.push(await schemaVersions(ctx.sh, i.schemas));
    if (i.tables) parts.push(await tableChecksums(ctx.sh, i.tables));
    if (i.files) parts.push(contentDigest(i.files));
    for (const p of i.paths ?? []) parts.push(pathIdentity(p));
    if (parts.some((p) => p === undefined)) return undefined;
    const h = createHash('sha256');
    for (const p of [...parts, ...(i.values ?? [])]) h.update(p ?? '').update('\0');
    return h.digest('hex');
  };
}
