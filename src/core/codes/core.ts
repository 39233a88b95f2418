import { codeTable } from './types.js';

/** Codes owned by src/core. */
export const CORE_CODES = codeTable({
  VEIL_BUG: {
    category: 'bug',
    summary: 'An impossible state was reached.',
    hint: 'this is a bug in Veil: please report it with the command you ran and the log (VEIL_LOG=debug)',
  },
  VEIL_ABORTED: {
    category: 'aborted',
    summary: 'The operation was cancelled by its AbortSignal (Ctrl-C, a stop, or a caller).',
    hint: 'run the command again if the cancellation was not intended',
  },
  VEIL_TIMEOUT: {
    category: 'network',
    summary: 'An operation did not finish before its deadline.',
    hint: 'check that the daemon or peer is running and reachable, or raise the timeout',
  },
  VEIL_INPUT_INVALID: {
    category: 'input',
    summary: 'A command-line argument or user input is malformed.',
    hint: 'see `veil help` for the expected form',
  },
});
