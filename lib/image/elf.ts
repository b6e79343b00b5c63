// Just enough ELF64 to assemble a guest without the host's tools: the shared
// libraries a program needs (DT_NEEDED, instead of ldd, which would run it) and
// a kernel module's dependencies (`depends=` in .modinfo, instead of depmod,
// whose modules.dep Debian's kernel package does not ship: it is made at install).

interface Section {
  name: string;
  type: number;
  offset: number;
  size: number;
  link: number;
}

const SHT_DYNAMIC = 6;
const DT_NEEDED = 1;

function sections(buf: Buffer, what: string): Section[] {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${what}: not an ELF file`);
  if (buf[4] !== 2 || buf[5] !== 1) throw new Error(`${what}: not a little-endian ELF64 file`);
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  const shstrndx = buf.readUInt16LE(0x3e);
  if (shoff === 0 || shoff + shnum * shentsize > buf.length) throw new Error(`${what}: no section headers`);
  const raw = Array.from({ length: shnum }, (_, i) => {
    const at = shoff + i * shentsize;
    return {
      nameOff: buf.readUInt32LE(at),
      type: buf.readUInt32LE(at + 4),
      offset: Number(buf.readBigUInt64LE(at + 0x18)),
      size: Number(buf.readBigUInt64LE(at + 0x20)),
      link: buf.readUInt32LE(at + 0x28),
    };
  });
  const strtab = raw[shstrndx];
  return raw.map((s) => ({ ...s, name: cString(buf, strtab.offset + s.nameOff) }));
}

function cString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('latin1', at, end < 0 ? buf.length : end);
}

/** The sonames a dynamically linked program or library needs, in link order. */
export function neededLibraries(buf: Buffer, what = 'ELF file'): string[] {
  const all = sections(buf, what);
  const dyn = all.find((s) => s.type === SHT_DYNAMIC);
  if (!dyn) return []; // statically linked
  const strtab = all[dyn.link];
  const out: string[] = [];
  for (let at = dyn.offset; at + 16 <= dyn.offset + dyn.size; at += 16) {
    const tag = buf.readBigInt64LE(at);
    if (tag === 0n) break;
    if (tag === BigInt(DT_NEEDED)) out.push(cString(buf, strtab.offset + Number(buf.readBigUInt64LE(at + 8))));
  }
  return out;
}

/** A kernel module's .modinfo as key -> values (a key such as `alias` repeats). */
export function modinfo(buf: Buffer, what = 'module'): Map<string, string[]> {
  const sec = sections(buf, what).find((s) => s.name === '.modinfo');
  if (!sec) throw new Error(`${what}: no .modinfo section (not a kernel module?)`);
  const info = new Map<string, string[]>();
  for (const entry of buf.toString('latin1', sec.offset, sec.offset + sec.size).split('\0')) {
    const eq = entry.indexOf('=');
    if (eq <= 0) continue;
    const key = entry.slice(0, eq);
    info.set(key, [...(info.get(key) ?? []), entry.slice(eq + 1)]);
  }
  return info;
}

/** Module names as the kernel knows them: file names may use `-` where the name has `_` (virtio-rng.ko). */
export function moduleName(fileOrName: string): string {
  return fileOrName
    .replace(/^.*\//, '')
    .replace(/\.ko(\.(xz|zst|gz))?$/, '')
    .replace(/-/g, '_');
}

/** The modules `module` needs loaded first (`depends=`), as module names. */
export function moduleDepends(buf: Buffer, what = 'module'): string[] {
  const dep = modinfo(buf, what).get('depends')?.[0] ?? '';
  return dep.split(',').filter(Boolean).map(moduleName);
}
