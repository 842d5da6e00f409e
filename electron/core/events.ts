import type { EventName, EventPayload } from '../../shared/contract.js';

export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;
/** A subscribe function in the style of VS Code's `onDidX` events. */
export type Event<T> = (listener: Listener<T>) => Disposable;

export class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch {
        // a listener's failure must not stop the others
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }

  dispose(): void {
    this.listeners.clear();
  }
}

/** The core's pushed events, keyed by the contract's event names. */
export class EventBus {
  private readonly emitters = new Map<EventName, Emitter<unknown>>();

  private emitter<K extends EventName>(name: K): Emitter<EventPayload<K>> {
    let e = this.emitters.get(name);
    if (!e) {
      e = new Emitter<unknown>();
      this.emitters.set(name, e);
    }
    return e as Emitter<EventPayload<K>>;
  }

  on<K extends EventName>(name: K, listener: Listener<EventPayload<K>>): Disposable {
    return this.emitter(name).event(listener);
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    this.emitters.get(name)?.fire(payload);
  }

  dispose(): void {
    for (const e of this.emitters.values()) e.dispose();
    this.emitters.clear();
  }
}
