// The parsers behind bench:fresh-apt --py3compile: dpkg.log's passes and the py3compile shim's runs.

import { describe, expect, it } from 'vitest';
import { dpkgPasses, py3compileRuns } from '../../../bench/dpkg-timing.ts';

// lines as dpkg 1.21 writes them to /var/log/dpkg.log
const DPKG_LOG = `2026-11-30 20:08:02 startup archives unpack
2026-11-30 20:08:02 install libc-bin:amd64 <none> 2.36-9
2026-11-30 20:08:02 status unpacked libc-bin:amd64 2.36-9
2026-11-30 20:08:03 configure libc-bin:amd64 2.36-9 <none>
2026-11-30 20:08:03 status half-configured libc-bin:amd64 2.36-9
2026-11-30 20:08:05 status installed libc-bin:amd64 2.36-9
2026-11-30 20:08:05 startup archives unpack
2026-11-30 20:08:05 install python3-six:all <none> 1.16.0-4
2026-11-30 20:08:04 status half-installed python3-six:all 1.16.0-4
2026-11-30 20:08:34 install python3-nova:all <none> 2:26.2.2-1~deb12u4
2026-11-30 20:08:34 status unpacked python3-nova:all 2:26.2.2-1~deb12u4
2026-11-30 20:08:35 startup packages configure
2026-11-30 20:08:35 configure python3-six:all 1.16.0-4 <none>
2026-11-30 20:08:35 status half-configured python3-six:all 1.16.0-4
2026-11-30 20:08:36 status installed python3-six:all 1.16.0-4
2026-11-30 20:08:36 trigproc man-db:amd64 2.11.2-2 <none>
2026-11-30 20:09:10 status installed man-db:amd64 2.11.2-2
2026-11-30 20:09:50 configure python3-nova:all 2:26.2.2-1~deb12u4 <none>
2026-11-30 20:09:54 status installed python3-nova:all 2:26.2.2-1~deb12u4
`;

describe('dpkg timing', () => {
  it('splits dpkg.log into the unpack and the configure pass, and times each configure and trigger run', () => {
    const passes = dpkgPasses(DPKG_LOG);
    // unpack: the first unpack to the last (libc-bin's early configure inside it); configure: on to the end
    expect(passes.unpackMs).toBe(32_000);
    expect(passes.configureMs).toBe(80_000);
    expect(passes.configured).toBe(3);
    // each lasts up to the next line that starts something (libc-bin's early configure: not the unpacks after
    // it), the last one to the end of the log
    expect([...passes.configures]).toEqual([
      ['libc-bin:amd64', 2_000],
      ['python3-six:all', 1_000],
      ['man-db:amd64 (triggers)', 74_000],
      ['python3-nova:all', 4_000],
    ]);
  });

  it('adds up the shim runs per package (-p PACKAGE), other arguments as they are', () => {
    const runs = py3compileRuns(
      '1200 -p python3-nova\n300 -p python3-six\n800 -p python3-nova /usr/lib/x\n40 -V 3.11 /x\n',
    );
    expect(runs.ms).toBe(2340);
    expect(runs.runs).toBe(4);
    expect([...runs.byPackage]).toEqual([
      ['python3-nova', 2000],
      ['python3-six', 300],
      ['-V 3.11 /x', 40],
    ]);
  });
});
