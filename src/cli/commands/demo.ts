import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scope } from '../../core/index.js';
import { startTorTestnet, writeInfo } from '../../testnet/index.js';
import { createNode, startNode } from '../../node/index.js';
import { FsBlockstore, importFile } from '../../content/index.js';
import { allocatePort } from '../../net/index.js';
import { print, type Command } from '../command.js';
import { progressPrinter } from '../progress.js';

const WELCOME = `Hello from Veil.

This file lives in a Veil node that hides its IP address: it listens only on a Tor onion service, and every
connection it makes goes through Tor. The Tor network here is a private one on 127.0.0.1 that cannot reach
anything outside this machine.
`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'run a private Tor network on 127.0.0.1 with a Veil node behind an onion service (what `npm start` runs)',
  usage: 'demo [--keep DIR]',
  help: `Starts a private Tor network (3 authorities, 2 exits to 127.0.0.0/8 only, 2 clients), creates a node with
--listen=tor --hide-ip on the first client, adds a welcome file, runs the node and prints how to reach it.
Ctrl-C stops everything. Nothing reaches the public Tor network.`,
  options: { keep: { type: 'string' } },
  async run({ io, signal, values }) {
    const keep = values['keep'] as string | undefined;
    const dir = keep ?? mkdtempSync(join(tmpdir(), 'veil-demo-'));
    const progress = progressPrinter(io);
    await using scope = new Scope();
    if (!keep) scope.defer(() => rmSync(dir, { recursive: true, force: true }));
    print(io.stdout, 'Starting a private Tor network on 127.0.0.1 (about 20 seconds)…');
    const net = scope.adopt(await startTorTestnet({ dir: join(dir, 'net'), signal, onProgress: progress }));
    const netInfo = join(dir, 'net');
    await writeInfo(netInfo, { dir: netInfo, tor: net.info });
    const [a, b] = net.info.clients;
    if (!a || !b) throw new Error('the private network has fewer than two clients');
    const nodeDir = join(dir, 'node');
    const webPort = await allocatePort();
    await createNode({
      kind: 'node',
      nodeDir,
      listen: 'tor',
      hideIp: true,
      nickname: 'veil-demo',
      torControlPort: `tcp:127.0.0.1:${a.controlPort}`,
      webport: `tcp:${webPort}:interface=127.0.0.1`,
      testnet: { allowLoopbackExit: true },
      signal,
      onProgress: progress,
    });
    const blocks = await FsBlockstore.open(join(nodeDir, 'blocks'));
    const added = await importFile([new TextEncoder().encode(WELCOME)], blocks, { signal });
    const node = await startNode(nodeDir, { signal, onProgress: progress });
    scope.adopt(node);
    print(
      io.stdout,
      [
        '',
        'Veil is running.',
        `  node directory:  ${nodeDir}`,
        `  onion service:   ${node.onionAddress ?? '(not published)'}  (reveal-IP-address = false)`,
        `  gateway:         ${node.webUrl ?? '(disabled)'}`,
        '',
        'Try it (from another terminal):',
        `  curl ${node.webUrl}/ipfs/${added.cid.toString()}`,
        `  curl --socks5-hostname 127.0.0.1:${b.socksPort} http://${node.onionAddress}:3457/veil/v1/node   # over Tor, from the other client`,
        `  node bin/veil.js status -d ${nodeDir}`,
        '',
        'Press Ctrl-C to stop.',
      ].join('\n'),
    );
    await new Promise<void>((r) => (signal.aborted ? r() : signal.addEventListener('abort', () => r(), { once: true })));
    print(io.stdout, 'stopping…');
    return 0;
  },
};
