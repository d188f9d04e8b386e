// Provider rows and their checked credentials for the challenge path, kept until a change is announced (here or on another replica).

/**
 * What a challenge needs from the provider tables, without a query or a decrypt per call. Every change made through
 * this replica clears it before the change's request is answered; a change made on another replica reaches it
 * through NOTIFY (and LISTEN's reconnect clears it too, since a notice may have been missed meanwhile). `maxAgeMs`
 * bounds what a lost notice could cost.
 */
export class ProviderCache {
  /**
   * Nothing is kept until the LISTEN is up (`keep()`): the daemon answers before it is, and a change made on
   * another replica meanwhile would go unheard.
   */
  private keeping = false;
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();
  /** Runtimes by the row object they were made from: a row replaced by a change never reaches its old runtime. */
  private derived = new WeakMap<object, unknown>();

  constructor(private readonly maxAgeMs = 30_000, private readonly now: () => number = Date.now) {}

  /** `load()`'s result for `key`, shared by concurrent callers; a failure is not kept. */
  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (!this.keeping) return load();
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.maxAgeMs) return hit.value as Promise<T>;
    const value = load();
    const entry = { at: this.now(), value };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  /** `make(of)` once per object (a row read through get()). */
  derive<O extends object, T>(of: O, make: (of: O) => T): T {
    if (this.derived.has(of)) return this.derived.get(of) as T;
    const value = make(of);
    this.derived.set(of, value);
    return value;
  }

  /** Starts keeping entries, from none: the LISTEN is up (or cannot be, and `maxAgeMs` alone bounds an entry). */
  keep(): void {
    this.clear();
    this.keeping = true;
  }

  clear(): void {
    this.entries.clear();
    this.derived = new WeakMap();
  }
}
