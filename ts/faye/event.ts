/**
 * The event objects of the faye-websocket API and the stream they are dispatched on: an `Event` is a plain object
 * with `type`, the fields it carries (`data`, `message`, `code`, `reason`) and no-op `stopPropagation` and
 * `preventDefault`; dispatch sets `target`, `currentTarget` and `eventPhase`, calls the `on<type>` property, then
 * emits `type` with the event to the EventEmitter listeners (`addEventListener` is `on`).
 */
import { Stream } from 'stream';

/** An event of the faye API. */
export class FayeEvent {
  /** The event name: `open`, `message`, `error`, `close` (and `drain` is emitted without one). */
  type: string;
  /** Always false. */
  bubbles = false;
  /** Always false. */
  cancelable = false;
  /** The socket or event source the event was dispatched on. */
  target: unknown = null;
  /** The same as `target`. */
  currentTarget: unknown = null;
  /** `AT_TARGET` (2) once dispatched. */
  eventPhase = 0;

  /** The DOM's phase numbers; faye events are only ever at their target. */
  static readonly CAPTURING_PHASE = 1;
  /** The phase of every dispatched faye event. */
  static readonly AT_TARGET = 2;
  /** Never used by faye events (they do not bubble). */
  static readonly BUBBLING_PHASE = 3;

  constructor(type: string) {
    this.type = type;
  }

  /** Does nothing: faye events do not propagate. */
  stopPropagation(): void {}

  /** Does nothing: faye events cannot be cancelled. */
  preventDefault(): void {}
}

/** A `message` event. */
export class FayeMessageEvent extends FayeEvent {
  /** A string for a text message, a Buffer for a binary one. */
  data: string | Buffer;

  constructor(data: string | Buffer) {
    super('message');
    this.data = data;
  }
}

/** An `error` event. */
export class FayeErrorEvent extends FayeEvent {
  /** What went wrong, e.g. `Network error: ws://host/: connect ECONNREFUSED 127.0.0.1:80`. */
  message: string;

  constructor(message: string) {
    super('error');
    this.message = message;
  }
}

/** A `close` event. */
export class FayeCloseEvent extends FayeEvent {
  /** The close code: the one the peer sent or echoed, a protocol error's code, or 1006 when no close handshake happened. */
  code: number;
  /** The close reason. */
  reason: string;

  constructor(code: number, reason: string) {
    super('close');
    this.code = code;
    this.reason = reason;
  }
}

/** The handler property of each event type the API dispatches (so that a dispatch builds no string). */
const HANDLER_PROPERTIES: Readonly<Record<string, string>> = {
  open: 'onopen',
  message: 'onmessage',
  error: 'onerror',
  close: 'onclose',
};

/** An `on<type>` handler property. */
export type FayeHandler<Event> = ((event: Event) => void) | null;

/**
 * A classic Node stream that dispatches faye events (what the sockets and the event source share): `on<type>`
 * handlers, the EventTarget methods, and `write`/`end` over the subclass's `send` and `close`.
 */
export abstract class FayeEventStream<CloseEvent extends FayeEvent> extends Stream {
  /** Called on open, before the `open` listeners. */
  onopen: FayeHandler<FayeEvent> = null;
  /** Called for each message, before the `message` listeners. */
  onmessage: FayeHandler<FayeMessageEvent> = null;
  /** Called for a protocol or network error, before the `error` listeners. */
  onerror: FayeHandler<FayeErrorEvent> = null;
  /** Called once when closed, before the `close` listeners. */
  onclose: FayeHandler<CloseEvent> = null;

  /** Sends one message; false once closing. */
  abstract send(data: unknown): boolean;

  /** Closes. */
  abstract close(): void;

  /** The stream interface's write: {@link send}. */
  write(data: unknown): boolean {
    return this.send(data);
  }

  /** The stream interface's end: sends `data` if it is given, then closes. */
  end(data?: unknown): void {
    if (data !== undefined) this.send(data);
    this.close();
  }

  /** `on(type, listener)`. */
  addEventListener(type: string, listener: (event: FayeEvent) => void): void {
    this.on(type, listener);
  }

  /** `removeListener(type, listener)`. */
  removeEventListener(type: string, listener: (event: FayeEvent) => void): void {
    this.removeListener(type, listener);
  }

  /** Dispatches `event`: the `on<type>` property first (if it is a function), then the listeners. */
  dispatchEvent(event: FayeEvent): void {
    event.target = event.currentTarget = this;
    event.eventPhase = FayeEvent.AT_TARGET;
    const type = event.type;
    const handler = (this as unknown as Record<string, unknown>)[HANDLER_PROPERTIES[type] ?? 'on' + type];
    if (typeof handler === 'function') handler.call(this, event);
    this.emit(type, event);
  }
}
