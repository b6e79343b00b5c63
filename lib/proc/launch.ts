// How a pane's command line is wrapped before it is spawned (pure).
//
// The group leader is a small /bin/sh that runs the real command as its
// child and, when the command exits on its own (not because we stopped the
// pane), writes `<status> <time>` to panes/<pane>.exit. So a crash is recorded
// with its exit code even though no tstack process stays alive to wait() for
// it. sh rather than node: it costs well under a megabyte per pane.

import { asUser } from '../system/exec.ts';
import type { ProcessSpec } from '../types/process.ts';

/**
 * The wrapper. `trap` catches TERM/INT/HUP so a stop does not count as a
 * crash; a caught signal is reset to the default in the child on exec, so the
 * command still dies of SIGTERM normally. The command runs in the foreground
 * (not `&`): a non-interactive sh would make a background job ignore SIGINT.
 */
export const WRAPPER_SCRIPT = [
  'exitfile=$1; shift',
  "trap 'stopped=1' TERM INT HUP",
  '"$@"',
  'status=$?',
  'if [ -z "$stopped" ]; then',
  '  printf \'%s %s\\n\' "$status" "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" > "$exitfile.tmp" && mv -f "$exitfile.tmp" ' +
    '"$exitfile"',
  'fi',
  'exit $status',
].join('\n');

/** Environment variable every process of a pane inherits; finds daemons that left the group. */
export const PANE_MARKER_VAR = 'TSTACK_PANE';

/** Unique per state dir, pane and start, so two stacks (or two test runs) never touch each other's processes. */
export function paneMarker(stateDir: string, name: string, startedAt: string): string {
  return `${stateDir}/panes/${name}@${startedAt}`;
}

/** The pane a marker names (see paneMarker), undefined for anything else. */
export function paneOfMarker(marker: string): string | undefined {
  const m = /\/panes\/([^/@]+)@[^/@]+$/.exec(marker);
  return m?.[1];
}

/** argv0 shown by sh in its own error messages (`tstack:n-api: 1: /usr/bin/x: not found`). */
export function wrapperName(name: string): string {
  return `tstack:${name}`;
}

/**
 * Run the rest of argv with the process marked for same-page merging (PR_SET_MEMORY_MERGE = 67, Linux 6.4; kept
 * across fork and, since 6.7, exec). python because node has no prctl and /usr/bin/python3 is on every host
 * that runs OpenStack; it execs away at once. A kernel without it (EINVAL) runs the command unmarked.
 */
export const MEMORY_MERGE_ARGV: readonly string[] = [
  '/usr/bin/python3',
  '-c',
  'import ctypes, os, sys; ctypes.CDLL(None).prctl(67, 1, 0, 0, 0); os.execvp(sys.argv[1], sys.argv[1:])',
];

export function launchArgv(spec: ProcessSpec, exitFile: string): string[] {
  // inside the wrapper, so the group leader stays the sh that isWrapperCmdline knows
  const merge = spec.memoryMerge ? MEMORY_MERGE_ARGV : [];
  return ['/bin/sh', '-c', WRAPPER_SCRIPT, wrapperName(spec.name), exitFile, ...merge, ...asUser(spec.argv, spec.user)];
}

/** True when a process's cmdline is this pane's wrapper (guards against pid reuse). */
export function isWrapperCmdline(cmdline: string[], name: string, exitFile: string): boolean {
  return cmdline[0] === '/bin/sh' && cmdline[1] === '-c' && cmdline[3] === wrapperName(name) && cmdline[4] === exitFile;
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Python's start-up for every pane (other programs ignore these), chosen for memory: what each python service
 * imports that it never uses. Measured with the services' own imports on Debian 12: 6 MiB less per process each,
 * and about 30 MiB less for oslo.privsep's daemon (bench/stack.ts prints each pane's USS).
 */
export const PANE_PYTHON_ENV: Readonly<Record<string, string>> = {
  // eventlet's green resolver loads dnspython twice (a monkey-patched copy), and dnspython loads httpx with its
  // CLI (rich, pygments, click). Every name a pane resolves is an address or in /etc/hosts, which the C resolver
  // answers at once; cinder sets this for its own processes (cinder/__init__.py).
  EVENTLET_NO_GREENDNS: 'yes',
  // setuptools' distutils shim loads pkg_resources (an index of every installed distribution) when eventlet
  // imports distutils.version; python 3.11's own distutils serves eventlet the same.
  SETUPTOOLS_USE_DISTUTILS: 'stdlib',
};

/**
 * A pane's environment is built from scratch, not inherited from whichever
 * terminal ran `./stack.ts` or `restart`: the same pane gets the same
 * environment on every (re)start. PYTHONUNBUFFERED because python buffers
 * stdout when it is a file, which would delay log lines, log probes and the TUI.
 */
export function paneEnv(spec: ProcessSpec, marker: string, home: string): Record<string, string> {
  const user = spec.user ?? 'root';
  return {
    PATH: DEFAULT_PATH,
    LANG: 'C.UTF-8',
    HOME: home,
    USER: user,
    LOGNAME: user,
    PYTHONUNBUFFERED: '1',
    ...PANE_PYTHON_ENV,
    ...spec.env,
    [PANE_MARKER_VAR]: marker,
  };
}

/** Stable comparison of two specs (key order does not matter), for "already running with this spec". */
export function sameSpec(a: ProcessSpec, b: ProcessSpec): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
