/**
 * Typed progress events for long work (bootstrap, publishing onion services, imports). Names are namespaced
 * (`tor:bootstrap`, `onion:descriptor-uploaded`). The CLI turns them into progress lines.
 */
export interface ProgressEvent<T extends string = string, D = Record<string, unknown>> {
  readonly type: T;
  readonly detail: D;
}

export type ProgressListener = (event: ProgressEvent) => void;

export interface ProgressOptions {
  onProgress?: ProgressListener | undefined;
}

/** Calls the listener, isolating the caller from a listener that throws. */
export function report(options: ProgressOptions | undefined, type: string, detail: Record<string, unknown> = {}): void {
  try {
    options?.onProgress?.({ type, detail });
  } catch {
    // A progress listener must not break the work it observes; nothing to do with its error.
  }
}
