// The RabbitMQ account every service uses (devstack's stackrabbit). The
// broker's default `guest` user is removed: it has a well-known password.
// rabbitmqctl runs as root (Debian's wrapper switches to the rabbitmq user);
// the password reaches it as an argument, so the Shell masks it in logs. An
// argument, not stdin: rabbitmqctl trims a password read from stdin (String.trim),
// and an argument keeps every character, spaces at either end included. `--`
// ends the options first, so a password starting with `-` is not one.

import type { Shell } from '../types/shell.ts';

export const RABBITMQCTL = '/usr/sbin/rabbitmqctl';

/** Parse `rabbitmqctl list_users -q` output (name, tags) into user names. */
export function parseUserList(output: string): string[] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(user\s+tags|Listing users)/i.test(l))
    .map((l) => l.split(/\s+/)[0]);
}

export async function listUsers(sh: Shell): Promise<string[]> {
  const r = await sh.run([RABBITMQCTL, '-q', 'list_users']);
  return parseUserList(r.stdout);
}

/** `rabbitmqctl add_user|change_password -- <user> <password>`. */
export function userPasswordArgv(command: 'add_user' | 'change_password', user: string, password: string): string[] {
  return [RABBITMQCTL, command, '--', user, password];
}

/** Make `user` exist with `password` and full permissions on vhost /, and remove guest. */
export async function ensureRabbitUser(sh: Shell, user: string, password: string): Promise<'created' | 'updated'> {
  const users = await listUsers(sh);
  let result: 'created' | 'updated';
  if (users.includes(user)) {
    // the password may have changed in local.conf; make it converge
    await sh.run(userPasswordArgv('change_password', user, password));
    result = 'updated';
  } else {
    await sh.run(userPasswordArgv('add_user', user, password));
    result = 'created';
  }
  await sh.run([RABBITMQCTL, 'set_permissions', '-p', '/', user, '.*', '.*', '.*']);
  if (users.includes('guest')) await sh.run([RABBITMQCTL, 'delete_user', 'guest']);
  return result;
}

export async function deleteRabbitUser(sh: Shell, user: string): Promise<void> {
  const users = await listUsers(sh);
  if (users.includes(user)) await sh.run([RABBITMQCTL, 'delete_user', user]);
}
