// `./stack.ts` (the `up` command): config -> passwords -> plan -> phases -> summary -> TUI, one named
// step each; run() reads as that list.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command, ParsedArgs } from '../../types/command.ts';
import { checkFlags } from '../args.ts';
import { EXIT } from '../exit.ts';
import { isHeadless } from '../tty.ts';
import { loadConfig, withChosenValue } from '../../config/resolve.ts';
import { chooseLibvirtTypeFor } from '../../services/libvirt.ts';
import { suggestSetting } from '../../config/settings.ts';
import { askPasswords } from '../passwords.ts';
import { writeStackEnv } from '../../config/locate.ts';
import { chooseMethod, unusedSourceSettings } from '../../plan/method.ts';
import { systemProbes } from '../../system/host-probes.ts';
import { buildPlan, withoutRecommends } from '../../plan/plan.ts';
import { formatPlan } from '../../plan/format.ts';
import type { SourcePos, StackConfig } from '../../types/config.ts';
import type { Plan, ServiceModule } from '../../types/stack.ts';
import { stackCatalog } from '../catalog.ts';
import { buildPhases, formatPhases, type PhaseSources } from '../../phases/stack-phases.ts';
import { runPhases, formatTimings, InterruptedError, type RunReport } from '../../phases/runner.ts';
import { StepJournal } from '../../phases/journal.ts';
import { PlainReporter, type Reporter } from '../../phases/reporter.ts';
import { createContext, type Note } from '../../phases/context.ts';
import { formatSummary } from '../../phases/summary.ts';
import { SystemShell } from '../../system/exec.ts';
import { trapInterrupts } from '../interrupt.ts';
import { aptInstallSteps } from '../../system/apt.ts';
import { ksmStep } from '../../system/ksm.ts';
import { sudoEnvStep } from '../../system/sudo-env.ts';
import { PANE_PYTHON_ENV } from '../../proc/launch.ts';
import { mergeStep } from '../../phases/merge.ts';
import { hookSteps } from '../../phases/hooks.ts';
import { sourceSteps } from '../../source/index.ts';
import { catalogStep, seedSteps, openstackClient } from '../../seed/index.ts';
import { Supervisor } from '../../proc/supervisor.ts';
import { PlainLogger } from '../../util/logger.ts';
import { ExitError, UsageError } from '../../util/errors.ts';
import { TOP_DIR } from '../../util/paths.ts';
import { SystemHostFacts } from '../../system/host-facts.ts';

/** Everything a run needs besides the plan; production wiring lives here. */
function sources(plan: Plan, panes: PhaseSources['panes']): PhaseSources {
  return {
    install: [
      ...aptInstallSteps(plan, withoutRecommends(plan)),
      ...(plan.bool('ENABLE_KSM') ? [ksmStep(plan)] : []),
      sudoEnvStep(Object.keys(PANE_PYTHON_ENV)),
      ...(plan.method.method === 'source' ? sourceSteps(plan) : []),
    ],
    catalog: catalogStep(plan),
    seed: seedSteps(plan),
    merge: (phase) => mergeStep(plan, phase),
    hooks: hookSteps(plan),
    panes,
  };
}

/**
 * The plan, with the choices that probe the machine: the install method, and
 * LIBVIRT_TYPE (a forced kvm that cannot run fails here, before any install).
 */
async function planFor(config: StackConfig, modules: readonly ServiceModule[]): Promise<Plan> {
  const method = await chooseMethod(config, systemProbes());
  const virt = await chooseLibvirtTypeFor(config, join(TOP_DIR, 'files'));
  if (!virt) return buildPlan(config, method, modules);
  const chosen = withChosenValue(config, 'LIBVIRT_TYPE', virt.type);
  const decision = {
    setting: 'LIBVIRT_TYPE',
    value: virt.type,
    reason: virt.reason,
    pending: virt.pending,
    forced: virt.forced,
  };
  return buildPlan(chosen, method, modules, { decisions: [decision] });
}

/** local.conf (or --config), resolved with the environment and the modules' settings rows. */
function readConfig(args: ParsedArgs, modules: readonly ServiceModule[]): StackConfig {
  // A missing, dangling, looping or unreadable --config is a ConfigError naming the file (exit 2).
  const configPath = typeof args.flags.config === 'string' ? args.flags.config : undefined;
  return loadConfig({
    configPath,
    topDir: TOP_DIR,
    env: process.env,
    catalog: stackCatalog(modules),
    host: new SystemHostFacts(),
  });
}

/**
 * What local.conf asks for that this run does differently or not at all (config.warnings), plus unknown variables
 * that are near misses of a real setting (almost always typos; the others are kept for plugins): each once, printed
 * before the run starts and repeated in the summary.
 */
export function configWarnings(config: StackConfig): string[] {
  return [...config.warnings.map((w) => `${at(w.pos)}${w.message}`), ...nearMisses(config)];
}

/** Settings the chosen install method does not use (known once the plan is made). */
function methodWarnings(plan: Plan): string[] {
  return unusedSourceSettings(plan.config, plan.method).map((w) => `${at(w.pos)}${w.message}`);
}

const at = (pos?: SourcePos) => (pos ? `${pos.file}:${pos.line}: ` : '');

function nearMisses(config: StackConfig): string[] {
  return config.unknownVariables.flatMap((u) => {
    const meant = suggestSetting(config.catalog, u.name);
    return meant ? [`${at(u.pos)}${u.name} is not a tstack setting; did you mean ${meant}?`] : [];
  });
}

/**
 * --dry-run: the plan and its phases. Nothing is written: no password is generated or saved, no probe changes
 * anything
 * (the KVM probe boots a throwaway guest and caches its answer, as a real run would).
 */
async function dryRun(config: StackConfig, modules: readonly ServiceModule[]): Promise<number> {
  // config.warnings are part of the plan's text; typos of settings are not the plan's business.
  for (const w of nearMisses(config)) process.stderr.write(`warning: ${w}\n`);
  const plan = await planFor(config, modules);
  const dummyPanes = { start: async () => undefined, waitReady: async () => undefined };
  process.stdout.write(formatPlan(plan) + '\n\n' + formatPhases(buildPhases(plan, sources(plan, dummyPanes))) + '\n');
  return EXIT.ok;
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new UsageError(
      './stack.ts installs packages and starts services as their own users: run it as root (or use --dry-run)',
    );
  }
}

/**
 * Passwords first (all questions up front, before the first line of progress: devstack's rule too), then the
 * install method and the plan; .stackenv records where this run keeps its state.
 */
async function preparePlan(config: StackConfig, modules: readonly ServiceModule[], headless: boolean): Promise<Plan> {
  const answered = (await askPasswords(config, { interactive: !headless })).config;
  const plan = await planFor(answered, modules);
  writeStackEnv({
    dest: plan.dirs.dest,
    dataDir: plan.dirs.dataDir,
    logDir: plan.dirs.logDir,
    stateDir: join(plan.get('SERVICE_DIR')),
    localConf: answered.localConfPath,
  });
  mkdirSync(plan.get('SERVICE_DIR'), { recursive: true });
  return plan;
}

interface Converged {
  report: RunReport;
  notes: Note[];
  supervisor: Supervisor;
}

/** Run every phase (resuming from the journal unless --force), with listr2 progress on a terminal. */
async function converge(plan: Plan, opts: { headless: boolean; force: boolean }): Promise<Converged> {
  const sh = new SystemShell(plan.get('LOGFILE'));
  const log = new PlainLogger(process.stdout);
  // listr2 only on a terminal: headless runs (CI, the bench's warm converge) do not load it
  const reporter: Reporter = opts.headless
    ? new PlainReporter()
    : new (await import('../../phases/listr-reporter.ts')).ListrReporter();
  const supervisor = new Supervisor({ stateDir: plan.get('SERVICE_DIR'), logDir: plan.dirs.logDir });
  const ctx = createContext({ plan, sh, log, force: opts.force, openstack: () => openstackClient(plan) });
  const phases = buildPhases(plan, sources(plan, supervisor));

  const { method, reason } = plan.method;
  log.info(`stack.ts: ${method} install (${reason}); ${plan.processes.length} panes; log ${plan.get('LOGFILE')}`);
  const trap = trapInterrupts();
  let report: RunReport;
  try {
    report = await runPhases(phases, ctx, {
      journal: new StepJournal(join(plan.get('SERVICE_DIR'), 'steps.json')),
      reporter,
      force: opts.force,
      // two cores; an apt wave that runs on into the next phases holds one of these
      concurrency: 4,
      aborted: () => trap.interrupted(),
    });
  } catch (err) {
    await reporter.close();
    if (err instanceof InterruptedError) {
      throw new ExitError(
        EXIT.interrupted,
        'stack.ts interrupted; every started pane is recorded. ' +
          'Run ./stack.ts again to resume, or ./unstack.ts to stop.',
      );
    }
    throw err;
  } finally {
    trap.release();
  }
  await reporter.close();
  return { report, notes: ctx.notes, supervisor };
}

/** Machine-readable record of the run, for bench/ and for people comparing runs. */
function recordRun(plan: Plan, { report, notes }: Converged): void {
  writeFileSync(
    join(plan.get('SERVICE_DIR'), 'last-run.json'),
    JSON.stringify({ finishedAt: new Date().toISOString(), method: plan.method, report, notes }, null, 2) + '\n',
  );
}

async function printSummary(plan: Plan, { report, notes, supervisor }: Converged): Promise<void> {
  const status = await supervisor.status();
  const all: Note[] = [
    ...configWarnings(plan.config).map((message) => ({ kind: 'warning' as const, message })),
    ...notes,
  ];
  process.stdout.write('\n' + formatSummary(plan, status, all) + '\n\n' + formatTimings(report) + '\n');
  process.stdout.write(`\nstack.ts completed in ${Math.round(report.totalMs / 1000)} seconds.\n`);
}

async function run(args: ParsedArgs, modules: readonly ServiceModule[]): Promise<number> {
  checkFlags(args, ['config', 'dry-run', 'force', 'no-tui']);
  const headless = isHeadless();
  const config = readConfig(args, modules);
  // --dry-run lists them in the plan; a real run says them before its first step (and again in the summary).
  if (args.flags['dry-run']) return dryRun(config, modules);
  for (const w of configWarnings(config)) process.stderr.write(`warning: ${w}\n`);
  requireRoot();
  const plan = await preparePlan(config, modules, headless);
  for (const w of methodWarnings(plan)) process.stderr.write(`warning: ${w}\n`);
  const done = await converge(plan, { headless, force: Boolean(args.flags.force) });
  recordRun(plan, done);
  await printSummary(plan, done);
  const code = done.notes.some((n) => n.kind === 'incomplete') ? EXIT.partial : EXIT.ok;
  if (!headless && !args.flags['no-tui']) {
    const { openTui } = await import('../../ui/index.ts');
    await openTui({ stateDir: plan.get('SERVICE_DIR'), logDir: plan.dirs.logDir });
  }
  return code;
}

export const up: Command = {
  name: 'up',
  summary: 'bring up (or converge) the stack described by local.conf',
  usage: './stack.ts [--config PATH] [--dry-run] [--force] [--no-tui]',
  run,
};
