/**
 * Free TCP ports on 127.0.0.1 for the testnet's tors (ORPort, DirPort, SocksPort must be known before the
 * torrcs are written, because the DirAuthority lines name them).
 *
 * This is the one place outside src/net that touches sockets, and it only *listens* (on 127.0.0.1, port 0,
 * then closes at once): a bind test, like the test servers allowed in test files. It never connects.
 * The ports stay free only until someone else binds them; a tor that then fails to bind exits and
 * startTorTestnet reports VEIL_TESTNET_TOR_EXITED.
 */
import net from 'node:net';
import { VeilError } from '../core/index.js';

/**
 * Returns `count` distinct ports that were free on 127.0.0.1 a moment ago (the kernel picks them).
 * All probes are held open together so that the kernel cannot hand out the same port twice.
 * Throws VEIL_TESTNET_NO_FREE_PORT.
 */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      ports.push(await listenEphemeral(server));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}

function listenEphemeral(server: net.Server): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new VeilError('VEIL_TESTNET_NO_FREE_PORT', `cannot bind a free port on 127.0.0.1: ${err.code ?? err.message}`, { cause: err }));
    };
    server.once('error', onError);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new VeilError('VEIL_TESTNET_NO_FREE_PORT', 'cannot bind a free port on 127.0.0.1: no TCP address returned'));
        return;
      }
      resolve(address.port);
    });
  });
}
