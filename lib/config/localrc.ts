// Evaluate the [[local|localrc]] section the way bash sources it in devstack,
// without running a shell: assignments (`VAR=`, `VAR+=`, `export VAR=`),
// `unset`, devstack's service functions and enable_plugin, commands joined by
// `;`, and `if`/`elif`/`else`/`fi` on simple tests (`[[ A == B ]]`, `-z`,
// `-n`, is_service_enabled). Anything else is an error with file:line, so
// nothing in local.conf is silently ignored.

import type { ConfigWarning, PluginSpec, SettingsCatalog, SourcePos } from '../types/config.ts';
import type { RawLine } from './localconf.ts';
import { ConfigError } from '../util/errors.ts';
import { COMMAND_END, expandWord, isName, tokenize, type Lookup, type Resume } from './expand.ts';
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
  /** Variables `unset` and not set again: their defaults apply, not the environment's value (bash drops it). */
  unset: Set<string>;
  warnings: ConfigWarning[];
}

const COMMANDS = ['enable_service', 'disable_service', 'disable_all_services', 'enable_plugin', 'export', 'unset'];

/** An open `if`: which branch runs, as bash decides it. */
interface IfFrame {
  pos: SourcePos;
  /** The enclosing code runs (a nested `if` in a branch bash skips never runs either). */
  outerRuns: boolean;
  /** A branch has been taken: the later ones are skipped. */
  taken: boolean;
  /** Between `then`/`else` and the next elif/else/fi; false while a condition waits for its `then`. */
  inBody: boolean;
  /** The current branch runs. */
  runs: boolean;
  /** The last condition's result, until its `then`. */
  condition: boolean;
}

const TEST_FORMS =
  '[[ A == B ]], [[ A != B ]], [[ -z A ]], [[ -n A ]], [[ A ]] (also with [ ] or test, and !), ' +
  'is_service_enabled NAME..., true and false';

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
  const unsetNames = new Set<string>();
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
      : (vars.get(name)?.value ??
        aliasValues.get(name) ??
        (unsetNames.has(SETTING_ALIASES[name] ?? name) ? undefined : outside(name)));

  const assign = (name: string, value: string, pos: SourcePos, appended?: string) => {
    const canonical = SETTING_ALIASES[name] ?? name;
    unsetNames.delete(canonical);
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
      case 'unset': {
        // bash's unset: -v (the default) names variables, -f functions, which local.conf cannot define
        const words = rawArgs.map((a) => expandWord(a, lookup, pos));
        const functions = words[0] === '-f';
        const names = words[0] === '-v' || functions ? words.slice(1) : words;
        for (const n of names) {
          if (!isName(n)) throw new ConfigError(`unset: '${n}' is not a variable name`, pos);
          if (functions) continue;
          const canonical = SETTING_ALIASES[n] ?? n;
          if (canonical === 'ENABLED_SERVICES') {
            services(pos).assign('', pos);
            continue;
          }
          vars.delete(canonical);
          aliasValues.delete(n);
          unsetNames.add(canonical);
        }
        if (functions) warnings.push({ message: `unset -f ${names.join(' ')}: no such function, nothing to do`, pos });
        return;
      }
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

  /** bash's verdict on an `if`/`elif` condition, for the forms tstack evaluates (TEST_FORMS). */
  const condition = (words: string[], pos: SourcePos): boolean => {
    const refuse = () =>
      new ConfigError(
        `if ${words.join(' ')}: tstack evaluates only ${TEST_FORMS}; write the settings without this if`,
        pos,
      );
    if (words[0] === '!') return !condition(words.slice(1), pos);
    const [head, ...rest] = words;
    if (head === 'true' || head === 'false') {
      if (rest.length > 0) throw refuse();
      return head === 'true';
    }
    if (head === 'is_service_enabled') {
      if (rest.length === 0) throw refuse();
      const current = list ?? new ServiceList(outside('ENABLED_SERVICES') ?? '');
      return rest.flatMap((a) => splitList(expandWord(a, lookup, pos))).some((n) => current.isEnabled(n));
    }
    let inner: string[];
    if (head === '[[' && rest.at(-1) === ']]') inner = rest.slice(0, -1);
    else if (head === '[' && rest.at(-1) === ']') inner = rest.slice(0, -1);
    else if (head === 'test') inner = rest;
    else throw refuse();
    const negate = inner[0] === '!' && inner.length > 1;
    if (negate) inner = inner.slice(1);
    // an unquoted glob on the right of == is a pattern in bash: not evaluated here
    if (inner.length === 3 && /^[^'"]*[*?[]/.test(inner[2]) && inner[1].includes('=')) throw refuse();
    const v = inner.map((w) => (['==', '=', '!=', '-z', '-n'].includes(w) ? w : expandWord(w, lookup, pos)));
    let verdict: boolean;
    if (v.length === 1) verdict = v[0] !== '';
    else if (v.length === 2 && v[0] === '-z') verdict = v[1] === '';
    else if (v.length === 2 && v[0] === '-n') verdict = v[1] !== '';
    else if (v.length === 3 && (v[1] === '==' || v[1] === '=')) verdict = v[0] === v[2];
    else if (v.length === 3 && v[1] === '!=') verdict = v[0] !== v[2];
    else throw refuse();
    return negate ? !verdict : verdict;
  };

  const frames: IfFrame[] = [];
  const runs = () => frames.every((f) => f.inBody && f.runs);
  /** One command of a statement (`;` splits them), with bash's if/elif/else/fi around the others. */
  const command = (words: string[], pos: SourcePos): void => {
    const top = frames.at(-1);
    const misplaced = () => new ConfigError(`'${words[0]}' without a matching if`, pos);
    switch (words[0]) {
      case 'if': {
        const outerRuns = runs();
        const verdict = outerRuns ? condition(words.slice(1), pos) : false;
        frames.push({ pos, outerRuns, taken: false, inBody: false, runs: false, condition: verdict });
        return;
      }
      case 'elif':
        if (!top?.inBody) throw misplaced();
        top.inBody = false;
        top.condition = top.outerRuns && !top.taken ? condition(words.slice(1), pos) : false;
        return;
      case 'then':
        if (!top || top.inBody) throw misplaced();
        top.inBody = true;
        top.runs = top.condition && !top.taken;
        if (top.runs) top.taken = true;
        if (words.length > 1) command(words.slice(1), pos);
        return;
      case 'else':
        if (!top?.inBody) throw misplaced();
        top.runs = top.outerRuns && !top.taken;
        top.taken = true;
        if (words.length > 1) command(words.slice(1), pos);
        return;
      case 'fi':
        if (!top?.inBody) throw misplaced();
        if (words.length > 1) throw new ConfigError(`unexpected '${words[1]}' after fi: end the command with ;`, pos);
        frames.pop();
        return;
    }
    if (top && !top.inBody) {
      throw new ConfigError(`expected 'then' after the condition of the if at line ${top.pos.line}`, pos);
    }
    // a branch bash does not take: its commands do not run
    if (runs()) run(words, pos);
  };
  const statement = (words: string[], pos: SourcePos): void => {
    let from = 0;
    for (let i = 0; i <= words.length; i++) {
      if (i < words.length && words[i] !== COMMAND_END) continue;
      if (i > from) command(words.slice(from, i), pos);
      from = i + 1;
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
    if (tokens.words.length > 0) statement(tokens.words, start);
    resume = undefined;
    start = undefined;
  }
  if (start && resume) {
    if (resume.quote) throw new ConfigError(`unterminated ${resume.quote === '"' ? 'double' : 'single'} quote`, start);
    // A backslash on the last line: the statement ends there.
    const words = resume.inWord ? [...resume.words, resume.word] : resume.words;
    if (words.length > 0) statement(words, start);
  }
  const open = frames.at(-1);
  if (open) throw new ConfigError(`if without fi (the localrc section ends first)`, open.pos);
  if (list && listPos) vars.set('ENABLED_SERVICES', { value: list.value, pos: listPos });
  return { vars, plugins, serviceRefs, disabledRefs, services: list, unset: unsetNames, warnings };
}
