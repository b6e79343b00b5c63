// The password prompt on a terminal (enquirer). Which passwords are needed,
// and where they are saved, is decided in lib/config/passwords.ts.

import Enquirer from 'enquirer';
import {
  ensurePasswordsDetailed,
  type EnsurePasswordsOptions,
  type PasswordOutcome,
  type PasswordPrompter,
} from '../config/passwords.ts';
import { allowedCharacters, passwordProblem } from '../config/password-rules.ts';
import type { StackConfig } from '../types/config.ts';
import { ExitError } from '../util/errors.ts';

/** enquirer's password prompt on the given streams (fake TTY streams in tests). */
export function enquirerPrompter(
  stdin: NodeJS.ReadStream = process.stdin,
  stdout: NodeJS.WriteStream = process.stdout,
): PasswordPrompter {
  return {
    async ask(spec, file) {
      stdout.write(
        `\n${spec.prompt} (${spec.name}).\nSaved to ${file} and not asked again.\n` +
          `${allowedCharacters(spec.name)} Leave empty for a random one.\n`,
      );
      try {
        const answer = (await Enquirer.prompt({
          type: 'password',
          name: 'value',
          message: spec.name,
          stdin,
          stdout,
          validate: (v: string) => passwordProblem(spec.name, v) ?? true,
        })) as { value?: string };
        return answer.value ?? '';
      } catch {
        // enquirer rejects on Ctrl-C.
        throw new ExitError(130, 'cancelled: no password was saved');
      }
    },
  };
}

/** ensurePasswordsDetailed, asking with enquirer when there is a terminal. */
export function askPasswords(config: StackConfig, opts: EnsurePasswordsOptions = {}): Promise<PasswordOutcome> {
  return ensurePasswordsDetailed(config, { promptOn: enquirerPrompter, ...opts });
}
