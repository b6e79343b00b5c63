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
 * The unpack and configure passes from dpkg.log lines (`YYYY-MM-DD HH:MM:SS action package ...`; an unpack is
 * logged as `install` or `upgrade`): unpack from the first of those to the first `configure`, configure from there
 * to the last line; and each package's configure, up to the next one (its triggers too). Seconds, as dpkg logs them.
 */
export function dpkgPasses(log: string): {
  unpackMs: number;
  configureMs: number;
  configures: Map<string, number>;
} {
  const lines = [...log.matchAll(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (\S+) (\S+)/gm)].map((m) => ({
    t: Date.parse(`${m[1].replace(' ', 'T')}Z`),
    action: m[2],
    pkg: m[3],
  }));
  const unpack = lines.find((l) => l.action === 'install' || l.action === 'upgrade')?.t;
  const configs = lines.filter((l) => l.action === 'configure');
  const last = lines.at(-1)?.t;
  const configures = new Map<string, number>();
  for (const [i, c] of configs.entries()) configures.set(c.pkg, (configs[i + 1]?.t ?? last ?? c.t) - c.t);
  return {
    unpackMs: unpack !== undefined && configs.length ? configs[0].t - unpack : 0,
    configureMs: configs.length && last !== undefined ? last - configs[0].t : 0,
    configures,
  };
}
