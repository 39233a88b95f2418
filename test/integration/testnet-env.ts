/**
 * Access to the one private test network that scripts/test.mjs starts for the whole run (shared by all suites).
 * A missing network fails the test: there is no skip in CI.
 */
import { readFileSync } from 'node:fs';
import type { TestnetInfo, TorTestnetInfo, I2pTestnetInfo } from '../../src/testnet/types.js';

export function getTestnet(): TestnetInfo {
  const path = process.env['VEIL_TESTNET'];
  if (!path) {
    throw new Error('VEIL_TESTNET is not set: run integration tests through `npm test` (scripts/test.mjs), which starts the private network');
  }
  return JSON.parse(readFileSync(path, 'utf8')) as TestnetInfo;
}

export function getTorTestnet(): TorTestnetInfo {
  const tor = getTestnet().tor;
  if (!tor) throw new Error('the private Tor network is not running in this test run');
  return tor;
}

export function getI2pTestnet(): I2pTestnetInfo {
  const i2p = getTestnet().i2p;
  if (!i2p) throw new Error('the private I2P network is not running in this test run');
  return i2p;
}
