import type { Command } from '../command.js';
import { createClientCommand, createNodeCommand } from './create-node.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { testnetCommand } from './testnet.js';
import { versionCommand } from './version.js';

/** Every command, in the order `veil help` lists them. */
export const COMMANDS: readonly Command[] = [createNodeCommand, createClientCommand, runCommand, statusCommand, testnetCommand, versionCommand];
