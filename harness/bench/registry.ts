/**
 * The registry both benches host (`npm run bench` and `driver-cert bench`): one `bench` actor
 * whose handlers are as cheap as a handler can be, so the figures measure the driver, the
 * routing and the encoding rather than actor code. The module's default export is the registry,
 * so drivers that host actors in other processes load it from `ctx.registryModule`.
 */
import { actor, setup } from "../../runtime/actor/index.ts";

/** The event `broadcast(round)` sends to every subscribed connection. */
export const TICK_EVENT = "tick";

/**
 * `bench`: `ping(x)` returns `x` untouched (no state change, so nothing is written);
 * `increment(n)` changes state, so its reply waits for the write (PERSIST-2); `broadcast(round)`
 * sends `tick(round)` to every subscribed connection (EVT-1); `subscribers(event)` counts the
 * connections subscribed to `event`, so a run can wait until every subscription has landed.
 * Raw HTTP (`onFetch`) answers any request with its body, unchanged; a raw WebSocket
 * (`onWebSocket`) sends every frame back as it came, text or binary.
 */
export const benchActor = actor({
  state: { count: 0 },
  // Public paths need an onAuth (AUTH-2); the bench lets every caller in.
  onAuth: () => ({}),
  onFetch: async (_c, request) => new Response(await request.arrayBuffer()),
  onWebSocket: (_c, ws) => {
    ws.addEventListener("message", (event) => ws.send(event.data));
  },
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

export default benchRegistry;
