// The initramfs as a cpio "newc" archive written here rather than by a cpio
// command (Debian does not install one by default): entries are sorted by
// path, inode numbers are assigned in that order, and every mtime is the same
// fixed value, so the same files always give the same bytes. Owners and modes
// (root-owned dirs, cirros's home, a device node) are written as data, so no
// root and no mknod are needed to build it.

import { gzipSync } from 'node:zlib';

export type CpioEntry =
  | { path: string; kind: 'dir'; mode?: number; uid?: number; gid?: number }
  | { path: string; kind: 'file'; data: Buffer | string; mode?: number; uid?: number; gid?: number }
  | { path: string; kind: 'symlink'; target: string }
  | { path: string; kind: 'chardev'; major: number; minor: number; mode?: number };

/** 2020-01-01T00:00:00Z: a fixed mtime for every entry, for reproducible archives. */
export const FIXED_MTIME = 1577836800;

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function normalize(path: string): string {
  const p = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (!p || p.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new Error(`bad initramfs path: ${JSON.stringify(path)}`);
  }
  return p;
}

/**
 * Entries sorted by path (a directory sorts before what it holds), with the
 * missing parent directories added (mode 0755, root). A path given twice is
 * an error: it would depend on order which one wins.
 */
export function layout(entries: readonly CpioEntry[]): CpioEntry[] {
  const byPath = new Map<string, CpioEntry>();
  for (const e of entries) {
    const path = normalize(e.path);
    if (byPath.has(path)) throw new Error(`initramfs path given twice: /${path}`);
    byPath.set(path, { ...e, path });
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const have = byPath.get(dir);
      if (!have) byPath.set(dir, { path: dir, kind: 'dir' });
      else if (have.kind !== 'dir')
        throw new Error(`initramfs path /${dir} is a ${have.kind} but /${path} is inside it`);
    }
  }
  return [...byPath.values()].sort((a, b) => compareBytes(a.path, b.path));
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function header(fields: {
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  size: number;
  rmaj: number;
  rmin: number;
  namesize: number;
}): string {
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return (
    '070701' +
    [
      fields.ino,
      fields.mode,
      fields.uid,
      fields.gid,
      fields.nlink,
      FIXED_MTIME,
      fields.size,
      0,
      0,
      fields.rmaj,
      fields.rmin,
      fields.namesize,
      0,
    ]
      .map(hex)
      .join('')
  );
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** The newc archive of `entries` (laid out first), ending with the TRAILER!!! record. */
export function writeCpio(entries: readonly CpioEntry[]): Buffer {
  const chunks: Buffer[] = [];
  const push = (hdr: string, name: string, data: Buffer) => {
    const head = Buffer.from(hdr + name + '\0', 'latin1');
    chunks.push(head, Buffer.alloc(pad4(head.length)), data, Buffer.alloc(pad4(data.length)));
  };
  let ino = 0;
  for (const e of layout(entries)) {
    ino++;
    const name = e.path;
    const namesize = Buffer.byteLength(name) + 1;
    let data: Buffer = Buffer.alloc(0);
    let mode: number;
    let rmaj = 0;
    let rmin = 0;
    let nlink = 1;
    let uid = 0;
    let gid = 0;
    switch (e.kind) {
      case 'dir':
        mode = S_IFDIR | (e.mode ?? 0o755);
        nlink = 2;
        uid = e.uid ?? 0;
        gid = e.gid ?? 0;
        break;
      case 'file':
        data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
        mode = S_IFREG | (e.mode ?? 0o644);
        uid = e.uid ?? 0;
        gid = e.gid ?? 0;
        break;
      case 'symlink':
        data = Buffer.from(e.target);
        mode = S_IFLNK | 0o777;
        break;
      case 'chardev':
        mode = S_IFCHR | (e.mode ?? 0o600);
        rmaj = e.major;
        rmin = e.minor;
        break;
    }
    push(header({ ino, mode, uid, gid, nlink, size: data.length, rmaj, rmin, namesize }), name, data);
  }
  const trailer = 'TRAILER!!!';
  push(
    header({ ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, size: 0, rmaj: 0, rmin: 0, namesize: trailer.length + 1 }),
    trailer,
    Buffer.alloc(0),
  );
  return Buffer.concat(chunks);
}

/**
 * gzip with a zero mtime in its header (Node writes none), so the bytes depend
 * only on the archive. Level 6: level 9 took 5x as long for 0.2% less.
 */
export function gzipInitramfs(cpio: Buffer): Buffer {
  return gzipSync(cpio, { level: 6 });
}
