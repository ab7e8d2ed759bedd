/**
 * The listeners of one connection: event listeners by name, which decide when the connection
 * subscribes and unsubscribes (EVT-2, EVT-5), and plain listener sets for errors, opens and
 * closes. A listener that throws is logged and does not stop the others.
 */

/** A listener of one named event; gets the event's arguments. */
export type EventListener = (...args: any[]) => void;

/** Calls each listener with `args`, logging (not rethrowing) what one throws. */
function callEach<A extends unknown[]>(
  listeners: Iterable<(...args: A) => void>,
  args: A,
  what: string,
): void {
  for (const listener of [...listeners]) {
    try {
      listener(...args);
    } catch (error) {
      console.error(`${what} listener threw`, error);
    }
  }
}

/** A set of listeners of one kind. */
export class ListenerSet<A extends unknown[]> {
  readonly #listeners = new Set<(...args: A) => void>();

  constructor(readonly what: string) {}

  /** Adds a listener; returns a function that removes it. */
  add(listener: (...args: A) => void): () => void {
    // A wrapper keeps each registration distinct, so one function can be added twice.
    const entry = (...args: A) => listener(...args);
    this.#listeners.add(entry);
    return () => this.#listeners.delete(entry);
  }

  /** Calls every listener with `args`. */
  emit(...args: A): void {
    callEach(this.#listeners, args, this.what);
  }
}

/**
 * Event listeners by event name. `subscribe(name)` runs when a name gets its first listener and
 * `unsubscribe(name)` when it loses its last one.
 */
export class EventListeners {
  readonly #byName = new Map<string, Set<EventListener>>();

  constructor(
    private readonly subscribe: (name: string) => void,
    private readonly unsubscribe: (name: string) => void,
  ) {}

  /** The names that have listeners, to subscribe again after a reconnect. */
  names(): string[] {
    return [...this.#byName.keys()];
  }

  /** Adds a listener of `name`; returns a function that removes it (idempotent). */
  on(name: string, listener: EventListener): () => void {
    let set = this.#byName.get(name);
    if (!set) {
      set = new Set();
      this.#byName.set(name, set);
      this.subscribe(name);
    }
    const entry: EventListener = (...args) => listener(...args);
    set.add(entry);
    return () => this.#remove(name, entry);
  }

  /** Like {@link on}, but the listener is removed before its first call. */
  once(name: string, listener: EventListener): () => void {
    const off = this.on(name, (...args) => {
      off();
      listener(...args);
    });
    return off;
  }

  /** Calls the listeners of `name` with `args`, in the order they were added. */
  emit(name: string, args: unknown[]): void {
    const set = this.#byName.get(name);
    if (set) callEach(set, args, `event "${name}"`);
  }

  #remove(name: string, entry: EventListener): void {
    const set = this.#byName.get(name);
    if (!set?.delete(entry) || set.size > 0) return;
    this.#byName.delete(name);
    this.unsubscribe(name);
  }
}
