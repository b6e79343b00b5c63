// Seeding through REST. ./stack.ts calls:
//   catalogStep(plan)          in `start`, right after pane `key` is ready;
//   seedSteps(plan, report)    in `extra`: accounts, flavors, networks, images, clouds.yaml, openrc;
//   openstackClient(plan)      behind StackContext.openstack(): one admin token for the whole run.
// After the run, `report` (createSeedReport) says what was seeded; imagesSeeded(report) === false
// means the stack is up but an image is missing (EXIT.partial).

import type { OpenStackClient } from '../types/openstack.ts';
import { RestClient } from '../openstack/rest.ts';
import type { Plan, Step } from '../types/stack.ts';
import { addSecret } from '../util/secrets.ts';
import { accountsStep, seededUserNames } from './accounts.ts';
import { cloudsYamlStep } from './clouds-yaml.ts';
import { flavorsStep } from './flavors.ts';
import { imagesStep, testImageHandoff, testImageStep, wantsTestImageStep } from './images.ts';
import { networkStep } from './network.ts';
import { openrcStep } from './openrc.ts';
import { createSeedReport, type SeedReport } from './report.ts';
import { keystoneAuthUrl, regionName } from '../config/urls.ts';

export { catalogStep } from './catalog.ts';
export { ACCOUNTS_STEP } from './accounts.ts';
export { createSeedReport, imagesSeeded, type SeedReport, type ImageOutcome } from './report.ts';

export function seedSteps(plan: Plan, report: SeedReport = createSeedReport()): Step[] {
  report.users = seededUserNames();
  const steps: Step[] = [accountsStep(plan)];
  if (plan.isEnabled('n-api')) steps.push(flavorsStep(plan));
  if (plan.isEnabled('q-svc') && plan.bool('NEUTRON_CREATE_INITIAL_NETWORKS')) steps.push(networkStep(plan));
  const imageSteps: Step[] = [];
  if (plan.isEnabled('g-api')) {
    const handoff = testImageHandoff(plan);
    imageSteps.push(imagesStep(plan, report, handoff));
    if (wantsTestImageStep(handoff)) imageSteps.push(testImageStep(plan, report, handoff));
  }
  // clouds.yaml names the default image actually seeded (CirrOS, or the test image standing in)
  const clouds = cloudsYamlStep(plan, report);
  if (imageSteps.length) clouds.after = [...(clouds.after ?? []), ...imageSteps.map((s) => s.id)];
  steps.push(...imageSteps, clouds, openrcStep(plan, report));
  return steps;
}

const clients = new WeakMap<Plan, Promise<OpenStackClient>>();

/** The admin client for this plan: logged in once, then shared by every step. */
export function openstackClient(plan: Plan): Promise<OpenStackClient> {
  let p = clients.get(plan);
  if (!p) {
    const password = plan.get('ADMIN_PASSWORD');
    addSecret(password);
    p = RestClient.login({
      authUrl: keystoneAuthUrl(plan),
      username: 'admin',
      password,
      projectName: 'admin',
      region: regionName(plan),
    });
    clients.set(plan, p);
    // A failed login (keystone not up yet) must not be cached.
    p.catch(() => clients.delete(plan));
  }
  return p;
}
