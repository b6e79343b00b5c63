// The RabbitMQ account every service uses (devstack's stackrabbit). The
// broker's default `guest` user is removed: it has a well-known password.
// rabbitmqctl runs as the rabbitmq user (its Erlang cookie is in its home),
// the real script rather than Debian's /usr/sbin wrapper: run as root, that
// wrapper re-quotes every argument into `su -c "..."`, so the shell expands a
// `$`, a backquote or a backslash in the password (and would run `$(...)`).
// The password reaches rabbitmqctl as an argument, masked in logs by the
// Shell: not through stdin, where rabbitmqctl trims it (String.trim); `--`
// ends the options first, so a password starting with `-` is not one.

import type { RunResult, Shell } from '../types/shell.ts';

export const RABBITMQCTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';
export const RABBITMQ_HOME = '/var/lib/rabbitmq';

function ctl(sh: Shell, args: string[]): Promise<RunResult> {
  return sh.run([RABBITMQCTL, ...args], { user: 'rabbitmq', cwd: RABBITMQ_HOME, env: { HOME: RABBITMQ_HOME } });
}

/** Parse `rabbitmqctl list_users -q` output (name, tags) into user names. */
export function parseUserList(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(user\s+tags|Listing users)/i.test(l))
    .map((l) => l.split(/\s+/)[0]);
}

export async function listUsers(sh: Shell): Promise<string[]> {
  const r = await ctl(sh, ['-q', 'list_users']);
  return parseUserList(r.stdout);
}

/** `add_user|change_password -- <user> <password>`: rabbitmqctl's arguments. */
export function userPasswordArgs(command: 'add_user' | 'change_password', user: string, password: string): string[] {
  return [command, '--', user, password];
}

/** Make `user` exist with `password` and full permissions on vhost /, and remove guest. */
export async function ensureRabbitUser(sh: Shell, user: string, password: string): Promise<'created' | 'updated'> {
  const users = await listUsers(sh);
  let result: 'created' | 'updated';
  if (users.includes(user)) {
    // the password may have changed in local.conf; make it converge
    await ctl(sh, userPasswordArgs('change_password', user, password));
    result = 'updated';
  } else {
    await ctl(sh, userPasswordArgs('add_user', user, password));
    result = 'created';
  }
  await ctl(sh, ['set_permissions', '-p', '/', user, '.*', '.*', '.*']);
  if (users.includes('guest')) await ctl(sh, ['delete_user', 'guest']);
  return result;
}

export async function deleteRabbitUser(sh: Shell, user: string): Promise<void> {
  const users = await listUsers(sh);
  if (users.includes(user)) await ctl(sh, ['delete_user', user]);
}
