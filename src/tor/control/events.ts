/**
 * Typed asynchronous events (control-spec 4.1 "Asynchronous events"). Pure parsing of 650 replies into
 * typed values for the events Veil uses; every event keeps its raw text and unknown fields as strings so
 * that newer tor versions do not break parsing.
 */
import { VeilError, quoteUntrusted } from '../../core/index.js';
import { parseReplyArguments } from './command-format.js';
import type { ControlReply } from './reply-codec.js';

/** Any event: the name (first word), the raw text of its first line, and any further lines. */
export interface RawEvent {
  readonly name: string;
  /** Text of the first line after the event name. */
  readonly text: string;
  /** Positional words after the name. */
  readonly positional: readonly string[];
  /** KEY=VALUE arguments (untrusted, in a Map). */
  readonly args: ReadonlyMap<string, string>;
  /** The whole reply, for multi-line events. */
  readonly reply: ControlReply;
}

/** STATUS_GENERAL / STATUS_CLIENT / STATUS_SERVER (control-spec 4.1.10). */
export interface StatusEvent extends RawEvent {
  /** NOTICE, WARN or ERR (kept raw when unknown). */
  readonly severity: string;
  /** E.g. BOOTSTRAP, CIRCUIT_ESTABLISHED. */
  readonly action: string;
}

/** HS_DESC (control-spec 4.1.25). */
export interface HsDescEvent extends RawEvent {
  /** REQUESTED, UPLOAD, RECEIVED, UPLOADED, IGNORE, FAILED, CREATED (kept raw when unknown). */
  readonly action: string;
  /** Onion service id without ".onion" (or UNKNOWN). */
  readonly address: string;
  readonly authType: string;
  /** `$fingerprint~nickname`, or UNKNOWN. */
  readonly hsDir: string;
  readonly descriptorId: string | undefined;
  readonly reason: string | undefined;
}

/** CIRC (control-spec 4.1.1). */
export interface CircEvent extends RawEvent {
  readonly circuitId: string;
  /** LAUNCHED, BUILT, GUARD_WAIT, EXTENDED, FAILED, CLOSED (kept raw when unknown). */
  readonly status: string;
  /** Relays `$fingerprint~nickname`, empty when tor sent no path. */
  readonly path: readonly string[];
  readonly purpose: string | undefined;
}

/** STREAM (control-spec 4.1.2). */
export interface StreamEvent extends RawEvent {
  readonly streamId: string;
  /** NEW, NEWRESOLVE, REMAP, SENTCONNECT, SENTRESOLVE, SUCCEEDED, FAILED, CLOSED, DETACHED, … */
  readonly status: string;
  readonly circuitId: string;
  /** `host:port`. */
  readonly target: string;
  readonly reason: string | undefined;
}

/** Events with a typed form; any other name is delivered as RawEvent. */
export interface TorEventMap {
  STATUS_GENERAL: StatusEvent;
  STATUS_CLIENT: StatusEvent;
  STATUS_SERVER: StatusEvent;
  HS_DESC: HsDescEvent;
  CIRC: CircEvent;
  STREAM: StreamEvent;
}

export type TypedEventName = keyof TorEventMap;

function malformed(name: string, text: string): VeilError {
  return new VeilError('VEIL_TOR_CONTROL_PROTOCOL', `Tor control port sent a malformed ${name} event: ${quoteUntrusted(text)}`);
}

function word(raw: RawEvent, index: number): string {
  const value = raw.positional[index];
  if (value === undefined) throw malformed(raw.name, raw.text);
  return value;
}

type Refiner = (raw: RawEvent) => RawEvent;

const status: Refiner = (raw): StatusEvent => ({ ...raw, severity: word(raw, 0), action: word(raw, 1) });

const REFINERS: Readonly<Record<TypedEventName, Refiner>> = Object.freeze({
  STATUS_GENERAL: status,
  STATUS_CLIENT: status,
  STATUS_SERVER: status,
  HS_DESC: (raw): HsDescEvent => ({
    ...raw,
    action: word(raw, 0),
    address: word(raw, 1),
    authType: word(raw, 2),
    hsDir: word(raw, 3),
    descriptorId: raw.positional[4],
    reason: raw.args.get('REASON'),
  }),
  CIRC: (raw): CircEvent => ({
    ...raw,
    circuitId: word(raw, 0),
    status: word(raw, 1),
    path: raw.positional[2] === undefined ? [] : raw.positional[2].split(','),
    purpose: raw.args.get('PURPOSE'),
  }),
  STREAM: (raw): StreamEvent => ({
    ...raw,
    streamId: word(raw, 0),
    status: word(raw, 1),
    circuitId: word(raw, 2),
    target: word(raw, 3),
    reason: raw.args.get('REASON'),
  }),
});

/**
 * Parses a 6xx reply into a RawEvent, refined to the typed form when the name is in TorEventMap.
 * Throws VEIL_TOR_CONTROL_PROTOCOL when the reply has no event name or a typed event lacks a field.
 */
export function parseEvent(reply: ControlReply): RawEvent {
  const first = reply.lines[0];
  if (!first || first.text === '') throw malformed('(unnamed)', first?.text ?? '');
  const space = first.text.indexOf(' ');
  const name = space < 0 ? first.text : first.text.slice(0, space);
  const text = space < 0 ? '' : first.text.slice(space + 1);
  const { positional, keywords } = parseReplyArguments(text);
  const raw: RawEvent = { name, text, positional, args: keywords, reply };
  const refine = (REFINERS as Readonly<Record<string, Refiner | undefined>>)[name];
  return refine ? refine(raw) : raw;
}
