// How far beyond smoke the stack gets: tempest's API tests of identity,
// image, network, compute and volume (and what the enabled plugins add under
// those names), run once through `./stack.ts tempest --regex`, then the
// totals per area and overall, and the time.
//
//   npm run bench:tempest [-- --areas identity,image] [-- --concurrency N]
//
// Needs a stack that is up with `enable_service tempest`. The run is kept in
// $DEST/tempest like any other (stestr last there shows it again).

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { TOP_DIR } from '../lib/util/paths.ts';
import { formatTotals, ResultReader, totals, totalsByArea } from '../lib/services/tempest/results.ts';

const AREAS = ['identity', 'image', 'network', 'compute', 'volume'];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const areas = (arg('areas') ?? AREAS.join(',')).split(',').filter(Boolean);
  const regex = `^tempest\\.api\\.(${areas.join('|')})\\.`;
  const extra = arg('concurrency') ? ['--', '--concurrency', arg('concurrency')!] : [];
  const reader = new ResultReader();
  const t0 = Date.now();
  const code = await new Promise<number>((resolve) => {
    const child = spawn(join(TOP_DIR, 'stack.ts'), ['tempest', '--regex', regex, ...extra], {
      cwd: TOP_DIR,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let partial = '';
    child.stdout.on('data', (d: Buffer) => {
      const parts = (partial + d.toString()).split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) {
        const t = reader.push(l);
        if (t) process.stdout.write(`${t.status === 'pass' ? '.' : t.status === 'skip' ? 's' : 'F'}`);
      }
    });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  const seconds = (Date.now() - t0) / 1000;
  const { tests, failures } = reader.results();
  const rows = [...totalsByArea(tests).entries()];
  const width = Math.max(10, ...rows.map(([a]) => a.length));
  console.log(`\n\ntempest ${regex} (exit ${code}), ${seconds.toFixed(0)} s`);
  console.log(`${'area'.padEnd(width)}  passed  failed  skipped`);
  for (const [area, t] of rows)
    console.log(
      `${area.padEnd(width)}  ${String(t.passed).padStart(6)}  ${String(t.failed).padStart(6)}  ` +
        String(t.skipped).padStart(7),
    );
  console.log(`total: ${formatTotals(totals(tests))}`);
  if (failures.length) console.log(`failed tests:\n${failures.map((f) => `  ${f.id}`).join('\n')}`);
}

await main();
