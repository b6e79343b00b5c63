// The layer rule, checked over the import graph of lib/ (`npm run layers`,
// part of `npm test`). lib's folders stand in an order, low to high; a file
// may import its own folder and lower folders, never a higher one. No import
// cycle between files, type-only imports included. lib/types holds only the
// shared vocabulary: it imports nothing but itself, and that only as types.
//
// Imports are read with the TypeScript compiler's parser (static imports,
// re-exports and dynamic `import('...')`), so comments and strings that look
// like imports do not count.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** lib's folders, low to high. Why this order: ARCHITECTURE.md, "Layers". */
export const LAYERS: readonly string[] = [
  'types',
  'util',
  'config',
  'system',
  'image', // the test image: builds with a Shell; seed and services (libvirt's probe) use it
  'proc',
  'openstack',
  'source',
  'services',
  'seed',
  'plan',
  'phases',
  'ui',
  'cli',
];

export interface ImportEdge {
  /** Importing file, relative to the repository (`lib/plan/plan.ts`). */
  from: string;
  /** Imported file, relative to the repository. */
  to: string;
  line: number;
  /** `import type`, or every name imported with `type`: erased when compiled. */
  typeOnly: boolean;
}

/** The relative imports of one file (packages and node: modules are not ours to order). */
export function importsOf(file: string, text: string): ImportEdge[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const edges: ImportEdge[] = [];
  const add = (spec: ts.Expression, node: ts.Node, typeOnly: boolean) => {
    if (!ts.isStringLiteral(spec) || !spec.text.startsWith('.')) return;
    const to = posix.normalize(posix.join(posix.dirname(file), spec.text));
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    edges.push({ from: file, to, line, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allNamedTypes =
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly) &&
        clause?.name === undefined;
      add(node.moduleSpecifier, node, Boolean(clause?.isTypeOnly) || allNamedTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node.moduleSpecifier, node, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      if (node.arguments[0]) add(node.arguments[0], node, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return edges;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return tsFiles(path);
      return path.endsWith('.ts') ? [path] : [];
    });
}

/** Every import edge of the `.ts` files under `root/lib`. */
export function scanLib(root: string): ImportEdge[] {
  return tsFiles(join(root, 'lib')).flatMap((path) => {
    const file = relative(root, path).split('\\').join('/');
    return importsOf(file, readFileSync(path, 'utf8'));
  });
}

/** `lib/<folder>/...` -> folder; a file directly in lib/ has none. */
function folderOf(file: string): string | undefined {
  const parts = file.split('/');
  return parts[0] === 'lib' && parts.length > 2 ? parts[1] : undefined;
}

/** Cycles among files (Tarjan's strongly connected components of more than one file, or a file importing itself). */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    if (!next.has(e.to)) next.set(e.to, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let counter = 0;
  const connect = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || next.get(v)!.includes(v)) cycles.push(component.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) connect(v);
  return cycles;
}

/** Everything wrong with these edges, one message each; empty when the rule holds. */
export function checkLayers(edges: readonly ImportEdge[], layers: readonly string[] = LAYERS): string[] {
  const problems: string[] = [];
  const rank = (folder: string) => layers.indexOf(folder);
  for (const e of edges) {
    const from = folderOf(e.from);
    const to = folderOf(e.to);
    const where = `${e.from}:${e.line}`;
    if (from === undefined || to === undefined) {
      problems.push(`${where}: ${e.to}: every lib file belongs to a folder (a layer)`);
      continue;
    }
    for (const f of [from, to]) {
      if (rank(f) < 0) problems.push(`${where}: lib/${f} is not in the layer list (tools/layers.ts LAYERS)`);
    }
    if (rank(from) < 0 || rank(to) < 0) continue;
    if (rank(to) > rank(from)) {
      problems.push(`${where}: lib/${from} imports ${e.to}, but ${to} is a higher layer than ${from}`);
    }
    if (from === 'types' && !e.typeOnly) {
      problems.push(`${where}: lib/types imports ${e.to} as a value; the shared types import only types`);
    }
  }
  for (const cycle of findCycles(edges)) problems.push(`import cycle: ${cycle.join(' -> ')}`);
  return [...new Set(problems)];
}

function main(): number {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const edges = scanLib(root);
  const problems = checkLayers(edges);
  for (const p of problems) process.stderr.write(`${p}\n`);
  const files = new Set(edges.map((e) => e.from)).size;
  if (problems.length > 0) {
    process.stderr.write(`layers: ${problems.length} problem(s) in ${files} files\n`);
    return 1;
  }
  process.stdout.write(`layers: ${edges.length} imports in ${files} files follow ${LAYERS.join(' < ')}; no cycles\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main();
