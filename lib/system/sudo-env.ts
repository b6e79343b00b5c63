// The panes' python settings (lib/proc/launch.ts PANE_PYTHON_ENV) through sudo. oslo.privsep's daemons and the
// rootwrap daemons are started by the services as `sudo <project>-rootwrap ...`, and sudo's env_reset would drop
// the settings: each privsep-helper then loads eventlet's green resolver and pkg_resources again (56 MiB private
// against 25 with the settings; ML2/OVS runs about ten of them, OVN's metadata agent one per namespace kind).

import type { Step } from '../types/stack.ts';
import { APT_STEP } from './apt.ts';

export const SUDO_ENV_FILE = '/etc/sudoers.d/tstack-pane-env';

/** The drop-in: sudo keeps these variables (names only; their values come from the pane). */
export function sudoEnvText(names: readonly string[]): string {
  const bad = names.find((n) => !/^[A-Z_][A-Z0-9_]*$/.test(n));
  if (bad) throw new Error(`sudo env_keep: not a variable name: ${bad}`);
  return [
    "# Written by tstack: the panes' python settings reach the privsep and rootwrap daemons started through sudo.",
    `Defaults env_keep += "${[...names].sort().join(' ')}"`,
    '',
  ].join('\n');
}

/**
 * The install-phase step writing the drop-in, checked by visudo first; re-runs skip it while it is unchanged.
 * It waits for the apt step: a fresh VM has no sudo (nor visudo) until nova-common, neutron-common or
 * cinder-common bring it.
 */
export function sudoEnvStep(names: readonly string[], file = SUDO_ENV_FILE): Step {
  const text = sudoEnvText(names);
  return {
    id: 'host:sudo-env',
    title: "sudo keeps the panes' python settings (privsep and rootwrap daemons)",
    after: [APT_STEP],
    fingerprint: `sudo-env:${file}:${text}`,
    run: async (ctx) => {
      await ctx.sh.run(['visudo', '-c', '-q', '-f', '-'], { input: text });
      await ctx.writeFile(file, text, { mode: 0o440, owner: 'root', group: 'root' });
    },
  };
}
