/**
 * Picking free TCP ports for our own listeners (an onion service's local port, a node's tub port). Binds a
 * listening socket to port 0 on `host`, reads the port the kernel chose and closes it. Opens no outbound socket.
 */
import net from 'node:net';
import { VeilError } from '../core/index.js';

/** A free TCP port on `host` (default 127.0.0.1). Throws VEIL_LOCAL_PORT_UNAVAILABLE. */
export function allocatePort(host = '127.0.0.1'): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new VeilError('VEIL_LOCAL_PORT_UNAVAILABLE', `cannot find a free TCP port on ${host}: ${err.code ?? err.message}`, { cause: err })),
    );
    server.listen({ host, port: 0, exclusive: true }, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new VeilError('VEIL_BUG', 'internal error (a bug in Veil): listener has no port'))));
    });
  });
}
