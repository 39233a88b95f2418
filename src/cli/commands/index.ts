import type { Command } from '../command.js';
import { createClientCommand, createIntroducerCommand, createNodeCommand } from './create-node.js';
import { doctorCommand } from './doctor.js';
import { onionCommand } from './onion.js';
import { demoCommand } from './demo.js';
import { pingCommand } from './ping.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { testnetCommand } from './testnet.js';
import { versionCommand } from './version.js';
import { addCommand } from './add.js';
import { catCommand } from './cat.js';
import { carCommand } from './car.js';
import { nameCommand } from './name.js';
import { keyCommand } from './key.js';
import { getCommand, lsCommand, putCommand } from './put.js';
import { leaseCommand } from './lease.js';

/** Every command, in the order `veil help` lists them. */
export const COMMANDS: readonly Command[] = [createNodeCommand, createClientCommand, createIntroducerCommand, runCommand, statusCommand, onionCommand, doctorCommand, pingCommand, putCommand, getCommand, lsCommand, leaseCommand, addCommand, catCommand, carCommand, nameCommand, keyCommand, testnetCommand, demoCommand, versionCommand];
