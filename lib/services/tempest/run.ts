// The `tempest run` command line for `./stack.ts tempest` and bench/tempest.ts.

export interface TempestRunOptions {
  config: string;
  smoke?: boolean;
  regex?: string;
  list?: boolean;
  concurrency: number;
  /** Passed through after ours (`./stack.ts tempest -- --exclude-regex X`). */
  extra?: readonly string[];
}

export const TEMPEST_BIN = '/usr/bin/tempest';

/** TEMPEST_CONCURRENCY, or one worker per CPU when it is 0 (devstack: nproc). */
export function concurrency(setting: number, cpus: number): number {
  return setting > 0 ? setting : Math.max(1, cpus);
}

export function tempestRunArgv(o: TempestRunOptions): string[] {
  const argv = [TEMPEST_BIN, 'run', '--config-file', o.config];
  if (o.smoke) argv.push('--smoke');
  if (o.regex !== undefined) argv.push('--regex', o.regex);
  if (o.list) argv.push('--list-tests');
  else argv.push('--concurrency', String(o.concurrency));
  return [...argv, ...(o.extra ?? [])];
}
