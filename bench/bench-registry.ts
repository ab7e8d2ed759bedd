/**
 * The registry `npm run bench` hosts: one `bench` actor whose actions are as cheap as an action
 * can be, so the figures measure the toolkit's routing and encoding rather than actor code.
 */
import { actor, setup } from "../runtime/actor/index.ts";

/** The event `broadcast(round)` sends to every subscribed connection. */
export const TICK_EVENT = "tick";

/**
 * `bench`: `ping(x)` returns `x` untouched (no state change, so nothing is written);
 * `increment(n)` changes state, so its reply waits for the write (PERSIST-2); `broadcast(round)`
 * sends `tick(round)` to every subscribed connection (EVT-1); `subscribers(event)` counts the
 * connections subscribed to `event`, so a run can wait until every subscription has landed.
 */
export const benchActor = actor({
  state: { count: 0 },
  // Public paths need an onAuth (AUTH-2); the bench lets every caller in.
  onAuth: () => ({}),
  actions: {
    ping: (_c, x: unknown) => x,
    increment: (c, amount: number) => {
      c.state.count += amount;
      return c.state.count;
    },
    broadcast: (c, round: number) => {
      c.broadcast(TICK_EVENT, round);
      return round;
    },
    subscribers: (c, event: string) => {
      let count = 0;
      for (const conn of c.conns.values()) if (conn.subscriptions.has(event)) count++;
      return count;
    },
  },
});

/** The bench registry: `client.bench.getOrCreate(key)`. */
export const benchRegistry = setup({ use: { bench: benchActor } });

/** The registry's type, for typed clients. */
export type BenchRegistry = typeof benchRegistry;
