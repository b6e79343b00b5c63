// What a pane is: the plan produces ProcessSpecs, the supervisor runs them and
// records ProcessState in the state directory; the TUI and CLI read that state.

/** How to tell that a process is ready to serve. */
export type Probe =
  /** An HTTP GET; ready when the status is in `expectStatus` (default: any status below 500 other than 503). */
  | { kind: 'http'; url: string; expectStatus?: number[] }
  /** A TCP connect succeeds. */
  | { kind: 'tcp'; host: string; port: number }
  /** A command exits 0 (e.g. `mysqladmin ping`, `rabbitmqctl await_startup`). */
  | { kind: 'command'; argv: string[]; user?: string }
  /** A line matching the regular expression appears in the pane's log after start. */
  | { kind: 'log'; pattern: string };

/** One named pane: a long-running process of the stack. */
export interface ProcessSpec {
  /** Pane name, devstack's short name: `key`, `n-api`, `q-svc`, `mysql`... */
  name: string;
  /** TUI grouping: infra, keystone, glance, placement, nova, neutron, cinder, horizon. */
  project: string;
  /** The command; argv[0] is an absolute path. */
  argv: string[];
  env?: Record<string, string>;
  /** Run as this user (setpriv --reuid/--regid --init-groups); root when unset. */
  user?: string;
  cwd?: string;
  probe?: Probe;
  /** Seconds to wait for the probe (default: SERVICE_TIMEOUT). */
  readyTimeoutSec?: number;
  /**
   * Panes that must be ready before this one starts (start order only; restarts do not cascade).
   * An entry containing ':' names a start-phase step instead (`keystone:bootstrap`, `nova:db-sync`).
   */
  after?: string[];
  /** Main listening port, shown by `status`. */
  port?: number;
  /** Where the code comes from, shown in the plan and summary. */
  codeFrom?: 'checkout' | 'package';
  /** Grace period between SIGTERM and SIGKILL on stop (default 10 s). */
  stopGraceSec?: number;
  /**
   * Digest of the config files the pane reads, as they were when it started. A
   * running pane is restarted when it differs, so a re-run with a new password
   * or a changed post-config block reaches the process, not only its files.
   */
  configDigest?: string;
  /**
   * The checkouts the pane's code comes from (source method: its project's
   * checkout and the LIBS_FROM_GIT libraries). The supervisor records their
   * state at each start and restarts a running pane whose code moved on, so
   * a re-run after RECLONE or a branch change restarts each pane once.
   */
  codeDirs?: string[];
  /**
   * Mark every process of the pane for kernel same-page merging (prctl PR_SET_MEMORY_MERGE before exec; forks
   * and execs inherit it): ENABLE_KSM, set on every pane by the plan.
   */
  memoryMerge?: boolean;
}

export type PaneState = 'starting' | 'ready' | 'running' | 'crashed' | 'stopped';

/** What the state directory records for a pane (one JSON file per pane). */
export interface ProcessRecord {
  spec: ProcessSpec;
  /** The full argv actually executed (wrapper included), for debugging. */
  launchArgv: string[];
  pid: number;
  pgid: number;
  startedAt: string; // ISO time
  logFile: string;
  /** Size of the log when this start began: log probes and "lines since start" read from here. */
  logOffset?: number;
  /** Order of start, so unstack stops in reverse. */
  seq: number;
  /** Set when the supervisor saw readiness. */
  readyAt?: string;
  /** The state of spec.codeDirs when this start began (HEAD, uncommitted and untracked files). */
  codeDigest?: string;
  /**
   * Why this start replaced a running pane: its spec changed (command, config
   * files) or the code in its checkouts did. Unset for a first start or a restart asked for by name.
   */
  restartedFor?: 'spec' | 'code';
  /** Set by `stop`; distinguishes stopped from crashed. */
  stoppedAt?: string;
  /** Set when the process exited on its own. */
  exit?: { code: number | null; signal?: string | null; at: string };
}

/** A live view of one pane, as `status` prints it. */
export interface PaneStatus {
  name: string;
  project: string;
  state: PaneState;
  pid?: number;
  uptimeSec?: number;
  ready: boolean;
  rssBytes?: number;
  port?: number;
  exit?: ProcessRecord['exit'];
}
