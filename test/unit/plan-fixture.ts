// Test plans built the way a run builds them: a local.conf (the values given)
// resolved by the real resolveConfig against the registry's settings catalog
// on a fake host, then the real plan builder. No copy of any default lives
// here: what a test does not set comes from the settings rows.

import type { HostFacts, MetaSection, StackConfig } from '../../lib/types/config.ts';
import type { InstallMethod, PlanDecision } from '../../lib/types/plan.ts';
import type { Plan, ServiceModule } from '../../lib/types/stack.ts';
import { parseLocalConf } from '../../lib/config/localconf.ts';
import { resolveConfig } from '../../lib/config/resolve.ts';
import { shellSingleQuote } from '../../lib/util/shell-quote.ts';
import { buildPlan } from '../../lib/plan/plan.ts';
import { stackCatalog } from '../../lib/cli/catalog.ts';
import { SERVICE_MODULES } from '../../lib/services/registry.ts';
import { fakeHost } from './config/helpers.ts';

export interface TestConfigOptions {
  /** ENABLED_SERVICES (comma list or names); default: the settings row's default. */
  services?: string | readonly string[];
  /** The modules whose rows the catalog has (default: the registry). */
  catalogModules?: readonly ServiceModule[];
  /** The environment the resolution sees (default: empty). */
  env?: NodeJS.ProcessEnv;
  host?: HostFacts;
  /** Already parsed [[post-config|...]] sections, for the merge tests. */
  metaSections?: MetaSection[];
}

/** `values` written as `NAME='value'` lines of a [[local|localrc]] section, resolved for real. */
export function testConfig(values: Record<string, string> = {}, o: TestConfigOptions = {}): StackConfig {
  const lines = Object.entries(values).map(([k, v]) => `${k}=${shellSingleQuote(v)}`);
  if (o.services !== undefined)
    lines.push(`ENABLED_SERVICES=${typeof o.services === 'string' ? o.services : o.services.join(',')}`);
  const localConf = parseLocalConf(`[[local|localrc]]\n${lines.join('\n')}\n`, 'test-local.conf');
  const config = resolveConfig({
    localConf,
    env: o.env ?? {},
    host: o.host ?? fakeHost(),
    savedPasswords: {},
    catalog: stackCatalog(o.catalogModules),
  });
  return o.metaSections ? { ...config, metaSections: o.metaSections } : config;
}

export interface TestPlanOptions extends TestConfigOptions {
  method?: InstallMethod;
  /** The modules the plan runs (default: the registry). */
  modules?: readonly ServiceModule[];
  topDir?: string;
  /** Settings chosen from probes of the machine, as up.ts passes them (LIBVIRT_TYPE). */
  decisions?: PlanDecision[];
}

export function testPlan(values: Record<string, string> = {}, o: TestPlanOptions = {}): Plan {
  return buildPlan(
    testConfig(values, o),
    { method: o.method ?? 'distro', reason: 'test' },
    o.modules ?? SERVICE_MODULES,
    { topDir: o.topDir, decisions: o.decisions },
  );
}
