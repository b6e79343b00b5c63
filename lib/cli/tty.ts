/**
 * Headless means: no prompts, no TUI, no listr2 animation, plain progress
 * lines. CI=true forces it even on a terminal (devstack's gate habit).
 */
export function isHeadless(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = (env.CI ?? '').toLowerCase();
  if (ci === 'true' || ci === '1') return true;
  return !(process.stdin.isTTY && process.stdout.isTTY);
}
