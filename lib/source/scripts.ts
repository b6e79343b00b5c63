// The console and WSGI scripts a checkout declares (setup.cfg [entry_points],
// pbr's format), so the install step can prove each one was generated in the
// venv: the panes and *-manage steps run them from there, never /usr/bin.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SCRIPT_GROUPS = new Set(['console_scripts', 'wsgi_scripts']);

/** Script names under console_scripts and wsgi_scripts in a setup.cfg. */
export function declaredScripts(setupCfg: string): string[] {
  const out: string[] = [];
  let inEntryPoints = false;
  let group: string | undefined;
  for (const raw of setupCfg.split('\n')) {
    const line = raw.replace(/\s+#.*$/, '');
    if (/^\s*[#;]/.test(line) || !line.trim()) continue;
    const section = /^\[([^\]]+)\]/.exec(line);
    if (section) {
      inEntryPoints = section[1].trim() === 'entry_points';
      group = undefined;
      continue;
    }
    if (!inEntryPoints) continue;
    const key = /^(\S[^=]*?)\s*=\s*(.*)$/.exec(line);
    if (key && !/^\s/.test(line)) {
      group = key[1].trim();
      // `console_scripts = name = module:func` on one line is legal too
      const inline = /^([^=\s]+)\s*=/.exec(key[2]);
      if (inline && SCRIPT_GROUPS.has(group)) out.push(inline[1]);
      continue;
    }
    const entry = /^\s+([^=\s]+)\s*=/.exec(line);
    if (entry && group && SCRIPT_GROUPS.has(group)) out.push(entry[1]);
  }
  return out;
}

/** Declared scripts missing from the venv's bin/, for a checkout with a setup.cfg. */
export function missingScripts(checkoutDir: string, venv: string): string[] {
  const cfg = join(checkoutDir, 'setup.cfg');
  if (!existsSync(cfg)) return [];
  return declaredScripts(readFileSync(cfg, 'utf8')).filter((s) => !existsSync(join(venv, 'bin', s)));
}
