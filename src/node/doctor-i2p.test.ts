import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderI2pdConf } from '../i2p/index.js';
import { samPortFromI2pdConf } from './doctor-i2p.js';

test('the SAM port of a launched i2pd is read back from the i2pd.conf Veil wrote (not the NTCP2 port before it)', () => {
  const conf = renderI2pdConf({ dataDir: '/n/private/i2p', network: { kind: 'private', netId: 77, host: '127.0.1.9', allowLoopbackPeers: true }, ntcp2Port: 41002, samPort: 41001 });
  assert.equal(samPortFromI2pdConf(conf), 41001);
  assert.equal(samPortFromI2pdConf(renderI2pdConf({ dataDir: '/d', network: { kind: 'public' }, ntcp2Port: 5 })), undefined, 'SAM disabled: no port');
  assert.equal(samPortFromI2pdConf('[sam]\nenabled = true\nport = 99999\n'), undefined);
  assert.equal(samPortFromI2pdConf('port = 1\n[ SAM ]\nport=7656\n'), 7656);
});
