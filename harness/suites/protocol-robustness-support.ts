/**
 * Shared pieces of the protocol robustness suite: the sentinel that proves the server, other
 * actors and other connections survive bad input (ERR-5), and coded-error assertions.
 */
import type { TestContext } from "../test-context.ts";
import {
  decodeFrame,
  getOrCreate,
  openWireSocket,
  openWireSse,
  postAction,
  postConnectionMessage,
  readWireError,
  subprotocols,
  type WireQuery,
} from "./connectivity-wire.ts";

/** A query for the `eventHub` fixture at `key`. */
export const hub = (key: string[]): WireQuery => getOrCreate("eventHub", key);

/** JSON text with non-ASCII escaped, as header values must be ASCII. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * An open connection and a check that it, and a fresh actor, still answer: run after each bad
 * input, so a fault that takes the server or other actors down fails the test (ERR-5).
 */
export interface Sentinel {
  check(after: string): Promise<void>;
}

/**
 * Opens the sentinel: a json connection to a fresh `eventHub` (WebSocket when the driver has it,
 * else SSE), closed after the test. `check(after)` asserts it still answers a ping and that a
 * fresh actor answers one over HTTP.
 */
export async function openSentinel(t: TestContext): Promise<Sentinel> {
  const query = getOrCreate("eventHub", t.uniqueKey("sentinel"));
  let ask: (id: number) => Promise<unknown>;
  if (t.capabilities.websocket) {
    const wire = openWireSocket(
      t.endpoint,
      "/actors/connect/websocket",
      subprotocols({ encoding: "json", query }),
    );
    t.defer(() => wire.socket.terminate());
    await t.step("the sentinel connection opens", wire.open);
    decodeFrame(await wire.inbox.next("the sentinel's init"), "json");
    ask = async (id) => {
      wire.socket.send(JSON.stringify({ type: "action", id, name: "ping", args: [] }));
      return decodeFrame(await wire.inbox.next("the sentinel's reply"), "json");
    };
  } else {
    const sse = await t.step(
      "the sentinel SSE stream opens",
      openWireSse(t.endpoint, { encoding: "json", query }),
    );
    t.defer(() => sse.close());
    const init = await sse.inbox.next("the sentinel's init");
    ask = async (id) => {
      const message = { type: "action", id, name: "ping", args: [] };
      const ids = {
        actorId: init.actorId,
        connectionId: init.connectionId,
        token: init.connectionToken,
      };
      const response = await postConnectionMessage(t.endpoint, {
        ...ids,
        encoding: "json",
        message,
      });
      await response.arrayBuffer();
      return sse.inbox.next("the sentinel's reply");
    };
  }
  let next = 0;
  return {
    async check(after) {
      const id = next++;
      t.expect(await ask(id), `the open sentinel connection still answers after ${after}`).toEqual({
        type: "action_response",
        id,
        output: "pong",
      });
      const fresh = await postAction(t.endpoint, {
        query: getOrCreate("eventHub", t.uniqueKey("fresh")),
        encoding: "json",
        name: "ping",
      });
      t.expect(fresh.status, `a fresh actor still answers after ${after}`).toBe(200);
      t.expect(await fresh.json(), `a fresh actor's reply after ${after}`).toEqual({
        output: "pong",
      });
    },
  };
}

/** Asserts a response is the coded error, JSON when the encoding is unknown or json. */
export async function expectError(
  t: TestContext,
  response: Response,
  status: number,
  code: string,
  what: string,
): Promise<void> {
  const error = await readWireError(response);
  t.expect({ status: error.status, code: error.code }, `${what}: status and code`).toEqual({
    status,
    code,
  });
  t.expect(typeof error.message, `${what}: the error has a message`).toBe("string");
}
