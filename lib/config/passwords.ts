// The passwords the enabled modules need (devstack's four), asked once before any work starts and saved to
// `.localrc.password` beside local.conf (mode 0600) so they are never asked
// again. Only passwords an enabled service needs are asked, and only when
// local.conf, the saved file and the environment all leave them unset.
//
// Headless (no TTY, or CI=true) nothing is asked: missing passwords are
// generated and saved, and the output names them (never their values).
// The prompt itself is the caller's (lib/cli/passwords.ts: enquirer, which
// never resolves without a TTY, so it is never made headless).

import { randomBytes } from 'node:crypto';
import type { PasswordSpec, SettingsCatalog, StackConfig } from '../types/config.ts';
import { ExitError } from '../util/errors.ts';
import { addSecret } from '../util/secrets.ts';
import { deriveConfig, loadConfig, loadOptionsOf, passwordFilePath } from './resolve.ts';
import { readPasswordFile, writePasswordFile } from './password-file.ts';

export type { PasswordSpec };

/**
 * Passwords the enabled services need, in asking order (the modules say which they need; see lib/config/catalog.ts).
 */
export function neededPasswords(catalog: SettingsCatalog, enabledServices: readonly string[]): string[] {
  return catalog.passwords.filter((p) => p.neededBy.some((s) => enabledServices.includes(s))).map((p) => p.name);
}

/** Needed passwords with no value yet. */
export function missingPasswords(config: StackConfig): string[] {
  return neededPasswords(config.catalog, config.enabledServices).filter((n) => !config.values[n]);
}

/** 20 hex characters, as devstack's generate_hex_string 10. */
export function generatePassword(): string {
  return randomBytes(10).toString('hex');
}

export interface PasswordPrompter {
  /** Ask for one password; '' means "generate one". */
  ask(spec: PasswordSpec, file: string): Promise<string>;
}

export interface EnsurePasswordsOptions {
  /**
   * The caller's view (not headless). Even when true, nothing is asked without a TTY on both streams or with CI=true.
   */
  interactive?: boolean;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  /** Asks, whether or not there is a TTY (tests, other front ends). */
  prompter?: PasswordPrompter;
  /** Makes the prompt when one may be shown (a TTY on both streams, no CI=true): the CLI passes enquirer's. */
  promptOn?: (stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream) => PasswordPrompter;
  /** Where "generated ..." notices go (default stderr). */
  log?: (line: string) => void;
  generate?: () => string;
}

export interface PasswordOutcome {
  config: StackConfig;
  asked: string[];
  generated: string[];
  file: string;
}

function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = (env.CI ?? '').toLowerCase();
  return ci === 'true' || ci === '1';
}

/** Like ensurePasswords, with what happened. */
export async function ensurePasswordsDetailed(
  config: StackConfig,
  opts: EnsurePasswordsOptions = {},
): Promise<PasswordOutcome> {
  const load = loadOptionsOf(config);
  // Answers are saved and the config resolved again the way it was loaded.
  if (!load) throw new Error('ensurePasswords needs a config made by loadConfig()');
  const env = load.env ?? process.env;
  const file = passwordFilePath(config.localConfPath, load.topDir);
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  const canAsk = (opts.interactive ?? true) && Boolean(stdin.isTTY) && Boolean(stdout.isTTY) && !isCi(env);
  const prompter = opts.prompter ?? (canAsk ? opts.promptOn?.(stdin, stdout) : undefined);
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const generate = opts.generate ?? generatePassword;

  const asked: string[] = [];
  const generated: string[] = [];
  let current = config;
  // `NAME=$(openssl rand -hex N)` in local.conf: saved now, so the next run reads the same value.
  const made = Object.keys(config.generated);
  if (made.length > 0) {
    writePasswordFile(file, { ...readPasswordFile(file), ...config.generated });
    log(`Generated ${made.join(', ')} (local.conf's random-value idiom); saved to ${file} (mode 0600).`);
    current = loadConfig({ ...load, env, catalog: config.catalog });
  }
  for (;;) {
    const name = missingPasswords(current)[0];
    if (!name) break;
    if (asked.includes(name) || generated.includes(name)) {
      // Saved, yet still empty: local.conf sets it to an empty expansion.
      throw new ExitError(1, `${name} is set to an empty value in ${config.localConfPath}; set it or remove the line`);
    }
    const spec = current.catalog.passwords.find((p) => p.name === name)!;
    let value = prompter ? await prompter.ask(spec, file) : '';
    if (value === '') {
      value = generate();
      generated.push(name);
    } else asked.push(name);
    addSecret(value);
    const saved = readPasswordFile(file);
    saved[name] = value;
    writePasswordFile(file, saved);
    // Re-resolve so values derived from this one (SERVICE_PASSWORD=$ADMIN_PASSWORD) follow it.
    current = loadConfig({ ...load, env, catalog: config.catalog });
  }
  if (generated.length > 0) {
    const why = prompter ? 'empty answer' : isCi(env) ? 'CI=true, nothing is asked' : 'no TTY, nothing is asked';
    log(`Generated ${generated.join(', ')} (${why}); saved to ${file} (mode 0600).`);
    const origins = { ...current.origins };
    for (const n of generated) origins[n] = 'generated';
    current = deriveConfig(current, { origins });
  }
  return { config: current, asked, generated, file };
}

/**
 * Make sure every password an enabled service needs has a value: ask on a
 * TTY, generate headless, save to `.localrc.password`. Returns the config
 * resolved again with the saved values.
 */
export async function ensurePasswords(config: StackConfig, opts: EnsurePasswordsOptions = {}): Promise<StackConfig> {
  return (await ensurePasswordsDetailed(config, opts)).config;
}
