// --help texts. Static on purpose: help must not load the commands (blessed,
// listr2). The settings reference is generated from the settings table.

import { describeDefault } from '../config/settings.ts';
import type { SettingsCatalog } from '../types/config.ts';
import type { ServiceModule } from '../types/stack.ts';
import { stackCatalog } from './catalog.ts';
import { SERVICE_MODULES } from '../services/registry.ts';

interface CommandHelp {
  name: string;
  usage: string;
  summary: string;
  options?: [string, string][];
}

const CONFIG_OPTION: [string, string] = ['--config PATH', 'read PATH instead of local.conf beside stack.ts'];

export const STACK_COMMANDS: readonly CommandHelp[] = [
  {
    name: 'up',
    usage: './stack.ts [up] [--config PATH] [--dry-run] [--force] [--no-tui]',
    summary: 'bring up (or resume) the stack described by local.conf (the default command)',
    options: [
      CONFIG_OPTION,
      ['--dry-run', 'print the plan and the phases that would run; change nothing'],
      ['--force', 'redo every step, also those finished by an earlier run'],
      ['--no-tui', 'do not open the pane view at the end'],
    ],
  },
  {
    name: 'config',
    usage: './stack.ts config [--config PATH]',
    summary: 'print every resolved setting (secrets masked) with its origin, unknown variables, and meta-sections',
    options: [CONFIG_OPTION],
  },
  { name: 'status', usage: './stack.ts status', summary: 'list the panes: state, pid, uptime, port, memory' },
  { name: 'restart', usage: './stack.ts restart NAME|GLOB...', summary: "restart panes, e.g. 'n-*' or q-svc" },
  { name: 'stop', usage: './stack.ts stop NAME...', summary: 'stop panes (SIGTERM to the group, then SIGKILL)' },
  { name: 'start', usage: './stack.ts start NAME...', summary: 'start stopped panes again' },
  {
    name: 'logs',
    usage: './stack.ts logs NAME [-f] [-n N]',
    summary: "print a pane's log",
    options: [
      ['-f, --follow', 'keep printing new lines'],
      ['-n, --lines N', 'print the last N lines'],
    ],
  },
  {
    name: 'trace',
    usage: './stack.ts trace REQ-ID',
    summary: 'follow one request across panes: the lines of its id and global request id, in time order',
  },
  { name: 'attach', usage: './stack.ts attach', summary: 'open the pane view (TUI) of the running stack' },
  {
    name: 'tempest',
    usage: './stack.ts tempest [--smoke | --regex R | --list] [-- tempest run args]',
    summary: 'run tempest (enable_service tempest) in $DEST/tempest; failures and pass/fail/skip totals at the end',
    options: [
      ['--smoke', "tempest's smoke set"],
      ['--regex R', 'the tests whose id matches R (e.g. tempest.api.identity)'],
      ['--list', 'list the tests that would run'],
    ],
  },
  {
    name: 'tools',
    usage: './stack.ts tools make-local-remotes DIR [PROJECT...]',
    summary:
      'build git remotes under DIR from the code Debian installed (keystone glance placement nova neutron ' +
      'cinder horizon oslo.config); prints the GIT_BASE for INSTALL_METHOD=source offline',
  },
];

function columns(rows: [string, string][], indent = '  '): string {
  const w = Math.max(...rows.map(([a]) => a.length));
  return rows.map(([a, b]) => `${indent}${a.padEnd(w)}  ${b}`).join('\n');
}

/** The settings reference as plain text, grouped as in the catalog. */
export function settingsReferenceText(catalog: SettingsCatalog): string {
  const out: string[] = [];
  for (const group of catalog.groups) {
    const rows = catalog.settings.filter((s) => s.group === group);
    if (rows.length === 0) continue;
    out.push(`  ${group}:`);
    for (const s of rows) {
      const def = describeDefault(s);
      out.push(`    ${s.name}${def ? ` (default: ${def})` : ''}`, `        ${s.description}`);
    }
  }
  return out.join('\n');
}

/** The short names ENABLED_SERVICES takes, per module, then devstack's that tstack only recognises. */
export function serviceNamesText(catalog: SettingsCatalog, modules: readonly ServiceModule[]): string {
  const rows: [string, string][] = modules.map((m) => [m.name, m.shortNames.join(' ')]);
  const ignored = catalog.serviceNames.filter((n) => !n.implemented).map((n) => n.name);
  return [columns(rows, '  '), ...wrap(`not implemented (accepted, ignored): ${ignored.join(' ')}`, 96, '  ')].join(
    '\n',
  );
}

/** Words of `text` in lines of at most `width` characters, each indented. */
function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

export function stackHelp(command?: string, modules?: readonly ServiceModule[]): string {
  const c = command ? STACK_COMMANDS.find((x) => x.name === command) : undefined;
  if (c) {
    return [
      `Usage: ${c.usage}`,
      '',
      `${c.summary}.`,
      ...(c.options ? ['', 'Options:', columns(c.options)] : []),
      '',
    ].join('\n');
  }
  const registered = modules ?? SERVICE_MODULES;
  const catalog = stackCatalog(registered);
  return [
    'Usage: ./stack.ts [command] [options]',
    '',
    'tstack: devstack rebuilt in TypeScript. Reads local.conf (devstack format), installs and',
    'configures a single-host OpenStack, runs every service in a named pane.',
    '',
    'Commands:',
    columns(STACK_COMMANDS.map((x) => [x.usage.replace('./stack.ts ', ''), x.summary])),
    '',
    'Options:',
    columns([
      ...(STACK_COMMANDS[0].options ?? []),
      ['-h, --help', 'this text; `./stack.ts COMMAND --help` for one command'],
    ]),
    '',
    'Environment: CI=true (or no TTY) means no prompts, no TUI, plain progress lines.',
    'Missing passwords are then generated and saved to .localrc.password beside local.conf.',
    '',
    'Services (short names for ENABLED_SERVICES, enable_service, disable_service), by module:',
    serviceNamesText(catalog, registered),
    '',
    'Settings (set them in [[local|localrc]] of local.conf or in the environment; local.conf wins):',
    settingsReferenceText(catalog),
    '',
  ].join('\n');
}

export function unstackHelp(): string {
  return [
    'Usage: ./unstack.ts [-a|--all] [--clean] [--config PATH]',
    '',
    'Stop the panes of the stack (in reverse start order). mysql and rabbit keep running',
    'unless -a is given, as in devstack.',
    '',
    'Options:',
    columns([
      ['-a, --all', 'also stop mysql and rabbit (UNSTACK_ALL=True does the same)'],
      ['--clean', 'also remove what the stack made: databases, configs, data and state'],
      CONFIG_OPTION,
      ['-h, --help', 'this text'],
    ]),
    '',
  ].join('\n');
}
