// The reader of stestr's subunit-trace output, fed text in the exact shape
// subunit_trace.py writes (show_outcome and print_attachments), and the
// `tempest run` command line.

import { describe, expect, it } from 'vitest';
import {
  areaOf,
  errorLines,
  formatReport,
  parseRun,
  totals,
  totalsByArea,
} from '../../../../lib/services/tempest/results.ts';
import { concurrency, tempestRunArgv } from '../../../../lib/services/tempest/run.ts';

const OUTPUT = [
  '{0} tempest.api.identity.v3.test_tokens.TokensV3Test.test_create_token [0.512345s] ... ok',
  '{1} tempest.api.compute.servers.test_create_server.ServersTestJSON.test_list_servers [1.0s] ... ok',
  '{1} tempest.api.volume.test_volumes_get.VolumesGetTest.test_volume_create_get_update_delete_from_image ' +
    '[30.1s] ... FAILED',
  '',
  'Captured traceback:',
  '~~~~~~~~~~~~~~~~~~~',
  '    Traceback (most recent call last):',
  '      File "/usr/lib/python3/dist-packages/tempest/api/volume/test_volumes_get.py", line 125, in test_x',
  '        self._volume_create_get_update_delete(**params)',
  '      File "/usr/lib/python3/dist-packages/tempest/common/waiters.py", line 288, in wait_for_volume',
  '        raise exceptions.VolumeResourceBuildErrorException(',
  '    tempest.exceptions.VolumeResourceBuildErrorException: volume 1f2e failed to build and is in ERROR status',
  '',
  '',
  'Captured pythonlogging:',
  '~~~~~~~~~~~~~~~~~~~~~~~',
  '    2026-11-30 10:00:00,000 1234 INFO [tempest.lib.common.rest_client] Request: POST ...',
  '{0} tempest.scenario.test_network_basic_ops.TestNetworkBasicOps.test_network_basic_ops ... ' +
    'SKIPPED: Floating ips are not available',
  '{0} setUpClass (tempest.api.compute.servers.test_create_server.ServersTestBootFromVolume) [0.000000s] ... FAILED',
  '',
  'Captured traceback:',
  '~~~~~~~~~~~~~~~~~~~',
  '    Traceback (most recent call last):',
  '      File "/usr/lib/python3/dist-packages/tempest/test.py", line 185, in setUpClass',
  '        raise value.with_traceback(trace)',
  '    tempest.lib.exceptions.ServerFault: Got server fault',
  // the exception's second line: subunit-trace indents the chunk, not each line of it
  'Details: boot failed',
  '',
  '======',
  'Totals',
  '======',
  'Ran: 5 tests in 40.0000 sec.',
  ' - Passed: 2',
].join('\n');

describe('tempest results', () => {
  const r = parseRun(OUTPUT);

  it('counts passes, failures (setUpClass too) and skips with their reason', () => {
    expect(totals(r.tests)).toEqual({ passed: 2, failed: 2, skipped: 1 });
    expect(r.tests.find((t) => t.status === 'skip')?.reason).toBe('Floating ips are not available');
    expect(r.failures.map((f) => f.id)).toEqual([
      'tempest.api.volume.test_volumes_get.VolumesGetTest.test_volume_create_get_update_delete_from_image',
      'setUpClass (tempest.api.compute.servers.test_create_server.ServersTestBootFromVolume)',
    ]);
  });

  it("a failure's error lines are the exception after the last frame, not the captured log", () => {
    expect(errorLines(r.failures[0].details)).toEqual([
      'tempest.exceptions.VolumeResourceBuildErrorException: volume 1f2e failed to build and is in ERROR status',
    ]);
    expect(errorLines(r.failures[1].details)).toEqual([
      'tempest.lib.exceptions.ServerFault: Got server fault',
      'Details: boot failed',
    ]);
    expect(errorLines(['no traceback here', '', 'second'])).toEqual(['no traceback here', 'second']);
  });

  it("finds the exception in Python 3.11's tracebacks as stestr prints them (blank lines, ^^^^ markers)", () => {
    // the shape of a real failure of tempest 33 on this stack (test_create_application_credential_expires)
    const details = [
      '    Traceback (most recent call last):',
      '',
      '      File "/usr/lib/python3/dist-packages/tempest/api/identity/base.py", line 329, in create_app_cred',
      '    resp, body = self.post(url,',
      '                 ^^^^^^^^^^^^^^',
      '',
      '      File "/usr/lib/python3/dist-packages/tempest/lib/common/rest_client.py", line 831, in _error_checker',
      '    raise exceptions.BadRequest(resp_body, resp=resp)',
      '',
      '    tempest.lib.exceptions.BadRequest: Bad request',
      "Details: {'code': 400, 'message': 'Invalid application credential'}",
      '',
      'Captured pythonlogging:',
      '~~~~~~~~~~~~~~~~~~~~~~~',
      '    2026-11-30 12:27:24,874 21929 INFO     [tempest.lib.common.rest_client] Request ... 400 POST',
    ];
    expect(errorLines(details)).toEqual([
      '    tempest.lib.exceptions.BadRequest: Bad request',
      "Details: {'code': 400, 'message': 'Invalid application credential'}",
    ]);
  });

  it('the report lists each failure with its error lines, then the totals', () => {
    const text = formatReport(r, 41.2);
    expect(text).toContain('Failures (2):\n  tempest.api.volume.test_volumes_get.VolumesGetTest.test_volume');
    expect(text).toContain('      tempest.lib.exceptions.ServerFault: Got server fault\n');
    expect(text.trimEnd().split('\n').at(-1)).toBe('tempest: 2 passed, 2 failed, 1 skipped in 41 s');
  });

  it('areas: tempest.api.<service>, tempest.scenario, a plugin; setUpClass counts for its class', () => {
    expect(areaOf('tempest.api.compute.servers.test_x.T.test_y[id-1,smoke]')).toBe('tempest.api.compute');
    expect(areaOf('setUpClass (tempest.api.compute.servers.test_create_server.ServersTestBootFromVolume)')).toBe(
      'tempest.api.compute',
    );
    expect(areaOf('tempest.scenario.test_network_basic_ops.T.test_z')).toBe('tempest.scenario');
    expect(areaOf('neutron_tempest_plugin.api.admin.test_tag.TagNetworkTestJSON.test_network_tags')).toBe(
      'neutron_tempest_plugin.api.admin',
    );
    expect([...totalsByArea(r.tests).entries()]).toEqual([
      ['tempest.api.compute', { passed: 1, failed: 1, skipped: 0 }],
      ['tempest.api.identity', { passed: 1, failed: 0, skipped: 0 }],
      ['tempest.api.volume', { passed: 0, failed: 1, skipped: 0 }],
      ['tempest.scenario', { passed: 0, failed: 0, skipped: 1 }],
    ]);
  });
});

describe('tempest run', () => {
  it('the command line: selection, workers, then the pass-through arguments', () => {
    expect(tempestRunArgv({ config: '/c', smoke: true, concurrency: 2, extra: ['--serial'] })).toEqual([
      '/usr/bin/tempest',
      'run',
      '--config-file',
      '/c',
      '--smoke',
      '--concurrency',
      '2',
      '--serial',
    ]);
    expect(tempestRunArgv({ config: '/c', regex: 'tempest.api.identity', list: true, concurrency: 2 })).toEqual([
      '/usr/bin/tempest',
      'run',
      '--config-file',
      '/c',
      '--regex',
      'tempest.api.identity',
      '--list-tests',
    ]);
  });

  it('TEMPEST_CONCURRENCY=0 means one worker per CPU', () => {
    expect(concurrency(0, 2)).toBe(2);
    expect(concurrency(3, 2)).toBe(3);
    expect(concurrency(0, 0)).toBe(1);
  });
});
