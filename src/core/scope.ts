/**
 * Resource ownership. Every socket, child process, timer, listener and temp directory has exactly one owner.
 * A Scope keeps its children and closes them in reverse order of adoption; close() is safe to call twice and
 * resolves only when every child's close() has resolved.
 */

/** Anything with an idempotent close() that resolves once the resource is really gone. */
export interface Closable {
  close(): Promise<void>;
}

export class Scope implements Closable, AsyncDisposable {
  readonly #children = new Set<Closable>();
  #closing: Promise<void> | undefined;
  readonly #controller = new AbortController();

  /** Aborts when the scope starts closing: pass it to in-flight work the scope owns. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get isClosed(): boolean {
    return this.#closing !== undefined;
  }

  /** Takes ownership of `child`; if the scope is already closing, closes the child at once. */
  adopt<T extends Closable>(child: T): T {
    if (this.#closing) {
      void child.close().catch(() => undefined);
      return child;
    }
    this.#children.add(child);
    return child;
  }

  /** Adopts a plain cleanup function. */
  defer(fn: () => void | Promise<void>): void {
    let done: Promise<void> | undefined;
    this.adopt({ close: () => (done ??= Promise.resolve().then(fn)) });
  }

  /** Releases ownership without closing (the child was closed by someone else, or handed over). */
  release(child: Closable): void {
    this.#children.delete(child);
  }

  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<void> {
    this.#controller.abort(new DOMException('scope closed', 'AbortError'));
    const children = [...this.#children].reverse();
    this.#children.clear();
    const errors: unknown[] = [];
    for (const child of children) {
      try {
        await child.close();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'several resources failed to close');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
