#!/bin/sh
//bin/true; d=$(dirname "$(readlink -f "$0")")
//bin/true; m="tstack: dependencies missing; run 'npm ci' in $d first"
//bin/true; [ -e "$d/node_modules/tsx" ] || { echo "$m" >&2; exit 1; }
//bin/true; exec node --import "file://$d/node_modules/tsx/dist/loader.mjs" "$0" "$@"
// Lines 2-5 are comments to JavaScript and commands to sh (//bin/true is /bin/true).
// ./unstack.ts: stop the stack; -a also stops mysql and rabbit, --clean removes
// what the stack made. The logic is in lib/cli/unstack.ts.
import { main } from './lib/cli/unstack.ts';
import { exitWith } from './lib/cli/exit.ts';

exitWith(main(process.argv.slice(2)));
