// The stack's vocabulary: a Plan of ServiceModules whose Steps run with a
// StackContext. The four refer to one another (a plan lists its modules, a
// module's hooks take the plan and return steps, a step's context holds the
// plan), so they share one file: split up, they would import each other.
//
// A ServiceModule is devstack's lib/<service> split (install -> configure ->
// init -> start -> stop -> cleanup) as typed hooks. Adding a service = one
// module in lib/services/ registered in registry.ts, plus its package list in
// files/debs/<module name>.

import type { ConfigContribution, StackConfig } from './config.ts';
import type { Logger } from './logger.ts';
import type { OpenStackClient } from './openstack.ts';
import type { MethodChoice, PlanDecision, PlanDirs } from './plan.ts';
import type { ProcessSpec } from './process.ts';
import type { CatalogEntry, RepoSpec } from './service.ts';
import type { Shell } from './shell.ts';
import type { NoteKind, PhaseName } from './step.ts';

/** The apt runs around the main one: see ServiceModule.installWave. */
export type InstallWave = 'early' | 'late';

/** The resolved plan: what will run, where, and how it is installed. Built by lib/plan/plan.ts; pure data. */
export interface Plan {
  config: StackConfig;
  /** Typed accessors over config.values. */
  get(name: string): string;
  bool(name: string): boolean;
  int(name: string): number;
  isEnabled(shortName: string): boolean;
  method: MethodChoice;
  /** Settings chosen from what the machine can do, with why. */
  decisions?: PlanDecision[];
  dirs: PlanDirs;
  /** Enabled service modules in dependency order (mysql, rabbit, memcached, keystone, ...). */
  services: ServiceModule[];
  /** Every pane in start order. */
  processes: ProcessSpec[];
  /** Source checkouts (empty for distro). */
  repos: RepoSpec[];
  /** Distro packages to install. */
  packages: string[];
  /**
   * The apt waves around the main one on a distro install (empty from source: every service's code comes after
   * the whole apt run). early: the modules that start while the main wave installs, with their packages and
   * every module's earlyPackages; late: the modules installed last, while the others start, with the packages
   * only they need.
   */
  waves: Record<InstallWave, { modules: string[]; packages: string[] }>;
}

/** Everything a hook may use. Side effects only through these objects. */
export interface StackContext {
  plan: Plan;
  sh: Shell;
  log: Logger;
  /** Write a whole file (mode/owner applied); returns true when the content changed. */
  writeFile(path: string, content: string, opts?: { mode?: number; owner?: string; group?: string }): Promise<boolean>;
  /** REST client with one reused admin token; available from the `init` phase on (after keystone is up). */
  openstack(): Promise<OpenStackClient>;
  /**
   * Record a result for the summary. `incomplete` means the stack lacks
   * something it should have (e.g. the image was not seeded): the summary
   * marks it and stack.ts exits with EXIT.partial (3).
   */
  note(kind: NoteKind, message: string): void;
  /** `--force` was given: redo everything, recreate nothing silently. */
  force: boolean;
  /**
   * A progress line of the running step (apt's packages done/total): the task's line under listr2 on a
   * TTY, a plain line at most every few seconds headless. The runner sets it per step.
   */
  progress?(line: string): void;
}

/** A unit of work for the phase runner. */
export interface Step {
  /** Unique id, `<service>:<what>`, e.g. `keystone:db-sync`. */
  id: string;
  title: string;
  /** Steps (ids) that must finish first: of the same phase, or of an earlier one that overlaps (overlapsUntil). */
  after?: string[];
  /**
   * The step runs on while the next phases run, up to this one: their steps do not wait for it unless they name it
   * in `after`, and this phase does not end before it has (the infrastructure starting while apt installs the rest).
   */
  overlapsUntil?: PhaseName;
  /**
   * Needs only packages of the early apt wave (its module's earlyPackages) and steps that start early: on a distro
   * install it moves into the install phase with the early modules' steps, and runs while the main wave installs
   * (nova's databases and their long sync).
   */
  earlyWave?: boolean;
  /**
   * How long the step takes on a first run on a 2-core VM, in seconds, when that is more than a second or two (a db
   * sync): only for the order in which waiting steps get a slot (the longest chain first), never a timeout.
   */
  expectSec?: number;
  /**
   * Inputs that make a finished step still valid. When set and equal to the
   * value recorded on the last successful run, the step is skipped on resume
   * (unless --force). When unset, the step always runs and must be idempotent.
   */
  fingerprint?: string;
  /**
   * What the step's result depends on, read from the machine when the step is due (package or checkout
   * version, config files, the schema version in the database): the step is skipped while this equals
   * the value recorded after its last successful run, and the value is recorded again after each run.
   * --force runs it anyway; undefined (cannot tell) runs it.
   */
  stamp?(ctx: StackContext): Promise<string | undefined>;
  run(ctx: StackContext): Promise<void>;
}

/**
 * Everything about one service. Besides its hooks, a module declares (through
 * ConfigContribution) its short names, settings rows, passwords and repos,
 * and its debconf answers: nothing outside the module names the service.
 */
export interface ServiceModule extends ConfigContribution {
  /** Module name: `mysql`, `rabbit`, `keystone`, `nova`, ... also the files/debs/<name> list. */
  name: string;
  /** TUI group. */
  project: string;
  /** The enabled-service short names this module owns (`n-api`, `n-cpu`, ...). */
  shortNames: readonly string[];
  /** Its panes when not named after its short names (libvirt: libvirtd, virtlogd); unstack has no plan to ask. */
  paneNames?: readonly string[];
  /**
   * Enabled without being listed in ENABLED_SERVICES, as devstack enables
   * libvirt for n-cpu with VIRT_DRIVER=libvirt. Sees only the settings and the
   * listed services (`plan.services` is not known yet).
   */
  impliedBy?(plan: Pick<Plan, 'config' | 'get' | 'isEnabled'>): boolean;
  /** Distro packages beyond files/debs/<name> that depend on the plan (python3-libvirt for VIRT_DRIVER=libvirt). */
  extraPackages?(plan: Plan): string[];
  /** debconf-set-selections lines for its packages (`nova-common nova/configure_db boolean false`). */
  debconf?: readonly string[];
  /** false: this module's packages are installed with --no-install-recommends. */
  installRecommends?: boolean;
  /**
   * Packages of its list that a step of its own needs before the others are installed (a step `after` the
   * early wave, EARLY_APT_STEP): installed by a first, small apt run, so that step overlaps the main one.
   */
  earlyPackages?(plan: Plan): string[];
  /**
   * Its apt wave on a distro install (the main one when unset). `early`: infrastructure every other service needs
   * first (devstack's order: databases, the message queue, memcached, keystone): its packages come in the first apt
   * run, and its configure, init and start steps run in the install phase, alongside the main wave (dpkg
   * configures on one core, the stack's start work takes the other); its steps may wait only for early ones.
   * `late`: needed by no other service (the dashboard): its packages install last, while the others' configure,
   * init and start steps run; its own wait for that wave.
   */
  installWave?: InstallWave;
  /** Per-phase steps. The `start` phase is generated from processes(); modules rarely add to it. */
  steps?(plan: Plan): Partial<Record<PhaseName, Step[]>>;
  /** The panes this module runs when enabled. */
  processes(plan: Plan): ProcessSpec[];
  /** Keystone service users and catalog entries. */
  catalog?(plan: Plan): CatalogEntry[];
  /**
   * After unstack stopped this module's panes: end what they left outside
   * their process groups and without the pane marker (daemons started through
   * sudo or that daemonise: neutron's dnsmasq and haproxy in namespaces,
   * RabbitMQ's epmd). Gets only a shell and a logger: unstack has no plan.
   */
  stop?(ctx: { sh: Shell; log: Logger }): Promise<void>;
  /** Teardown beyond stopping panes, for `unstack --clean`. */
  clean?(ctx: StackContext): Promise<void>;
  /** Config files this module writes (post-config targets, removed by --clean). */
  configFiles?(plan: Plan): string[];
}
