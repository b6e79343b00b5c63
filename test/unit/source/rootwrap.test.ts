// Rootwrap for a checkout: the files tstack writes are read by their real
// consumers (oslo.rootwrap's own config loader, visudo), and the services'
// configs name them with the source method and Debian's with the distro one.

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  privsepHelperScript,
  rootHelper,
  rootwrap,
  rootwrapConfText,
  rootwrapLeftovers,
  sudoersText,
} from '../../../lib/source/rootwrap.ts';
import { getOption, type IniDoc } from '../../../lib/util/ini.ts';
import { novaConf, novaCpuConf } from '../../../lib/services/nova.ts';
import { neutronConf } from '../../../lib/services/neutron.ts';
import { testPlan } from '../plan-fixture.ts';

const source = testPlan({ DEST: '/opt/stack' }, { method: 'source' });
const distro = testPlan({ DEST: '/opt/stack' }, { method: 'distro' });
const VENV_BIN = '/opt/stack/data/venv/bin';
const opt = (doc: IniDoc, section: string, key: string) => getOption(doc, section, key)?.join(',');

describe('rootwrap from a checkout', () => {
  it('oslo.rootwrap reads the conf: the checkout filters copied to /etc, the venv first in exec_dirs', () => {
    const r = rootwrap(source, 'nova');
    const py = [
      'import configparser, sys',
      'from oslo_rootwrap import wrapper',
      'c = configparser.RawConfigParser(); c.read_string(sys.stdin.read())',
      'w = wrapper.RootwrapConfig(c)',
      'print(w.filters_path); print(w.exec_dirs); print(w.use_syslog)',
    ].join('\n');
    const out = execFileSync('/usr/bin/python3', ['-c', py], { input: rootwrapConfText(r), encoding: 'utf8' });
    expect(out.trim().split('\n')).toEqual([
      "['/etc/nova/tstack-rootwrap.d']",
      `['${VENV_BIN}', '/sbin', '/usr/sbin', '/bin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']`,
      'False',
    ]);
    expect(r.source?.checkoutFilters).toBe('/opt/stack/nova/etc/nova/rootwrap.d');
  });

  it('visudo accepts the sudoers file: only the venv rootwrap with tstack conf, venv first on the path', () => {
    const r = rootwrap(source, 'neutron');
    const text = sudoersText(r);
    execFileSync('visudo', ['-c', '-q', '-f', '-'], { input: text });
    expect(text).toContain(`Defaults:neutron secure_path="${VENV_BIN}:/usr/local/sbin:`);
    expect(text).toContain(
      `neutron ALL = (root) NOPASSWD: ${VENV_BIN}/neutron-rootwrap /etc/neutron/tstack-rootwrap.conf *`,
    );
    expect(text).not.toMatch(/\/usr\/bin\/neutron-rootwrap/);
  });

  it('privsep-helper runs oslo.privsep with the venv python', () => {
    const script = privsepHelperScript('/opt/stack/data/venv');
    expect(script.split('\n')[0]).toBe(`#!${VENV_BIN}/python`);
    // the entry point oslo.privsep's own setup.cfg declares for privsep-helper
    const ep = execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        'from importlib.metadata import entry_points; ' +
          "print([e.value for e in entry_points(group='console_scripts') if e.name == 'privsep-helper'][0])",
      ],
      { encoding: 'utf8' },
    ).trim();
    expect(ep).toBe('oslo_privsep.daemon:helper_main');
    expect(script).toContain('from oslo_privsep.daemon import helper_main');
  });
});

describe('the services name the rootwrap of their method', () => {
  it('nova: rootwrap_config (n-cpu escalates through it) and the checkout api-paste', () => {
    expect(opt(novaCpuConf(source), 'DEFAULT', 'rootwrap_config')).toBe('/etc/nova/tstack-rootwrap.conf');
    expect(opt(novaConf(distro), 'DEFAULT', 'rootwrap_config')).toBe('/etc/nova/rootwrap.conf');
    expect(opt(novaConf(source), 'wsgi', 'api_paste_config')).toBe('/opt/stack/nova/etc/nova/api-paste.ini');
  });

  it('neutron: the agents root_helper is the venv rootwrap from a checkout, Debian otherwise', () => {
    expect(opt(neutronConf(source), 'agent', 'root_helper')).toBe(
      `sudo ${VENV_BIN}/neutron-rootwrap /etc/neutron/tstack-rootwrap.conf`,
    );
    expect(opt(neutronConf(distro), 'agent', 'root_helper')).toBe(rootHelper(rootwrap(distro, 'neutron')));
    expect(opt(neutronConf(distro), 'agent', 'root_helper')).toBe(
      'sudo /usr/bin/neutron-rootwrap /etc/neutron/rootwrap.conf',
    );
    expect(opt(neutronConf(distro), 'DEFAULT', 'api_paste_config')).toBeUndefined();
    expect(opt(neutronConf(source), 'DEFAULT', 'api_paste_config')).toBe('/opt/stack/neutron/etc/api-paste.ini');
  });
});

describe('unstack --clean', () => {
  it('removes the conf, sudoers entry and filters of each rootwrap project; none with the distro method', () => {
    expect(rootwrapLeftovers(source, ['keystone', 'nova', 'neutron'])).toEqual({
      files: [
        '/etc/nova/tstack-rootwrap.conf',
        '/etc/sudoers.d/tstack-nova',
        '/etc/neutron/tstack-rootwrap.conf',
        '/etc/sudoers.d/tstack-neutron',
      ],
      dirs: ['/etc/nova/tstack-rootwrap.d', '/etc/neutron/tstack-rootwrap.d'],
    });
    expect(rootwrapLeftovers(distro, ['nova', 'neutron'])).toEqual({ files: [], dirs: [] });
  });
});
