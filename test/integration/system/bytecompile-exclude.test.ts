// The byte-compile exclude list, read by its real consumer: dh-python's py3compile (/usr/bin/py3compile), whose
// own functions parse a bcep directory and filter a package's files with it. Nothing is compiled or installed.

import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BYTECOMPILE_EXCLUDE, BYTECOMPILE_EXCLUDE_FILE } from '../../../lib/system/apt.ts';
import { generatedFiles } from '../../../lib/phases/clean.ts';
import { makePlan } from '../../unit/services/fixture.ts';

const PY3COMPILE_FILTER = `
import sys, importlib.machinery, importlib.util
loader = importlib.machinery.SourceFileLoader('py3compile', '/usr/bin/py3compile')
spec = importlib.util.spec_from_loader('py3compile', loader)
py3compile = importlib.util.module_from_spec(spec)
loader.exec_module(py3compile)
patterns = py3compile.get_exclude_patterns_from_dir(sys.argv[1])
versions = py3compile.get_requested_versions(None, available=True)
files = sys.stdin.read().split()
for f, vs in py3compile.filter_files(files, patterns, versions):
    print(f)
`;

describe('APT_BYTECOMPILE_TESTS=False', () => {
  it("makes py3compile skip the packages' test suites and nothing else", () => {
    const bcep = mkdtempSync(join(tmpdir(), 'tstack-bcep-'));
    writeFileSync(join(bcep, 'tstack'), BYTECOMPILE_EXCLUDE);
    const dist = '/usr/lib/python3/dist-packages';
    const files = [
      `${dist}/nova/compute/manager.py`,
      `${dist}/nova/tests/unit/compute/test_compute.py`,
      `${dist}/neutron/tests/functional/test_server.py`,
      `${dist}/cinder/tests/fake_driver.py`,
      `${dist}/oslo_db/sqlalchemy/engines.py`,
      `${dist}/keystone/identity/backends/sql.py`,
    ];
    const kept = execFileSync('/usr/bin/python3', ['-c', PY3COMPILE_FILTER, bcep], {
      input: files.join('\n'),
      encoding: 'utf8',
    })
      .trim()
      .split('\n');
    expect(kept).toEqual([
      `${dist}/nova/compute/manager.py`,
      `${dist}/oslo_db/sqlalchemy/engines.py`,
      `${dist}/keystone/identity/backends/sql.py`,
    ]);
  });

  it('is a file tstack wrote, removed by ./unstack.ts --clean', () => {
    expect(BYTECOMPILE_EXCLUDE_FILE.startsWith('/usr/share/python3/bcep/')).toBe(true);
    expect(generatedFiles(makePlan())).toContain(BYTECOMPILE_EXCLUDE_FILE);
  });
});
