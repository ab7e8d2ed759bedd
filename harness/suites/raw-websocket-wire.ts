/**
 * The raw-wire half of the raw WebSocket suite: plain `ws` sockets to
 * `/actors/raw/websocket/*` with hand-built subprotocols, no client involved (clauses RAWWS-1..3).
 */
import type { SuiteBuilder } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { getOrCreate, openWireSocket, subprotocols, type WireQuery } from "./connectivity-wire.ts";

/** Opens a raw socket on the wire with the documented subprotocols; closed after the test. */
async function openRaw(
  t: TestContext,
  query: WireQuery,
  path = "",
  options: { params?: unknown; extra?: string[] } = {},
) {
  const protocols = subprotocols({ encoding: "json", query, ...options });
  const wire = openWireSocket(t.endpoint, `/actors/raw/websocket/${path}`, protocols);
  t.defer(() => wire.socket.terminate());
  await t.step(`raw socket ${JSON.stringify(path)} opens`, wire.open);
  return wire;
}

/** Registers the raw-wire WebSocket tests on the raw-websocket suite. */
export function registerRawWebSocketWireTests(s: SuiteBuilder): void {
  s.test({
    id: "wire-welcome-echo-binary",
    title:
      "a plain ws socket with the documented subprotocols gets the welcome, text echo and binary replies",
    clause: "RAWWS-1",
    requires: ["websocket"],
    async run(t) {
      const { expect } = t;
      const wire = await openRaw(t, getOrCreate("rawWs", t.uniqueKey("wire")));
      expect(wire.socket.protocol, "the server selected the marker subprotocol").toBe("actor.v1");
      expect(await wire.inbox.nextJson("the welcome"), "welcome").toMatchObject({
        type: "welcome",
        connectionCount: 1,
      });
      const text = JSON.stringify({ test: "vanilla", timestamp: 1 });
      wire.socket.send(text);
      expect(await wire.inbox.next("the echo"), "text echo").toEqual({
        binary: false,
        data: `echo:${text}`,
      });
      wire.socket.send(new Uint8Array([1, 2, 3, 4, 5]));
      expect(await wire.inbox.next("the binary reply"), "binary reply").toEqual({
        binary: true,
        data: new Uint8Array([5, 4, 3, 2, 1]),
      });
      wire.socket.send(JSON.stringify({ type: "binary-test", size: 5 }));
      expect((await wire.inbox.next("the JSON echo")).data, "JSON after binary").toBe(
        'echo:{"type":"binary-test","size":5}',
      );
    },
  });

  s.test({
    id: "wire-params-and-own-protocols",
    title:
      "params and the client's own subprotocols ride beside the documented ones and reach onAuth and onWebSocket",
    clause: "RAWWS-3",
    requires: ["websocket"],
    async run(t) {
      const { expect } = t;
      const query = getOrCreate("rawWs", t.uniqueKey("wire-params"));
      const params = { token: "abc", userId: "ünï" };
      const withParams = await openRaw(t, query, "", { params });
      expect(await withParams.inbox.nextJson("the welcome"), "onAuth saw the params").toMatchObject(
        {
          auth: { connParams: params },
          protocols: null,
        },
      );
      const withOwn = await openRaw(t, query, "", { extra: ["chat-v1", "custom-protocol"] });
      expect(
        await withOwn.inbox.nextJson("the welcome"),
        "onWebSocket saw only the client's own entries",
      ).toMatchObject({
        protocols: "chat-v1, custom-protocol",
      });
    },
  });

  s.test({
    id: "wire-paths",
    title: "sockets on different subpaths of one actor each reach onWebSocket with their own path",
    clause: "RAWWS-3",
    requires: ["websocket"],
    async run(t) {
      const query = getOrCreate("rawWs", t.uniqueKey("wire-paths"));
      for (const path of ["chat/room1", "updates/feed", "stream/events?since=0"]) {
        const wire = await openRaw(t, query, path);
        const welcome = await wire.inbox.nextJson(`the welcome on ${path}`);
        t.expect(welcome.url, `the URL for ${path}`).toBe(`http://actor/${path}`);
        wire.socket.close(1000);
      }
    },
  });

  s.test({
    id: "wire-missing-handler-and-unknown-actor",
    title:
      "a raw socket to an actor without onWebSocket and one to an unknown actor fail with their own codes",
    clause: "RAWWS-1",
    requires: ["websocket"],
    async run(t) {
      const { expect } = t;
      for (const [name, code] of [
        ["rawWsNoHandler", "websocket_handler_not_defined"],
        ["noSuchActorName", "actor_not_found"],
      ] as const) {
        const wire = await openRaw(t, getOrCreate(name, t.uniqueKey("wire-missing")));
        const closed = await wire.inbox.waitClosed(`the close for ${name}`);
        expect(closed, `${name}: close 4404 with the code`).toEqual({ code: 4404, reason: code });
        const frames = wire.inbox.items.map((frame) => JSON.parse(frame.data as string));
        expect(frames, `${name}: one error frame before the close`).toEqual([
          expect.objectContaining({ type: "error", code }),
        ]);
      }
    },
  });
}
