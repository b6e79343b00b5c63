// local.conf + saved passwords + environment + the settings table -> StackConfig.
//
// Precedence, as in devstack (stackrc sources .localrc.password and then the
// localrc section on top of the environment): local.conf wins, then the saved
// password file, then the environment, then the table's defaults. Defaults
// are evaluated last, against the final values, so `HOST_IP=...` in
// local.conf moves SERVICE_HOST with it.
//
// Nothing here prompts: passwords.ts asks for missing passwords separately,
// so `status`, `restart` and `config` never block on a question.

import { lstatSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve as resolvePath } from 'node:path';
import type {
  ConfigWarning,
  HostFacts,
  MetaSection,
  Setting,
  SettingsCatalog,
  SourcePos,
  StackConfig,
  UnknownVariable,
} from '../types/config.ts';
import { ConfigError } from '../util/errors.ts';
import { addSecret } from '../util/secrets.ts';
import { TOP_DIR } from '../util/paths.ts';
import { expandText, type Lookup } from './expand.ts';
import { decodeLocalConf, localrcLines, parseIni, parseLocalConf, type LocalConf } from './localconf.ts';
import { evaluateLocalrc, splitList, type LocalrcResult, type ServiceRef } from './localrc.ts';
import { ServiceList, serviceGroup } from './service-list.ts';
import { fitsIdiom, freshValue, type Generator } from './generated.ts';
import { ignoredDevstackVariable } from './devstack-variables.ts';
import { impliedServices } from './implied-services.ts';
import {
  SETTING_ALIASES,
  defaultImageUrl,
  hostIpFallbackWarning,
  looksSecret,
  normalizeValue,
  validateValue,
} from './settings.ts';
import { editDistance, suggestService } from './service-names.ts';
import { buildCatalog } from './catalog.ts';
import { readPasswordFile } from './password-file.ts';

export type Origin = StackConfig['origins'][string];

export interface LoadConfigOptions {
  /** `--config PATH`; default `<topDir>/local.conf` (a missing default file means all defaults). */
  configPath?: string;
  /** Where stack.ts lives (devstack's TOP_DIR). */
  topDir?: string;
  env?: NodeJS.ProcessEnv;
  /** This machine's facts (lib/system/host-facts.ts on a real run; a fake in tests). */
  host?: HostFacts;
  /**
   * The settings, service names and passwords to resolve against: the CLI's
   * gathered from the registry. loadSettings() defaults to the core rows.
   */
  catalog?: SettingsCatalog;
}

export const PASSWORD_FILE_NAME = '.localrc.password';

/** `.localrc.password` beside local.conf (or in topDir when there is no local.conf). */
export function passwordFilePath(localConfPath: string | undefined, topDir = TOP_DIR): string {
  return join(localConfPath ? dirname(localConfPath) : topDir, PASSWORD_FILE_NAME);
}

/** A directory entry exists at `path`, also a symbolic link whose target does not. */
function entryExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The local.conf to read: --config, else `<topDir>/local.conf` when it exists (a broken link counts). */
export function localConfPathFor(opts: LoadConfigOptions): string | undefined {
  if (opts.configPath) return resolvePath(opts.configPath);
  const candidate = join(opts.topDir ?? TOP_DIR, 'local.conf');
  return entryExists(candidate) ? candidate : undefined;
}

/** Why local.conf cannot be read, as a ConfigError naming the file (never a stack trace, never "defaults only"). */
function unreadable(path: string, err: unknown): ConfigError {
  const code = (err as NodeJS.ErrnoException).code;
  const why: Record<string, string> = {
    ENOENT: entryExists(path) ? 'a symbolic link to a file that does not exist' : 'no such file',
    ELOOP: 'a symbolic link loop',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EISDIR: 'a directory, not a local.conf file',
  };
  return new ConfigError(`${path}: ${why[code ?? ''] ?? `cannot be read (${code ?? String(err)})`}`);
}

export function readLocalConf(path: string | undefined): LocalConf | undefined {
  if (!path) return undefined;
  let bytes: Buffer;
  try {
    if (statSync(path).isDirectory()) throw Object.assign(new Error('directory'), { code: 'EISDIR' });
    bytes = readFileSync(path);
  } catch (err) {
    throw unreadable(path, err);
  }
  return parseLocalConf(decodeLocalConf(bytes, path), path);
}

/** Explicit value of a variable and where it came from. */
interface Explicit {
  value: string;
  origin: Origin;
  pos?: SourcePos;
}

/** Empty means "unset" for these types: the default (or the password prompt) applies. */
function emptyMeansDefault(s: Setting): boolean {
  return (
    s.type === 'bool' || s.type === 'int' || s.type === 'password' || (s.type === 'enum' && !s.choices?.includes(''))
  );
}

/**
 * Values of settings: explicit when set, else the default computed against
 * the other values. No caching, so it always reflects the current explicit state.
 */
export class SettingResolver {
  private stack: string[] = [];

  constructor(
    private readonly explicit: (name: string) => Explicit | undefined,
    private readonly host: HostFacts,
    private readonly catalog: SettingsCatalog,
  ) {}

  /** An explicit value that counts (an empty bool/int/enum/password does not). */
  explicitFor(name: string): Explicit | undefined {
    const e = this.explicit(name);
    const s = this.catalog.setting(name);
    if (e && s && e.value === '' && emptyMeansDefault(s)) return undefined;
    return e;
  }

  /** Value of any variable: settings get their default; other names are undefined when unset. */
  lookup: Lookup = (name) => {
    const e = this.explicitFor(name);
    if (e) return e.value;
    const s = this.catalog.setting(name);
    return s ? this.defaultOf(s) : undefined;
  };

  get(name: string): string {
    return this.lookup(name) ?? '';
  }

  defaultOf(s: Setting): string {
    if (this.stack.includes(s.name)) {
      throw new ConfigError(
        `the defaults of ${[...this.stack, s.name].join(' -> ')} depend on each other; set one of them in local.conf`,
      );
    }
    this.stack.push(s.name);
    try {
      if (typeof s.default === 'function') return s.default((n) => this.get(n), this.host);
      return expandText(s.default, this.lookup, { file: 'settings table', line: 0 });
    } finally {
      this.stack.pop();
    }
  }
}

export interface ResolveInput {
  localConf?: LocalConf;
  env: NodeJS.ProcessEnv;
  host: HostFacts;
  /** Values from the saved password file. */
  savedPasswords: Readonly<Record<string, string>>;
  catalog: SettingsCatalog;
  /** Makes the value of a random-value idiom that has none saved (tests pass a fixed one). */
  fresh?: typeof freshValue;
}

function envExplicit(env: NodeJS.ProcessEnv, name: string): Explicit | undefined {
  const v = env[name];
  if (v !== undefined) return { value: v, origin: 'environment' };
  // devstack honours the legacy names in the environment too.
  for (const [alias, canonical] of Object.entries(SETTING_ALIASES)) {
    if (canonical === name && env[alias] !== undefined) return { value: env[alias]!, origin: 'environment' };
  }
  return undefined;
}

/** Pure: everything read from disk is in `input`. */
export function resolveConfig(input: ResolveInput): StackConfig {
  const { localConf, env, host, savedPasswords, catalog } = input;
  const warnings: ConfigWarning[] = [...(localConf?.warnings ?? [])];
  // `NAME=$(openssl rand -hex N)`: the saved value while it still fits, else a new one to save.
  const generated: Record<string, string> = {};
  const generator: Generator = (name, idiom) => {
    const saved = savedPasswords[name];
    if (saved !== undefined && fitsIdiom(saved, idiom)) return saved;
    generated[name] ??= (input.fresh ?? freshValue)(idiom);
    addSecret(generated[name]);
    return generated[name];
  };
  const outsideExplicit = (name: string): Explicit | undefined => {
    const saved = savedPasswords[name];
    if (saved !== undefined && saved !== '') return { value: saved, origin: 'password-file' };
    return envExplicit(env, name);
  };

  // 1. The localrc section, line by line, seeing earlier lines, then the outside.
  const during = new SettingResolver(outsideExplicit, host, catalog);
  const outsideLookup: Lookup = (name) =>
    catalog.setting(name) ? during.lookup(name) : (outsideExplicit(name)?.value ?? env[name]);
  const localrc: LocalrcResult = localConf
    ? evaluateLocalrc(localrcLines(localConf), outsideLookup, catalog, generator)
    : { vars: new Map(), plugins: [], serviceRefs: [], disabledRefs: [], unset: new Set<string>(), warnings: [] };
  warnings.push(...localrc.warnings);

  // 2. Final values: local.conf, then outside, then defaults against the final state.
  const explicit = (name: string): Explicit | undefined => {
    const a = localrc.vars.get(name);
    const s = catalog.setting(name);
    // `ADMIN_PASSWORD=` or `RECLONE=` in local.conf leaves the value to the next source.
    if (a && !(a.value === '' && s && emptyMeansDefault(s)))
      return { value: a.value, origin: 'local.conf', pos: a.pos };
    // `unset NAME` in local.conf: bash drops the environment's value too; the default applies
    if (!a && localrc.unset.has(name)) {
      const saved = savedPasswords[name];
      return saved ? { value: saved, origin: 'password-file' } : undefined;
    }
    return outsideExplicit(name);
  };
  const final = new SettingResolver(explicit, host, catalog);
  const values: Record<string, string> = {};
  const origins: Record<string, Origin> = {};
  const positions: Record<string, SourcePos> = {};
  for (const s of catalog.settings) {
    const e = final.explicitFor(s.name);
    let value = e ? e.value : final.defaultOf(s);
    if (e && e.origin !== 'local.conf' && value !== '') {
      // local.conf values were checked line by line; the others are checked here.
      const problem = validateValue(s, value);
      if (problem) {
        const where =
          e.origin === 'environment' ? `environment variable ${s.name}` : `${s.name} in the saved password file`;
        throw new ConfigError(`${where}${s.secret ? '' : `=${value}`}: ${problem}`);
      }
    }
    if (!e && value !== '') {
      const problem = validateValue(s, value);
      if (problem) throw new ConfigError(`default of ${s.name} (${value}): ${problem}`);
    }
    value = normalizeValue(s, value);
    values[s.name] = value;
    origins[s.name] = e ? e.origin : 'default';
    if (e?.pos) positions[s.name] = e.pos;
    if (s.secret) addSecret(value);
  }

  const fallback = hostIpFallbackWarning(values, origins);
  if (fallback) warnings.push(fallback);

  // devstack appends the CirrOS URL to the user's list while DOWNLOAD_DEFAULT_IMAGES is on.
  if (values.DOWNLOAD_DEFAULT_IMAGES === 'True') {
    const url = defaultImageUrl((n) => values[n] ?? '');
    const list = splitList(values.IMAGE_URLS);
    if (!list.includes(url)) values.IMAGE_URLS = [...list, url].join(',');
  }

  // 3. Services, devstack's way (service-list.ts): negations, disabled names and projects, then the services
  // devstack starts without being asked (implied-services.ts).
  const listed = splitList(values.ENABLED_SERVICES);
  const list = localrc.services ?? new ServiceList(values.ENABLED_SERVICES);
  const chosen = list.finish();
  warnings.push(...list.warnings);
  const pluginNames = localrc.plugins.map((p: { name: string }) => p.name);
  checkServiceNames(catalog, localrc.serviceRefs, listed, origins.ENABLED_SERVICES, pluginNames);
  for (const r of localrc.disabledRefs) {
    if (catalog.serviceName(r.name) || serviceGroup(r.name) || pluginNames.length > 0) continue;
    const meant = suggestService(catalog, r.name);
    const hint = meant ? `; did you mean '${meant}'?` : '';
    warnings.push({
      message: `disable_service ${r.name}: no such service, nothing to disable${hint}`,
      pos: r.pos,
    });
  }
  const implied = impliedServices(chosen, (n) => list.isDisabled(n));
  const enabledServices = [...chosen, ...implied.map((i) => i.name).filter((n) => !chosen.includes(n))];
  values.ENABLED_SERVICES = enabledServices.join(',');

  // 4. Unknown variables: kept (plugins read them), listed by `config` so typos show.
  const unknownVariables: UnknownVariable[] = [];
  for (const [name, a] of localrc.vars) {
    if (catalog.setting(name)) continue;
    unknownVariables.push({ name, value: a.value, pos: a.pos });
    const instead = ignoredDevstackVariable(name);
    if (instead)
      warnings.push({ message: `${name} is a devstack setting tstack does not read: ${instead}`, pos: a.pos });
    values[name] = a.value;
    origins[name] = 'local.conf';
    if (looksSecret(catalog, name)) addSecret(a.value);
  }

  // 5. The other meta-sections, with file names and values expanded against the final values.
  const finalLookup: Lookup = (name) => values[name] ?? env[name];
  const metaSections: MetaSection[] = [];
  for (const s of localConf?.sections ?? []) {
    if (s.phase === 'local') continue;
    const unset: string[] = [];
    const file = expandText(
      s.rawFile,
      (name) => {
        const v = finalLookup(name);
        if (v === undefined || v === '') unset.push(name);
        return v;
      },
      s.pos,
    );
    // A plugin's variable ($OCTAVIA_CONF) is unset here: no plugin runs, and a half-expanded name
    // ($SWIFT_CONF_DIR/proxy-server.conf -> /proxy-server.conf) must never become a merge target.
    if (unset.length > 0) {
      warnings.push({
        message:
          `[[${s.phase}|${s.rawFile}]] is not merged: ${[...new Set(unset)].map((n) => `$${n}`).join(', ')} ` +
          `${unset.length > 1 ? 'are' : 'is'} not set (a plugin's file; tstack runs no plugin)`,
        pos: s.pos,
      });
      continue;
    }
    {
      if (!file.startsWith('/')) {
        throw new ConfigError(
          `[[${s.phase}|${s.rawFile}]] names '${file}', not an absolute path` +
            (s.rawFile.includes('Q_PLUGIN_CONF_FILE') ? ' (write /$Q_PLUGIN_CONF_FILE, as in devstack)' : ''),
          s.pos,
        );
      }
      const sections = parseIni(s.lines, warnings).map((sec) => ({
        name: sec.name,
        options: sec.options.map((o) => ({ ...o, values: o.values.map((v) => expandText(v, finalLookup, o.pos)) })),
      }));
      metaSections.push({ phase: s.phase, file, rawFile: s.rawFile, pos: s.pos, sections });
    }
  }

  return {
    values,
    enabledServices,
    plugins: localrc.plugins,
    metaSections,
    unknownVariables,
    warnings: sortWarnings(warnings),
    generated,
    implied,
    localConfPath: localConf?.file,
    origins,
    positions,
    catalog,
  };
}

/** File order (the parser, the localrc and the resolver each find some); one warning per message and line. */
function sortWarnings(warnings: readonly ConfigWarning[]): ConfigWarning[] {
  const seen = new Set<string>();
  return warnings
    .filter((w) => {
      const key = `${w.pos?.file}:${w.pos?.line}:${w.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (a.pos?.line ?? Number.MAX_SAFE_INTEGER) - (b.pos?.line ?? Number.MAX_SAFE_INTEGER));
}

/**
 * Unknown service names are typos unless a plugin may define them: with
 * enable_plugin present, a name far from every known one is accepted.
 */
function checkServiceNames(
  catalog: SettingsCatalog,
  refs: readonly ServiceRef[],
  listed: readonly string[],
  origin: Origin,
  plugins: readonly string[],
): void {
  const check = (name: string, pos?: SourcePos) => {
    if (catalog.serviceName(name) || serviceGroup(name)) return;
    if (plugins.some((p) => name === p || name.startsWith(`${p}-`))) return;
    const suggestion = suggestService(catalog, name);
    // With plugins enabled, only a near miss is taken for a typo: plugins bring their own names.
    const typo = suggestion !== undefined && (plugins.length === 0 || editDistance(name, suggestion) <= 1);
    if (!typo && plugins.length > 0) return;
    const hint = typo ? `; did you mean '${suggestion}'?` : ' (see `./stack.ts --help` for the known names)';
    throw new ConfigError(
      `unknown service '${name}'${pos ? '' : ` in ENABLED_SERVICES from the ${origin}`}${hint}`,
      pos,
    );
  };
  for (const r of refs) check(r.name, r.pos);
  if (origin !== 'local.conf') for (const n of listed) check(n.replace(/^-/, ''));
}

// Remembered per config so ensurePasswords() can re-resolve after saving answers.
const loadOptions = new WeakMap<StackConfig, LoadConfigOptions & { env: NodeJS.ProcessEnv; host: HostFacts }>();

export function loadOptionsOf(
  config: StackConfig,
): (LoadConfigOptions & { env: NodeJS.ProcessEnv; host: HostFacts }) | undefined {
  return loadOptions.get(config);
}

/**
 * Only the named settings, without validating the rest of the table or
 * probing anything the names do not need (no HOST_IP detection for DEST).
 * For `status`, `restart` and `unstack.ts`, which must not fail on, or ask
 * about, anything unrelated to finding the state directory.
 */
export function loadSettings(
  names: readonly string[],
  opts: LoadConfigOptions & { host: HostFacts },
): Record<string, string> {
  const env = opts.env ?? process.env;
  const host = opts.host;
  const catalog = opts.catalog ?? buildCatalog([]);
  const path = localConfPathFor(opts);
  const localConf = readLocalConf(path);
  const outside = (name: string): Explicit | undefined => envExplicit(env, name);
  const during = new SettingResolver(outside, host, catalog);
  const outsideLookup: Lookup = (name) => (catalog.setting(name) ? during.lookup(name) : env[name]);
  const vars = localConf
    ? evaluateLocalrc(localrcLines(localConf), outsideLookup, catalog).vars
    : new Map<string, { value: string }>();
  const final = new SettingResolver(
    (name) => {
      const a = vars.get(name);
      return a ? { value: a.value, origin: 'local.conf' } : outside(name);
    },
    host,
    catalog,
  );
  for (const n of names) if (!catalog.setting(n)) throw new Error(`setting ${n} is not in the settings table`);
  return Object.fromEntries(names.map((n) => [n, final.get(n)]));
}

/** A copy of `config` with some fields replaced, still re-loadable by ensurePasswords(). */
export function deriveConfig(config: StackConfig, patch: Partial<StackConfig>): StackConfig {
  const next = { ...config, ...patch };
  const opts = loadOptions.get(config);
  if (opts) loadOptions.set(next, opts);
  return next;
}

/** A copy of `config` with one setting's value chosen at run time (LIBVIRT_TYPE from the KVM probe). */
export function withChosenValue(config: StackConfig, name: string, value: string): StackConfig {
  return deriveConfig(config, { values: { ...config.values, [name]: value } });
}

/** Read local.conf (if any), the saved passwords and the environment; never prompts. */
export function loadConfig(opts: LoadConfigOptions & { catalog: SettingsCatalog; host: HostFacts }): StackConfig {
  const env = opts.env ?? process.env;
  const host = opts.host;
  const path = localConfPathFor(opts);
  const localConf = readLocalConf(path);
  const pwFile = passwordFilePath(path, opts.topDir);
  const savedPasswords = readPasswordFile(pwFile);
  for (const v of Object.values(savedPasswords)) addSecret(v);
  const config = resolveConfig({ localConf, env, host, savedPasswords, catalog: opts.catalog });
  loadOptions.set(config, { ...opts, env, host });
  return config;
}
