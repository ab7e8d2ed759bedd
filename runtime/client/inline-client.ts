/**
 * `createInlineClient`: the client API in process over a ManagerDriver. The local actor host
 * gives one to every actor as `c.client()` (INLINE-1, INLINE-2).
 */
import type { ManagerDriver } from "../driver/manager-driver.ts";
import {
  type AnyRegistry,
  type Client,
  type ClientOptions,
  createClientWithDriver,
} from "./client.ts";
import { createInlineClientDriver, type InlineRegistry } from "./inline-client-driver.ts";

/**
 * The in-process client over `manager`: the same Client API as `createClient`, through
 * `sendRequest` and `openWebSocket` only. This is what `c.client()` gives an actor.
 *
 * @example
 * const client = createInlineClient<typeof registry>(instance.manager, registry, { transport: "sse" });
 * await client.counter.getOrCreate("a").increment(1);
 */
export function createInlineClient<R extends AnyRegistry>(
  manager: ManagerDriver,
  registry: InlineRegistry,
  options: ClientOptions = {},
): Client<R> {
  return createClientWithDriver<R>(createInlineClientDriver(manager, registry), options);
}
