import { describe, expect, it } from 'vitest';
import { checkLayers, findCycles, type ImportEdge, importsOf } from '../../tools/layers.ts';

const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({ from, to, line: 1, typeOnly });

describe('importsOf', () => {
  it('reads static, type-only, re-exported and dynamic imports, resolved from the file', () => {
    const text = [
      `import { a } from '../util/a.ts';`,
      `import type { B } from '../types/b.ts';`,
      `import { type C, type D } from '../types/c.ts';`,
      `import { type E, f } from './e.ts';`,
      `export { g } from './g.ts';`,
      `import blessed from 'blessed';`,
      `// import { x } from '../cli/x.ts';`,
      `const s = "import { y } from '../cli/y.ts'";`,
      `export async function h() { return import('../ui/index.ts'); }`,
    ].join('\n');
    expect(importsOf('lib/plan/p.ts', text)).toEqual([
      { from: 'lib/plan/p.ts', to: 'lib/util/a.ts', line: 1, typeOnly: false },
      { from: 'lib/plan/p.ts', to: 'lib/types/b.ts', line: 2, typeOnly: true },
      { from: 'lib/plan/p.ts', to: 'lib/types/c.ts', line: 3, typeOnly: true },
      { from: 'lib/plan/p.ts', to: 'lib/plan/e.ts', line: 4, typeOnly: false },
      { from: 'lib/plan/p.ts', to: 'lib/plan/g.ts', line: 5, typeOnly: false },
      { from: 'lib/plan/p.ts', to: 'lib/ui/index.ts', line: 9, typeOnly: false },
    ]);
  });
});

describe('checkLayers', () => {
  it('accepts imports from the same folder and from lower layers', () => {
    expect(checkLayers([edge('lib/cli/a.ts', 'lib/types/b.ts'), edge('lib/plan/a.ts', 'lib/plan/b.ts')])).toEqual([]);
  });

  it('fails on an import from a lower layer to a higher one', () => {
    expect(checkLayers([edge('lib/config/settings.ts', 'lib/services/nova.ts')])).toEqual([
      'lib/config/settings.ts:1: lib/config imports lib/services/nova.ts, but services is a higher layer than config',
    ]);
    // A type-only import counts too: the layer rule is about what a folder knows.
    expect(checkLayers([edge('lib/proc/a.ts', 'lib/ui/model.ts', true)])).toHaveLength(1);
  });

  it('fails on a cycle, also inside one folder and through type-only imports', () => {
    const problems = checkLayers([
      edge('lib/services/a.ts', 'lib/services/b.ts'),
      edge('lib/services/b.ts', 'lib/services/c.ts', true),
      edge('lib/services/c.ts', 'lib/services/a.ts'),
    ]);
    expect(problems).toEqual(['import cycle: lib/services/a.ts -> lib/services/b.ts -> lib/services/c.ts']);
  });

  it('fails on a value import in lib/types and on a folder missing from the layer list', () => {
    expect(checkLayers([edge('lib/types/a.ts', 'lib/types/b.ts')])).toEqual([
      'lib/types/a.ts:1: lib/types imports lib/types/b.ts as a value; the shared types import only types',
    ]);
    expect(checkLayers([edge('lib/extra/a.ts', 'lib/util/b.ts')])).toEqual([
      'lib/extra/a.ts:1: lib/extra is not in the layer list (tools/layers.ts LAYERS)',
    ]);
  });

  it('finds every cycle once', () => {
    expect(findCycles([edge('a', 'b'), edge('b', 'a'), edge('c', 'c'), edge('d', 'a')])).toEqual([['a', 'b'], ['c']]);
  });
});
