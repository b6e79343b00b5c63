// Where dpkg's time goes, read from its own log and from bench/fresh-install.ts's py3compile shim (pure parsers:
// bench/fresh-install.ts --py3compile prints them).

/** py3compile's runs from the shim's log: total, count, and ms per package (`-p PACKAGE`, else the arguments). */
export function py3compileRuns(log: string): { ms: number; runs: number; byPackage: Map<string, number> } {
  const byPackage = new Map<string, number>();
  let ms = 0;
  let runs = 0;
  for (const line of log.split('\n')) {
    const m = /^(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const pkg = /(?:^|\s)-p\s+(\S+)/.exec(m[2])?.[1] ?? m[2];
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + Number(m[1]));
    ms += Number(m[1]);
    runs++;
  }
  return { ms, runs, byPackage };
}

/**
 * The unpack and configure passes of one dpkg run (apt's), from its dpkg.log lines (`YYYY-MM-DD HH:MM:SS action
 * package ...`; an unpack is logged as `install` or `upgrade`). apt configures a few packages while it still
 * unpacks, so the unpack pass runs from the first unpack to the last, the configure pass from there to the last
 * line. Each configure (`trigproc`: a package's triggers, as `package (triggers)`) lasts up to the next line that
 * starts something else (any but `status` and `conffile`), so early configures are not charged with the unpacks
 * after them. Seconds, as dpkg logs them.
 */
export function dpkgPasses(log: string): {
  unpackMs: number;
  configureMs: number;
  configured: number;
  configures: Map<string, number>;
} {
  const lines = [...log.matchAll(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (\S+) (\S+)/gm)].map((m) => ({
    t: Date.parse(`${m[1].replace(' ', 'T')}Z`),
    action: m[2],
    pkg: m[3],
  }));
  const unpacks = lines.filter((l) => l.action === 'install' || l.action === 'upgrade');
  const last = lines.at(-1)?.t ?? 0;
  const configures = new Map<string, number>();
  for (const [i, c] of lines.entries()) {
    if (c.action !== 'configure' && c.action !== 'trigproc') continue;
    const next = lines.slice(i + 1).find((l) => l.action !== 'status' && l.action !== 'conffile');
    const name = c.action === 'trigproc' ? `${c.pkg} (triggers)` : c.pkg;
    configures.set(name, (configures.get(name) ?? 0) + (next?.t ?? last) - c.t);
  }
  const lastUnpack = unpacks.at(-1)?.t;
  return {
    unpackMs: lastUnpack !== undefined ? lastUnpack - unpacks[0].t : 0,
    configureMs: lastUnpack !== undefined ? last - lastUnpack : 0,
    configured: lines.filter((l) => l.action === 'configure').length,
    configures,
  };
}
