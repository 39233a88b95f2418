import type { Command } from '../command.js';
import { versionCommand } from './version.js';

/** Every command, in the order `veil help` lists them. */
export const COMMANDS: readonly Command[] = [versionCommand];
