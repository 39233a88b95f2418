import { createNode, type CreateNodeRequest, type NodeKind } from '../../node/index.js';
import { print, type Command, type CommandContext } from '../command.js';
import { progressPrinter } from '../progress.js';

const COMMON_OPTIONS = {
  nickname: { type: 'string' },
  introducer: { type: 'string' },
  'hide-ip': { type: 'boolean' },
  webport: { type: 'string' },
  'tor-launch': { type: 'boolean' },
  'tor-control-port': { type: 'string' },
  'tor-executable': { type: 'string' },
  'testnet-join': { type: 'string' },
  'allow-loopback-exit': { type: 'boolean' },
  'i2p-sam-port': { type: 'string' },
  tcp: { type: 'string' },
} as const;

const LISTEN_OPTIONS = {
  listen: { type: 'string' },
  port: { type: 'string' },
  location: { type: 'string' },
  hostname: { type: 'string' },
  'i2p-launch': { type: 'boolean' },
  'i2p-executable': { type: 'string' },
  'no-storage': { type: 'boolean' },
} as const;

const COMMON_HELP = `options:
  --nickname=NAME           name shown to other nodes
  --introducer=FURL         the grid's introducer (pb://KEYHASH@HINTS/SWISSNUM)
  --hide-ip                 refuse to reveal this node's IP: sets reveal-IP-address = false and [connections] tcp = tor
  --webport=ENDPOINT        gateway and status listener (default tcp:8080:interface=127.0.0.1; "disabled" for none)
  --tcp=tor|disabled        with --hide-ip: reach tcp: hints through Tor (default), or not at all (I2P-only)
  --i2p-sam-port=EP         the SAM bridge of a running I2P router (default tcp:127.0.0.1:7656)
  --tor-launch              launch a private tor for this node (data in NODEDIR/private/tor-statedir)
  --tor-control-port=EP     use the running tor at this control endpoint (tcp:HOST:PORT or unix:PATH)
  --tor-executable=PATH     tor binary for --tor-launch
  --testnet-join=FILE       TEST NETWORKS ONLY: a launched tor joins the private network described by FILE
  --allow-loopback-exit     TEST NETWORKS ONLY: let Tor reach 127.0.0.1 targets through the private network's exits`;

const LISTEN_HELP = `  --listen=tcp,tor,i2p,none where peers reach this node (default tcp; tcp needs --hostname)
  --hostname=HOST           host name or IP peers use, with --listen=tcp
  --port=ENDPOINT           listener, written verbatim as tub.port (with --location)
  --location=HINTS          connection hints, written verbatim as tub.location (with --port)
  --i2p-launch              launch this node's own i2pd at each start (data in NODEDIR/private/i2p; with
                            --testnet-join it joins that private I2P network)
  --i2p-executable=PATH     i2pd binary for --i2p-launch
  --no-storage              do not offer storage to other nodes`;

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

async function run(kind: NodeKind, ctx: CommandContext): Promise<number> {
  const v = ctx.values;
  const req: CreateNodeRequest = {
    kind,
    nodeDir: ctx.nodeDir,
    listen: str(v['listen']),
    hideIp: v['hide-ip'] === true,
    port: str(v['port']),
    location: str(v['location']),
    hostname: str(v['hostname']),
    nickname: str(v['nickname']),
    introducer: str(v['introducer']),
    webport: str(v['webport']),
    torLaunch: v['tor-launch'] === true,
    torControlPort: str(v['tor-control-port']),
    torExecutable: str(v['tor-executable']),
    i2pLaunch: v['i2p-launch'] === true,
    i2pSamPort: str(v['i2p-sam-port']),
    i2pExecutable: str(v['i2p-executable']),
    storage: v['no-storage'] === true ? false : undefined,
    tcp: str(v['tcp']),
    testnet: { join: str(v['testnet-join']), allowLoopbackExit: v['allow-loopback-exit'] === true },
    // A tor launched for create-node joins the public network only from a terminal outside a test run.
    allowPublicNetwork: ctx.io.env['VEIL_TESTNET'] === undefined,
    signal: ctx.signal,
    onProgress: progressPrinter(ctx.io),
  };
  const created = await createNode(req);
  print(ctx.io.stdout, `${kind === 'introducer' ? 'Introducer' : 'Node'} created in ${created.nodeDir}`);
  if (created.onionAddress) print(ctx.io.stdout, `  onion service: ${created.onionAddress}`);
  if (created.i2pAddress) print(ctx.io.stdout, `  I2P destination: ${created.i2pAddress}`);
  if (!created.config.node.revealIpAddress) print(ctx.io.stdout, '  reveal-IP-address = false: the node refuses any setting that would reveal its IP');
  if (kind === 'introducer') {
    if (created.introducerFurl) print(ctx.io.stdout, `  introducer fURL (also in ${created.nodeDir}/private/introducer.furl):\n  ${created.introducerFurl}`);
    print(ctx.io.stdout, ` Give that fURL to servers and clients (--introducer=FURL). Start it with: veil run ${created.nodeDir}`);
  } else print(ctx.io.stdout, ` Please set [client] introducer.furl = in veil.cfg if you did not give --introducer.\n Start it with: veil run ${created.nodeDir}`);
  return 0;
}

export const createNodeCommand: Command = {
  name: 'create-node',
  summary: 'create a node directory (storage server and client)',
  usage: 'create-node [NODEDIR] [--listen=tcp,tor,i2p,none] [--hide-ip] [--hostname=H] [--port=EP --location=HINTS] [options]',
  help: `${COMMON_HELP}\n${LISTEN_HELP}`,
  options: { ...COMMON_OPTIONS, ...LISTEN_OPTIONS },
  takesNodeDir: true,
  run: (ctx) => run('node', ctx),
};

export const createClientCommand: Command = {
  name: 'create-client',
  summary: 'create a client-only node directory (it does not listen)',
  usage: 'create-client [NODEDIR] [--hide-ip] [--introducer=FURL] [options]',
  help: COMMON_HELP,
  options: { ...COMMON_OPTIONS, listen: { type: 'string' }, port: { type: 'string' }, location: { type: 'string' }, hostname: { type: 'string' } },
  takesNodeDir: true,
  run: (ctx) => run('client', ctx),
};

const { introducer: _introducer, ...INTRODUCER_COMMON_OPTIONS } = COMMON_OPTIONS;
const { 'no-storage': _noStorage, ...INTRODUCER_LISTEN_OPTIONS } = LISTEN_OPTIONS;

export const createIntroducerCommand: Command = {
  name: 'create-introducer',
  summary: 'create an introducer node directory (storage servers announce to it, clients learn them from it)',
  usage: 'create-introducer [NODEDIR] [--listen=tcp,tor,i2p] [--hide-ip] [--hostname=H] [--port=EP --location=HINTS] [options]',
  help: `The introducer keeps the signed announcements of the grid's storage servers and passes them on to clients;
it cannot forge or alter them (clients verify each one). Its fURL is written to NODEDIR/private/introducer.furl:
give it to servers and clients with --introducer=FURL. It offers no storage.

${COMMON_HELP.split('\n').filter((l) => !l.includes('--introducer=FURL')).join('\n')}
${LISTEN_HELP.split('\n').filter((l) => !l.includes('--no-storage')).join('\n')}`,
  options: { ...INTRODUCER_COMMON_OPTIONS, ...INTRODUCER_LISTEN_OPTIONS },
  takesNodeDir: true,
  run: (ctx) => run('introducer', ctx),
};
