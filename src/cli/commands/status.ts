import { VeilError } from '../../core/index.js';
import { readNodeUrl, type NodeStatus } from '../../node/index.js';
import { getLocalJson } from '../../net/index.js';
import { print, type Command } from '../command.js';

export function formatStatus(s: NodeStatus): string {
  const lines = [`Veil ${s.version}, node "${s.nickname || '(no nickname)'}", pid ${s.pid}, up ${s.uptimeSeconds} s`];
  lines.push(`  reveal-IP-address: ${s.revealIpAddress ? 'true' : 'false (IP hidden)'}`);
  if (s.tor) {
    lines.push(`  tor: ${s.tor.state}, bootstrapped ${s.tor.bootstrapPercent}%${s.tor.launched ? ', launched by this node' : ''}${s.tor.socks ? `, SOCKS ${s.tor.socks}` : ''}`);
    if (s.tor.lastError) lines.push(`    last error: ${s.tor.lastError}`);
  } else {
    lines.push('  tor: not used');
  }
  if (s.onionService) lines.push(`  onion service: ${s.onionService.address} (${s.onionService.state})`);
  for (const o of s.savedOnionServices) lines.push(`  onion service "${o.name}": ${o.address} (${o.state})`);
  if (s.i2p) {
    lines.push(`  i2p: ${s.i2p.state}${s.i2p.address ? `, destination ${s.i2p.address}` : ''}, SAM ${s.i2p.sam}${s.i2p.launched ? `, i2pd launched by this node (pid ${s.i2p.pid}${s.i2p.restarts > 0 ? `, started again ${s.i2p.restarts} time(s) after it exited by itself` : ''})` : ''}`);
    if (s.i2p.lastError) lines.push(`    last error: ${s.i2p.lastError}`);
  }
  for (const l of s.listeners) lines.push(`  listening: ${l}`);
  if (s.webUrl) lines.push(`  web port: ${s.webUrl}`);
  lines.push('  connection hints:');
  for (const [type, how] of Object.entries(s.handlers)) lines.push(`    ${type}: ${how}`);
  const g = s.grid;
  if (g) {
    if (g.introducer) lines.push(`  introducer: serving, ${g.introducer.announcements} server(s) announced${g.introducer.furl ? `\n    fURL: ${g.introducer.furl}` : ''}`);
    if (g.storageFurl) lines.push(`  storage: offered${g.announced ? `, announcement ${g.announced}` : ''}`);
    if (g.subscription) {
      lines.push(`  introducer subscription: ${g.subscription}; ${g.servers.length} storage server(s) known`);
      for (const srv of g.servers) lines.push(`    "${srv.nickname}" ${srv.keyHash.slice(0, 8)}${srv.availableBytes === undefined ? '' : `, ${srv.availableBytes} bytes free`}`);
    }
  }
  if (s.connections.length > 0) {
    lines.push('  connections:');
    for (const c of s.connections) lines.push(`    ${c.peer}: ${c.status}`);
  }
  return lines.join('\n');
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'show the status of the running node',
  usage: 'status [NODEDIR] [--json]',
  options: { json: { type: 'boolean' } },
  takesNodeDir: true,
  async run({ io, nodeDir, values, signal }) {
    const url = await readNodeUrl(nodeDir);
    let body: NodeStatus;
    try {
      body = (await getLocalJson(`${url}/veil/v1/status`, { signal })) as NodeStatus;
    } catch (err) {
      throw new VeilError('VEIL_NODE_NOT_RUNNING', `the node in ${nodeDir} does not answer on ${url}: ${(err as Error).message}`, { cause: err });
    }
    print(io.stdout, values['json'] ? JSON.stringify(body, null, 2) : formatStatus(body));
    return 0;
  },
};
