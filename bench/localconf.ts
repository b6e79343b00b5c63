// How long local.conf takes to read, for issue 14's "linear time: 200,000 lines in under 5 s": parse + resolve
// of generated files of 50k, 100k and 200k lines (assignments, enable_service with distinct names, ENABLED_SERVICES+=,
// comments, quoted multi-line values, post-config options), 10,000 distinct enable_service lines, one statement
// over 200,000 lines (a quoted value; backslash continuations), and the 20,000-deep ${A:-...} nesting (a
// ConfigError). Prints figures; asserts nothing (run: npm run bench:localconf).

import { performance } from 'node:perf_hooks';
import { parseLocalConf } from '../lib/config/localconf.ts';
import { resolveConfig } from '../lib/config/resolve.ts';
import { stackCatalog } from '../lib/cli/catalog.ts';
import type { HostFacts } from '../lib/types/config.ts';

const host: HostFacts = {
  defaultRouteInterface: () => 'eth0',
  ipv4Addresses: () => ['192.0.2.2'],
  cpuCount: () => 2,
  machine: () => 'x86_64',
};
const catalog = stackCatalog();

function mixed(lines: number): string {
  const out = ['[[local|localrc]]', 'ADMIN_PASSWORD=secret', 'enable_plugin bench https://example.org/bench'];
  const body = Math.floor(lines * 0.8);
  for (let i = 0; out.length < body; i++) {
    switch (i % 8) {
      case 0:
        out.push(`BENCH_VAR_${i}="\${ADMIN_PASSWORD:-x}-${i}"`);
        break;
      case 1:
        out.push(`enable_service bench-svc-${i}`);
        break;
      case 2:
        out.push(`ENABLED_SERVICES+=,bench-more-${i}`);
        break;
      case 3:
        out.push(`# comment ${i}`);
        break;
      case 4:
        out.push(`BENCH_LIST_${i}="a`, 'b"');
        break;
      case 5:
        out.push(`export BENCH_E_${i}=$BENCH_VAR_${i - 5}`);
        break;
      case 6:
        out.push(`disable_service bench-svc-${i - 5}`);
        break;
      default:
        out.push('');
    }
  }
  out.push('[[post-config|$NOVA_CONF]]', '[DEFAULT]');
  for (let i = 0; out.length < lines; i++) out.push(`opt_${i} = $HOST_IP:${i}`);
  return out.join('\n');
}

function time(label: string, text: string): void {
  const start = performance.now();
  let result = 'resolved';
  try {
    resolveConfig({
      localConf: parseLocalConf(text, 'bench.conf'),
      env: {},
      host,
      savedPasswords: {},
      catalog,
    });
  } catch (e) {
    result = `${(e as Error).name}: ${(e as Error).message.slice(0, 60)}`;
  }
  const ms = performance.now() - start;
  const lines = text.split('\n').length;
  console.log(
    `${label.padEnd(40)} ${String(lines).padStart(7)} lines  ${ms.toFixed(0).padStart(6)} ms  ` +
      `${((ms * 1000) / lines).toFixed(1).padStart(6)} us/line  ${result}`,
  );
}

time('warm-up', mixed(5_000));
for (const n of [50_000, 100_000, 200_000]) time(`mixed ${n}`, mixed(n));
const distinct = Array.from({ length: 10_000 }, (_, i) => `enable_service svc-${i}`);
time('10,000 distinct enable_service', ['[[local|localrc]]', 'enable_plugin svc x', ...distinct].join('\n'));
time('one quoted value over 200,000 lines', `[[local|localrc]]\nX="a\n${'line\n'.repeat(200_000)}"`);
time(
  'one statement, 200,000 continued lines',
  `[[local|localrc]]\nenable_plugin b x\nenable_service b-0 \\\n${'b-1 \\\n'.repeat(200_000)}b-2`,
);
time('${A:-...} nested 20,000 deep', `[[local|localrc]]\nX=${'${A:-'.repeat(20_000)}v${'}'.repeat(20_000)}`);
