#!/bin/sh
//bin/true; d=$(dirname "$(readlink -f "$0")")
//bin/true; m="tstack: dependencies missing; run 'npm ci' in $d first"
//bin/true; [ -e "$d/node_modules/tsx" ] || { echo "$m" >&2; exit 1; }
//bin/true; exec node --import "file://$d/node_modules/tsx/dist/loader.mjs" "$0" "$@"
// Lines 2-5 are comments to JavaScript and commands to sh (//bin/true is /bin/true).
// ./stack.ts: bring up a single-host OpenStack from local.conf, or manage the
// running one (status, restart, logs, attach...). The logic is in lib/cli/stack.ts.
import { main } from './lib/cli/stack.ts';
import { exitWith } from './lib/cli/exit.ts';

exitWith(main(process.argv.slice(2)));
