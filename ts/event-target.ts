/**
 * The small EventTarget behind {@link W3CWebSocket}, modelled on yaeti 0.0.6 (what `websocket` 1.0.35 used):
 * `dispatchEvent` sets the event's `target`, `cancelable` and `stopImmediatePropagation`, calls the `on<type>`
 * property first, then the listeners in the order they were added, and returns `!event.defaultPrevented`.
 *
 * Two fixes over yaeti (POLICY class 3), both DOM behaviour: listeners are walked over a snapshot, so a listener
 * that removes itself no longer makes the next one be skipped (and a listener added during a dispatch waits for the
 * next one); and a listener may be an object with a `handleEvent` method (yaeti threw a TypeError for those).
 */

/**
 * A plain event, as yaeti builds one: `type` and `isTrusted: false`; `target`, `cancelable` and
 * `stopImmediatePropagation` are filled in by {@link W3CEventTarget.dispatchEvent}.
 */
export class W3CEvent {
  /** The event name (`open`, `message`, `error`, `close`). */
  readonly type: string;
  /** Always false: the event comes from script, not from a user agent. */
  readonly isTrusted = false;
  /** The object the event was dispatched on; `null` until then. */
  target: unknown = null;
  /** Set to true by dispatch, as yaeti does (nothing here can be cancelled, though). */
  cancelable = false;

  constructor(type: string) {
    this.type = type;
  }

  /** Stops the listeners after the current one; replaced by each dispatch, so it is a no-op outside one. */
  stopImmediatePropagation(): void {}
}

/** A `close` event: the close code, the reason text, and whether the close was clean (code 1000 or none). */
export class W3CCloseEvent extends W3CEvent {
  /** The close code; `undefined` only if the connection reported none. */
  readonly code: number | undefined;
  /** The reason text, `''` when there was none. */
  readonly reason: string;
  /** True for code 1000 (or no code), false for every other code, 1001 included (the 1.0.35 rule). */
  readonly wasClean: boolean;

  constructor(code: number | undefined, reason: string) {
    super('close');
    this.code = code;
    this.reason = reason;
    this.wasClean = code === undefined || code === 1000;
  }
}

/** A `message` event: a string for text, an `ArrayBuffer` (or a `Blob`, per `binaryType`) for binary. */
export class W3CMessageEvent<Data = string | ArrayBuffer | Blob> extends W3CEvent {
  /** The message payload. */
  readonly data: Data;

  constructor(data: Data) {
    super('message');
    this.data = data;
  }
}

/** The part of an event that dispatch reads and writes; foreign event objects (a DOM `Event`) fit it too. */
export interface DispatchableEvent {
  readonly type: string;
  target?: unknown;
  cancelable?: boolean;
  readonly defaultPrevented?: boolean;
  stopImmediatePropagation?(): void;
}

/** A listener: a function called with the target as `this`, or an object whose `handleEvent` is called. */
export type W3CEventListener<Target, Event> =
  | ((this: Target, event: Event) => void)
  | { handleEvent(event: Event): void };

type AnyListener = W3CEventListener<unknown, DispatchableEvent>;

/**
 * An EventTarget whose event names and event types are given by `EventMap`. Subclasses declare `on<type>`
 * properties for the names they dispatch.
 */
export class W3CEventTarget<EventMap extends { [K in keyof EventMap]: DispatchableEvent }> {
  /** Listeners by event name, in insertion order; a name without listeners has no entry. */
  private readonly _listeners = new Map<string, AnyListener[]>();

  /** Adds `listener` for `type`. A falsy argument, or a listener already added for that type, is ignored. */
  addEventListener<K extends keyof EventMap & string>(type: K, listener: W3CEventListener<this, EventMap[K]>): void;
  addEventListener(type: string, listener: W3CEventListener<this, DispatchableEvent>): void;
  addEventListener(type: string, listener: W3CEventListener<this, DispatchableEvent>): void {
    if (!type || !listener) return;
    const listeners = this._listeners.get(type);
    if (listeners === undefined) {
      this._listeners.set(type, [listener as AnyListener]);
    } else if (!listeners.includes(listener as AnyListener)) {
      listeners.push(listener as AnyListener);
    }
  }

  /** Removes `listener` for `type`, if it was added; otherwise does nothing. */
  removeEventListener<K extends keyof EventMap & string>(type: K, listener: W3CEventListener<this, EventMap[K]>): void;
  removeEventListener(type: string, listener: W3CEventListener<this, DispatchableEvent>): void;
  removeEventListener(type: string, listener: W3CEventListener<this, DispatchableEvent>): void {
    if (!type || !listener) return;
    const listeners = this._listeners.get(type);
    if (listeners === undefined) return;
    const index = listeners.indexOf(listener as AnyListener);
    if (index === -1) return;
    listeners.splice(index, 1);
    if (listeners.length === 0) this._listeners.delete(type);
  }

  /**
   * Dispatches `event` synchronously: `this['on' + type]` first (if it is a function), then the listeners.
   * A listener's exception propagates to the caller and ends the dispatch, as in yaeti. Throws if the event has
   * no string `type`. Returns `!event.defaultPrevented`.
   */
  dispatchEvent(event: DispatchableEvent): boolean {
    if (!event || typeof event.type !== 'string') {
      throw new Error('`event` must have a valid `type` property');
    }
    let stopped = false;
    if (event instanceof W3CEvent) {
      event.target = this;
      event.cancelable = true;
    }
    try {
      event.stopImmediatePropagation = () => {
        stopped = true;
      };
    } catch {
      // A frozen or foreign event keeps its own method; dispatch then cannot be stopped early.
    }

    const type = event.type;
    const handler = (this as unknown as Record<string, unknown>)['on' + type];
    if (typeof handler === 'function') handler.call(this, event);

    const listeners = this._listeners.get(type);
    if (listeners !== undefined) {
      for (const listener of listeners.slice()) {
        if (stopped) break;
        // Removed by an earlier listener of this same dispatch.
        if (!this._listeners.get(type)?.includes(listener)) continue;
        if (typeof listener === 'function') listener.call(this, event);
        else listener.handleEvent(event);
      }
    }
    return !event.defaultPrevented;
  }
}
