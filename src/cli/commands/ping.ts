import { pingPeer } from '../../node/index.js';
import { print, type Command } from '../command.js';

export const pingCommand: Command = {
  name: 'ping',
  summary: 'connect to a node through its connection hints, as this node would, and say how',
  usage: 'ping HINTS [-d NODEDIR] [--json]',
  help: `HINTS is a comma-separated list of connection hints (tcp:HOST:PORT, tor:ONION.onion:PORT, i2p:ADDR.i2p[:PORT]).
The hints are tried in order through the router under this node's policy (veil.cfg): with
reveal-IP-address = false only Tor and I2P are used. Prints the transport that connected and each hint's outcome.`,
  options: { json: { type: 'boolean' } },
  async run({ io, nodeDir, positionals, values, signal }) {
    const hints = positionals[0];
    if (!hints) {
      print(io.stderr, 'usage: veil ping HINTS');
      return 2;
    }
    const result = await pingPeer(nodeDir, hints, { signal });
    if (values['json']) print(io.stdout, JSON.stringify(result, null, 2));
    else {
      print(io.stdout, `Connected to ${result.hint} via ${result.transport} in ${result.milliseconds} ms: node "${result.peer.nickname ?? '?'}" (Veil ${result.peer.version ?? '?'})`);
      for (const a of result.attempts) if (a.outcome !== 'connected') print(io.stdout, `  ${a.hint}: ${a.outcome}`);
    }
    return 0;
  },
};
