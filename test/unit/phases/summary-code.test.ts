// The end-of-run summary says, for every pane, whether its code comes from a
// checkout or a package, and with the source method where the checkouts are.

import { afterEach, describe, expect, it } from 'vitest';
import { formatSummary } from '../../../lib/phases/summary.ts';
import type { PaneStatus } from '../../../lib/types/process.ts';
import { clearSecrets } from '../../../lib/util/secrets.ts';
import { makePlan } from '../services/fixture.ts';

afterEach(() => clearSecrets());

const SERVICES = 'mysql,rabbit,memcached,key,g-api,n-api';
const ready = (names: string[]) => names.map((name) => ({ name, state: 'ready' }) as PaneStatus);

describe('formatSummary: code of every pane', () => {
  it('source: OpenStack panes from checkouts, infrastructure from packages, checkouts listed', () => {
    const plan = makePlan(
      { SERVICE_PROTOCOL: 'http', SOURCE_DEPS: 'distro' },
      { services: SERVICES, method: 'source' },
    );
    const text = formatSummary(plan, ready(plan.processes.map((p) => p.name)), []);
    for (const [pane, code] of [
      ['mysql', 'package'],
      ['rabbit', 'package'],
      ['memcached', 'package'],
      ['key', 'checkout'],
      ['g-api', 'checkout'],
      ['n-api', 'checkout'],
    ]) {
      expect(text).toMatch(new RegExp(`^${pane}\\s+\\S+\\s+ready\\s+\\d*\\s*${code}$`, 'm'));
    }
    expect(text).toContain(
      'Checkouts:  /opt/stack/keystone, /opt/stack/glance, /opt/stack/nova (venv /opt/stack/data/venv;',
    );
  });

  it('distro: every pane from a package, no checkouts line', () => {
    const plan = makePlan({ SERVICE_PROTOCOL: 'http' }, { services: SERVICES, method: 'distro' });
    const text = formatSummary(plan, ready(plan.processes.map((p) => p.name)), []);
    expect(text).not.toContain('checkout');
    expect(text).not.toContain('Checkouts:');
    expect(text).toMatch(/^key\s+keystone\s+ready\s+5000\s+package$/m);
  });
});
