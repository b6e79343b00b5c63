// Evaluate the [[local|localrc]] section the way bash sources it in devstack,
// without running a shell: assignments (`VAR=`, `VAR+=`, `export VAR=`),
// devstack's service functions and enable_plugin. Anything else is an error
// with file:line, so nothing in local.conf is silently ignored.

import type { ConfigWarning, PluginSpec, SettingsCatalog, SourcePos } from '../types/config.ts';
import type { RawLine } from './localconf.ts';
import { ConfigError } from '../util/errors.ts';
import { expandWord, isName, tokenize, type Lookup, type Resume } from './expand.ts';
import { SETTING_ALIASES, validateValue } from './settings.ts';
import { ServiceList, splitList } from './service-list.ts';
import { generatedValue, type Generator } from './generated.ts';

export { splitList };

export interface Assignment {
  value: string;
  pos: SourcePos;
}

/** A service name as written in local.conf, for validation once the file is read. */
export interface ServiceRef {
  name: string;
  pos: SourcePos;
}

export interface LocalrcResult {
  /** Every variable local.conf set, by canonical name (aliases resolved), with its final value. */
  vars: Map<string, Assignment>;
  plugins: PluginSpec[];
  /** Every service name mentioned (enable/ENABLED_SERVICES), for "did you mean". */
  serviceRefs: ServiceRef[];
  /** Names given to disable_service: an unknown one is only a warning (devstack records any name). */
  disabledRefs: ServiceRef[];
  /** The service list when local.conf touched it (undefined: ENABLED_SERVICES comes from outside). */
  services?: ServiceList;
  warnings: ConfigWarning[];
}

const COMMANDS = ['enable_service', 'disable_service', 'disable_all_services', 'enable_plugin', 'export'];

/**
 * @param outside the value of a variable local.conf has not set (yet):
 *   saved passwords, then the environment, then the defaults.
 * @param catalog the settings each assignment is validated against.
 */
export function evaluateLocalrc(
  lines: readonly RawLine[],
  outside: Lookup,
  catalog: SettingsCatalog,
  generator?: Generator,
): LocalrcResult {
  const vars = new Map<string, Assignment>();
  const plugins: PluginSpec[] = [];
  const serviceRefs: ServiceRef[] = [];
  const disabledRefs: ServiceRef[] = [];
  const warnings: ConfigWarning[] = [];
  let list: ServiceList | undefined;
  let listPos: SourcePos | undefined;
  // The list is built once, from the outside value, the first time local.conf touches it.
  const services = (pos: SourcePos): ServiceList => {
    list ??= new ServiceList(outside('ENABLED_SERVICES') ?? '');
    listPos = pos;
    return list;
  };
  // Aliases stay readable as themselves too (`$MYSQL_PASSWORD`).
  const aliasValues = new Map<string, string>();
  const lookup: Lookup = (name) =>
    name === 'ENABLED_SERVICES' && list
      ? list.value
      : (vars.get(name)?.value ?? aliasValues.get(name) ?? outside(name));

  const assign = (name: string, value: string, pos: SourcePos, appended?: string) => {
    const canonical = SETTING_ALIASES[name] ?? name;
    if (canonical !== name) aliasValues.set(name, value);
    const setting = catalog.setting(canonical);
    const instead = setting?.replacedChoices?.[value];
    if (instead) {
      warnings.push({ message: `${name}=${value}: ${instead}`, pos });
      value = '';
    }
    const checked = appended ?? value;
    if (setting && checked !== '') {
      const problem = validateValue(setting, checked);
      if (problem) {
        const shown = setting.secret
          ? `${name} (value not shown)`
          : `${name}${appended === undefined ? '' : '+'}=${checked}`;
        throw new ConfigError(`${shown}: ${problem}`, pos);
      }
    }
    if (canonical === 'ENABLED_SERVICES') {
      // Only the names this statement adds are checked and added: repeated `+=` lines stay linear.
      for (const n of splitList(checked)) serviceRefs.push({ name: n.replace(/^-/, ''), pos });
      if (appended === undefined) services(pos).assign(value, pos);
      else services(pos).append(appended, pos);
      return;
    }
    vars.set(canonical, { value, pos });
  };

  const run = (words: string[], pos: SourcePos) => {
    // Leading assignments; `export` is a prefix to them.
    let rest = words[0] === 'export' ? words.slice(1) : words;
    const isExport = words[0] === 'export';
    let assigned = false;
    while (rest.length > 0) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(\+?)=([\s\S]*)$/.exec(rest[0]);
      if (!m) break;
      const [, name, plus, rhs] = m;
      const value = generatedValue(name, rhs, generator) ?? expandWord(rhs, lookup, pos);
      if (plus && (SETTING_ALIASES[name] ?? name) === 'ENABLED_SERVICES') assign(name, '', pos, value);
      else assign(name, plus ? (lookup(name) ?? '') + value : value, pos);
      rest = rest.slice(1);
      assigned = true;
    }
    if (isExport) {
      // `export NAME` with no value only marks it for export: nothing to do.
      for (const w of rest) if (!isName(w)) throw new ConfigError(`export: '${w}' is not a variable name`, pos);
      return;
    }
    if (rest.length === 0) return;
    if (assigned) {
      throw new ConfigError(`unexpected '${rest[0]}' after an assignment: quote values that contain spaces`, pos);
    }
    const [command, ...rawArgs] = rest;
    const args = rawArgs.flatMap((a) => splitList(expandWord(a, lookup, pos)));
    switch (command) {
      case 'enable_service': {
        if (args.length === 0) throw new ConfigError('enable_service needs at least one service name', pos);
        for (const a of args) serviceRefs.push({ name: a, pos });
        services(pos).enable(args, pos);
        return;
      }
      case 'disable_service': {
        if (args.length === 0) throw new ConfigError('disable_service needs at least one service name', pos);
        for (const a of args) disabledRefs.push({ name: a, pos });
        services(pos).disable(args, pos);
        return;
      }
      case 'disable_all_services':
        if (args.length > 0) throw new ConfigError('disable_all_services takes no arguments', pos);
        services(pos).disableAll();
        return;
      case 'enable_plugin': {
        if (args.length < 2 || args.length > 3) throw new ConfigError('usage: enable_plugin NAME URL [REF]', pos);
        const [name, url, ref = 'master'] = args;
        const previous = plugins.find((p) => p.name === name);
        if (previous) {
          throw new ConfigError(
            `plugin '${name}' is already enabled at ${previous.pos.file}:${previous.pos.line}`,
            pos,
          );
        }
        plugins.push({ name, url, ref, pos });
        return;
      }
      default:
        throw new ConfigError(
          `unknown command '${command}': the localrc section takes VAR=value, VAR+=value, export VAR=value and ` +
            `${COMMANDS.filter((c) => c !== 'export').join(', ')}`,
          pos,
        );
    }
  };

  // A statement may go on over lines (an open quote, a trailing backslash); each line is read once.
  let resume: Resume | undefined;
  let start: SourcePos | undefined;
  for (const line of lines) {
    // A newline inside quotes is kept; a backslash-newline disappears.
    const chunk = resume?.quote ? `\n${line.text}` : line.text;
    start ??= line.pos;
    const tokens = tokenize(chunk, start, resume);
    if (tokens.open || tokens.continued) {
      resume = tokens.resume;
      continue;
    }
    if (tokens.words.length > 0) run(tokens.words, start);
    resume = undefined;
    start = undefined;
  }
  if (start && resume) {
    if (resume.quote) throw new ConfigError(`unterminated ${resume.quote === '"' ? 'double' : 'single'} quote`, start);
    // A backslash on the last line: the statement ends there.
    const words = resume.inWord ? [...resume.words, resume.word] : resume.words;
    if (words.length > 0) run(words, start);
  }
  if (list && listPos) vars.set('ENABLED_SERVICES', { value: list.value, pos: listPos });
  return { vars, plugins, serviceRefs, disabledRefs, services: list, warnings };
}
