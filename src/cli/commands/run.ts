import { startNode } from '../../node/index.js';
import { print, type Command } from '../command.js';
import { progressPrinter } from '../progress.js';

export const runCommand: Command = {
  name: 'run',
  summary: 'run the node in the foreground until Ctrl-C (SIGINT) or SIGTERM',
  usage: 'run [NODEDIR]',
  help: `Starts everything veil.cfg asks for: tor (launched or connected), the peer listeners, the node's onion
service (republished from its saved key: the address never changes), and the web port (gateway and status, on
127.0.0.1 by default). The configuration is checked before any socket opens; with reveal-IP-address = false any
setting that would reveal the IP address stops the node, naming the key and its safe value.`,
  takesNodeDir: true,
  async run({ io, nodeDir, signal }) {
    const node = await startNode(nodeDir, { signal, onProgress: progressPrinter(io), allowPublicNetwork: io.env['VEIL_TESTNET'] === undefined });
    try {
      print(io.stdout, `Veil node running in ${nodeDir} (pid ${process.pid})`);
      if (node.onionAddress) print(io.stdout, `  onion service: ${node.onionAddress}`);
      if (node.webUrl) print(io.stdout, `  web port: ${node.webUrl}`);
      const introducerFurl = node.status().grid.introducer?.furl;
      if (introducerFurl) print(io.stdout, `  introducer fURL: ${introducerFurl}`);
      print(io.stdout, 'ready');
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        else signal.addEventListener('abort', () => resolve(), { once: true });
      });
      print(io.stdout, 'stopping');
    } finally {
      await node.close();
    }
    return 0;
  },
};
