/**
 * Test-only: an in-memory fake of tor's control port, connected to the client through a Duplex pair
 * (no sockets). The script decides what each received command line gets back.
 */
import { Duplex } from 'node:stream';
import { TorControl } from './client.js';

/** Two connected in-memory Duplex streams: what one writes the other reads; destroying one ends the other. */
export function duplexPair(): [Duplex, Duplex] {
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        const p = peer();
        if (!p.destroyed) p.push(chunk);
        cb();
      },
      final(cb) {
        peer().push(null);
        cb();
      },
      destroy(err, cb) {
        const p = peer();
        if (!p.destroyed) p.push(null);
        cb(err);
      },
    });
  const a: Duplex = make(() => b);
  const b: Duplex = make(() => a);
  return [a, b];
}

export type Script = (line: string, fake: FakeTor) => string | undefined | void;

/** The server side: collects received lines and answers per `script`. */
export class FakeTor {
  readonly lines: string[] = [];
  readonly socket: Duplex;
  #buffer = '';
  #waiters: Array<{ count: number; resolve: () => void }> = [];

  constructor(socket: Duplex, script: Script) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString('utf8');
      for (let i = this.#buffer.indexOf('\r\n'); i >= 0; i = this.#buffer.indexOf('\r\n')) {
        const line = this.#buffer.slice(0, i);
        this.#buffer = this.#buffer.slice(i + 2);
        this.lines.push(line);
        const answer = script(line, this);
        if (typeof answer === 'string') this.send(answer);
        this.#waiters = this.#waiters.filter((w) => (this.lines.length >= w.count ? (w.resolve(), false) : true));
      }
    });
    socket.on('error', () => undefined);
  }

  send(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  /** Resolves once `count` lines have arrived. */
  received(count: number): Promise<void> {
    if (this.lines.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}

/** A client wired to a fake tor. */
export function connectFake(script: Script): { control: TorControl; fake: FakeTor } {
  const [client, server] = duplexPair();
  return { control: new TorControl(client), fake: new FakeTor(server, script) };
}

/** A script that answers every command with `250 OK`, plus overrides by command prefix. */
export function okScript(overrides: Record<string, string> = {}): Script {
  return (line) => {
    for (const [prefix, answer] of Object.entries(overrides)) if (line.startsWith(prefix)) return answer;
    return '250 OK\r\n';
  };
}
