import { describe, expect, it } from 'vitest';
import type { MetaSection } from '../../../lib/types/config.ts';
import type { StackContext } from '../../../lib/types/stack.ts';
import { novaModule } from '../../../lib/services/nova.ts';
import { getOption, parseIni } from '../../../lib/util/ini.ts';
import { makePlan } from './fixture.ts';

const pos = { file: 'local.conf', line: 7 };

/** Runs a module's configure step and keeps what it wrote, without touching the system. */
async function configure(metaSections: MetaSection[]) {
  const plan = makePlan({}, { metaSections });
  const files = new Map<string, { content: string; mode?: number; group?: string }>();
  const ctx = {
    plan,
    force: false,
    log: { info() {}, warn() {}, debug() {} },
    sh: { run: async () => ({ code: 0, stdout: '', stderr: '' }) },
    writeFile: async (path: string, content: string, o?: { mode?: number; group?: string }) => {
      files.set(path, { content, ...o });
      return true;
    },
  } as unknown as StackContext;
  const step = novaModule.steps!(plan).configure![0];
  await step.run(ctx);
  return files;
}

describe('[[post-config|$NOVA_CONF]] merged into the file the module writes', () => {
  it('local.conf wins, adds keys, writes repeated keys as a multi-valued option; mode 0640 root:nova', async () => {
    const files = await configure([
      {
        phase: 'post-config',
        file: '/etc/nova/nova.conf',
        rawFile: '$NOVA_CONF',
        pos,
        sections: [
          { name: 'DEFAULT', options: [{ key: 'debug', values: ['False'], pos }] },
          {
            name: 'filter_scheduler',
            options: [{ key: 'enabled_filters', values: ['ComputeFilter', 'ImagePropertiesFilter'], pos }],
          },
        ],
      },
      // another phase's block for the same file is not merged now
      {
        phase: 'extra',
        file: '/etc/nova/nova.conf',
        rawFile: '$NOVA_CONF',
        pos,
        sections: [{ name: 'DEFAULT', options: [{ key: 'x', values: ['1'], pos }] }],
      },
    ]);
    const nova = files.get('/etc/nova/nova.conf')!;
    expect(nova.mode).toBe(0o640);
    expect(nova.group).toBe('nova');
    const doc = parseIni(nova.content);
    expect(getOption(doc, 'DEFAULT', 'debug')).toEqual(['False']);
    expect(getOption(doc, 'DEFAULT', 'my_ip')).toEqual(['192.0.2.2']);
    expect(getOption(doc, 'filter_scheduler', 'enabled_filters')).toEqual(['ComputeFilter', 'ImagePropertiesFilter']);
    expect(getOption(doc, 'DEFAULT', 'x')).toBeUndefined();
    // the compute config is a different file: untouched by nova.conf's block
    expect(
      getOption(parseIni(files.get('/etc/nova/nova-compute.conf')!.content), 'filter_scheduler', 'enabled_filters'),
    ).toBeUndefined();
  });
});
