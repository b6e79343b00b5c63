// Polling for the E2E tests: a real stack converges asynchronously (ports bind, agents report, guests boot).

/** Calls `fn` every 2 s until it returns a value (not undefined); a throw counts as "not yet" and is reported. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutSec = 120): Promise<T> {
  const deadline = Date.now() + timeoutSec * 1000;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached in ${timeoutSec}s${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}
