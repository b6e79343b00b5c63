// Writing whole files the way config management should: only when the
// content changed, atomically, with the mode and owner asked for.

import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';

function lookupId(file: string, name: string): number {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return Number(f[2]);
  }
  throw new Error(`no such ${file.endsWith('group') ? 'group' : 'user'}: ${name}`);
}

export const uidOf = (user: string): number => (/^\d+$/.test(user) ? Number(user) : lookupId('/etc/passwd', user));
export const gidOf = (group: string): number => (/^\d+$/.test(group) ? Number(group) : lookupId('/etc/group', group));

export interface WriteOptions {
  mode?: number;
  owner?: string;
  group?: string;
}

/** sha256 over the files that exist (path and content); undefined when none does. */
export function contentDigest(files: readonly string[]): string | undefined {
  const present = files.filter((f) => existsSync(f));
  if (present.length === 0) return undefined;
  const h = createHash('sha256');
  for (const f of present) h.update(f).update('\0').update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 16);
}

/** Which directory entry `path` is (inode and birth time): a directory made again under the same name differs. */
export function pathIdentity(path: string): string | undefined {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.ino}:${st.birthtimeNs}`;
  } catch {
    return undefined;
  }
}

/** Write `content` to `path`; returns true when the file's content changed. */
export function writeFileIfChanged(path: string, content: string, opts: WriteOptions = {}): boolean {
  const mode = opts.mode ?? 0o644;
  mkdirSync(dirname(path), { recursive: true });
  const same = existsSync(path) && readFileSync(path, 'utf8') === content;
  if (!same) {
    const tmp = `${path}.tstack-tmp`;
    writeFileSync(tmp, content, { mode });
    renameSync(tmp, path);
  }
  // Mode and owner are enforced even when the content is unchanged: a package
  // upgrade may have reset them.
  if ((statSync(path).mode & 0o7777) !== mode) chmodSync(path, mode);
  if (opts.owner || opts.group) {
    const st = statSync(path);
    const uid = opts.owner ? uidOf(opts.owner) : st.uid;
    const gid = opts.group ? gidOf(opts.group) : st.gid;
    if (st.uid !== uid || st.gid !== gid) chownSync(path, uid, gid);
  }
  return !same;
}
