// /etc/openstack/clouds.yaml with devstack's cloud entries (write_clouds_yaml),
// so `openstack --os-cloud devstack-admin ...` works as it does on devstack.
// Every string is emitted as a YAML double-quoted scalar (yamlString), which
// PyYAML reads back verbatim: a password may hold any allowed character.

import { readFile } from 'node:fs/promises';
import type { Plan, StackContext, Step } from '../types/stack.ts';
import { addSecret } from '../util/secrets.ts';
import { imageNameFromUrl, parseImageUrls } from './images.ts';
import type { SeedReport } from './report.ts';
import { keystoneAuthUrl, regionName } from '../config/urls.ts';

export const CLOUDS_YAML_MARKER = '# Written by tstack (./stack.ts); re-written on every run.';

export interface CloudEntry {
  name: string;
  username: string;
  /** A project name, or system scope `all`. */
  scope: { project: string } | { system: 'all' };
}

/** devstack's entries, in its order. */
export const DEVSTACK_CLOUDS: readonly CloudEntry[] = [
  { name: 'devstack', username: 'demo', scope: { project: 'demo' } },
  { name: 'devstack-alt', username: 'alt_demo', scope: { project: 'alt_demo' } },
  { name: 'devstack-alt-member', username: 'alt_demo_member', scope: { project: 'alt_demo' } },
  { name: 'devstack-alt-reader', username: 'alt_demo_reader', scope: { project: 'alt_demo' } },
  { name: 'devstack-admin', username: 'admin', scope: { project: 'admin' } },
  { name: 'devstack-admin-demo', username: 'admin', scope: { project: 'demo' } },
  { name: 'devstack-reader', username: 'demo_reader', scope: { project: 'demo' } },
  { name: 'devstack-system-admin', username: 'admin', scope: { system: 'all' } },
  { name: 'devstack-system-member', username: 'system_member', scope: { system: 'all' } },
  { name: 'devstack-system-reader', username: 'system_reader', scope: { system: 'all' } },
];

export interface CloudsYamlInput {
  authUrl: string;
  region: string;
  password: string;
  cacert?: string;
  /** For the SDK's functional tests (devstack writes `functional: image_name:`). */
  defaultImageName?: string;
  clouds?: readonly CloudEntry[];
}

/**
 * A YAML double-quoted scalar: JSON's escapes (quote, backslash, C0
 * controls) are YAML's too; on top, what YAML 1.1 folds as a line break
 * (NEL, U+2028, U+2029) or refuses unescaped (DEL, C1 controls, BOM,
 * U+FFFE/U+FFFF) becomes \uXXXX.
 */
export function yamlString(s: string): string {
  const unicodeEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  return JSON.stringify(s).replace(/[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g, unicodeEscape);
}

const str = yamlString;

export function renderCloudsYaml(input: CloudsYamlInput): string {
  const lines = [CLOUDS_YAML_MARKER, 'clouds:'];
  for (const c of input.clouds ?? DEVSTACK_CLOUDS) {
    lines.push(
      `  ${str(c.name)}:`,
      `    region_name: ${str(input.region)}`,
      `    identity_api_version: "3"`,
      `    volume_api_version: "3"`,
      ...(input.cacert ? [`    cacert: ${str(input.cacert)}`] : []),
      `    auth:`,
      `      auth_url: ${str(input.authUrl)}`,
      `      username: ${str(c.username)}`,
      `      password: ${str(input.password)}`,
      `      user_domain_id: "default"`,
    );
    if ('project' in c.scope)
      lines.push(`      project_name: ${str(c.scope.project)}`, `      project_domain_id: "default"`);
    else lines.push(`      system_scope: ${str(c.scope.system)}`);
  }
  if (input.defaultImageName) lines.push('functional:', `  image_name: ${str(input.defaultImageName)}`);
  return lines.join('\n') + '\n';
}

export function cloudsYamlInput(plan: Plan, report?: SeedReport): CloudsYamlInput {
  const password = plan.get('ADMIN_PASSWORD');
  addSecret(password);
  const first = parseImageUrls(plan.get('IMAGE_URLS'))[0];
  return {
    authUrl: keystoneAuthUrl(plan),
    region: regionName(plan),
    password,
    // The image actually uploaded first; DEFAULT_IMAGE_NAME names CirrOS even when IMAGE_URLS points elsewhere.
    // (or, after seeding, the first image seeded: the test image when it stood in for CirrOS).
    defaultImageName:
      report?.images.find((i) => i.status !== 'failed')?.name ??
      (first ? imageNameFromUrl(first) : plan.get('DEFAULT_IMAGE_NAME')),
  };
}

export function cloudsYamlStep(plan: Plan, report: SeedReport, path = plan.get('CLOUDS_YAML')): Step {
  return {
    id: 'seed:clouds-yaml',
    title: 'clouds.yaml',
    async run(ctx: StackContext) {
      const content = renderCloudsYaml(cloudsYamlInput(plan, report));
      const previous = await readFile(path, 'utf8').catch(() => undefined);
      // A clouds.yaml we did not write may hold the user's other clouds: keep it beside ours.
      if (previous !== undefined && !previous.startsWith(CLOUDS_YAML_MARKER)) {
        await ctx.writeFile(`${path}.orig`, previous, { mode: 0o600 });
        ctx.note('info', `the previous ${path} was kept as ${path}.orig`);
      }
      await ctx.writeFile(path, content, { mode: 0o600 });
      report.cloudsYaml = path;
    },
  };
}
