// The phases of a stack run, in order, and the kinds of result a step may note
// for the summary.

export type NoteKind = 'info' | 'warning' | 'incomplete';

export type PhaseName =
  | 'pre-install'
  | 'install'
  | 'configure'
  | 'post-config'
  | 'init'
  | 'start'
  | 'extra'
  | 'post-extra'
  | 'test-config';

export const PHASES: readonly PhaseName[] = [
  'pre-install',
  'install',
  'configure',
  'post-config',
  'init',
  'start',
  'extra',
  'post-extra',
  'test-config',
];
