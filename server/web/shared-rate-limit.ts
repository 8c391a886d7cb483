// An express-rate-limit Store over the database's hit counters
// (server/store/rate-limit-store.ts): the sign-in limit per address holds for
// the whole deployment, not per process, when WORKERS > 1 or several servers
// share the database (the library's default MemoryStore counts per process).
import type { ClientRateLimitInfo, Options, Store } from "express-rate-limit";
import type { RateLimitStore } from "../store/rate-limit-store";

export class SharedRateLimitStore implements Store {
  /** Counters are per process in the library's sense only if this is true: they are not. */
  readonly localKeys = false;
  private windowMs = 60_000;

  constructor(
    private readonly counters: RateLimitStore,
    /** Keeps this limiter's keys apart from other limiters' in the same table. */
    readonly prefix: string,
    private readonly clock: () => Date,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { hits, resetMs } = await this.counters.hit(this.prefix + key, this.clock().getTime(), this.windowMs);
    return { totalHits: hits, resetTime: new Date(resetMs) };
  }

  async decrement(key: string): Promise<void> {
    await this.counters.unhit(this.prefix + key);
  }

  async resetKey(key: string): Promise<void> {
    await this.counters.reset(this.prefix + key);
  }
}
