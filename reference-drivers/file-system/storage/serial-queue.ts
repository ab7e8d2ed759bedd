/**
 * Per-key serialisation: tasks given the same key run one after another, in call order; tasks
 * of different keys run concurrently. The store uses it twice: per actor (writes to one actor's
 * files never interleave) and per (name, key) digest (getOrCreate is single-flight, MGR-4).
 */
export class SerialQueues {
  readonly #tails = new Map<string, Promise<unknown>>();
  readonly #pending = new Set<Promise<unknown>>();

  /**
   * Runs `task` after every earlier task of `key` has settled; resolves or rejects with its
   * outcome. A failed task does not stop later ones.
   */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.#tails.set(key, tail);
    this.#pending.add(tail);
    void tail.then(() => {
      this.#pending.delete(tail);
      // Drop the entry once the queue is empty so idle keys cost nothing.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Resolves once every task queued so far (and any they queue meanwhile) has settled. */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
