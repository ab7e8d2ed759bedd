/**
 * The raw-wire half of the connections suite: init order and onDisconnect on abrupt ends,
 * checked on the frames themselves with `ws` and a hand-read SSE stream (clauses CONN-8, CONN-9).
 */
import type { HookEntry } from "../fixtures/connectivity/connections.ts";
import type { SuiteBuilder } from "../suite-api.ts";
import {
  decodeFrame,
  getOrCreate,
  openWireSocket,
  openWireSse,
  postAction,
  subprotocols,
  type WireEncoding,
} from "./connectivity-wire.ts";

/** Registers the raw-wire connection tests on the connections suite. */
export function registerConnectionWireTests(s: SuiteBuilder): void {
  s.test({
    id: "wire-websocket-init-first",
    title: "over a raw WebSocket, init is the first frame and onConnect's event follows it",
    clause: "CONN-8",
    requires: ["websocket"],
    async run(t) {
      const { expect } = t;
      for (const encoding of ["json", "cbor"] as WireEncoding[]) {
        const query = getOrCreate("connHooks", t.uniqueKey(`wire-init-${encoding}`));
        const wire = openWireSocket(
          t.endpoint,
          "/actors/connect/websocket",
          subprotocols({ encoding, query, params: { tag: "w", greet: true } }),
        );
        t.defer(() => wire.socket.terminate());
        await t.step(`a ${encoding} connection socket opens`, wire.open);
        const init = decodeFrame(await wire.inbox.next(`init (${encoding})`), encoding);
        expect(init, `first ${encoding} frame is init`).toMatchObject({
          type: "init",
          protocolVersion: 1,
        });
        const greeting = decodeFrame(await wire.inbox.next(`the greeting (${encoding})`), encoding);
        expect(
          greeting,
          `second ${encoding} frame is onConnect's event for this connection`,
        ).toEqual({
          type: "event",
          name: "greeting",
          args: [{ id: init.connectionId, tag: "w" }],
        });
        wire.socket.close(1000);
      }
    },
  });

  s.test({
    id: "wire-sse-init-first",
    title: "over raw SSE, init is the first event and onConnect's event follows it",
    clause: "CONN-8",
    requires: ["sse"],
    async run(t) {
      const { expect } = t;
      for (const encoding of ["json", "cbor"] as WireEncoding[]) {
        const query = getOrCreate("connHooks", t.uniqueKey(`sse-init-${encoding}`));
        const sse = await t.step(
          `a ${encoding} SSE stream opens`,
          openWireSse(t.endpoint, { encoding, query, params: { tag: "s", greet: true } }),
        );
        t.defer(() => sse.close());
        expect(sse.response.headers.get("content-type"), "SSE content type").toMatch(
          /^text\/event-stream/,
        );
        const init = await sse.inbox.next(`init (${encoding})`);
        expect(init, `first ${encoding} event is init`).toMatchObject({
          type: "init",
          protocolVersion: 1,
        });
        expect(
          await sse.inbox.next(`the greeting (${encoding})`),
          "then onConnect's event",
        ).toEqual({
          type: "event",
          name: "greeting",
          args: [{ id: init.connectionId, tag: "s" }],
        });
        sse.close();
      }
    },
  });

  s.test({
    id: "wire-websocket-disconnect-closes",
    title:
      "over a raw WebSocket, conn.disconnect(reason) sends the disconnect notice, then closes with 1000 and the reason",
    clause: "CONN-6",
    requires: ["websocket"],
    async run(t) {
      const { expect } = t;
      const query = getOrCreate("connHooks", t.uniqueKey("wire-kick"));
      const wire = openWireSocket(
        t.endpoint,
        "/actors/connect/websocket",
        subprotocols({ encoding: "json", query, params: { tag: "k" } }),
      );
      t.defer(() => wire.socket.terminate());
      await t.step("the connection socket opens", wire.open);
      const init = decodeFrame(await wire.inbox.next("init"), "json");
      const reason = "kicked on the wire";
      wire.socket.send(
        JSON.stringify({
          type: "action",
          id: 1,
          name: "disconnect",
          args: [init.connectionId, reason],
        }),
      );
      // The action's reply may or may not beat the close; the notice comes right before it.
      let notice: any;
      for (;;) {
        const message = decodeFrame(await wire.inbox.next("the disconnect notice"), "json");
        if (message.type === "disconnect") {
          notice = message;
          break;
        }
      }
      expect(notice, "the disconnect notice carries the reason (CONN-13)").toEqual({
        type: "disconnect",
        reason,
      });
      expect(
        await wire.inbox.waitClosed("the close after conn.disconnect"),
        "the socket closes with 1000 and the reason",
      ).toEqual({ code: 1000, reason });
    },
  });

  for (const transport of ["websocket", "sse"] as const) {
    s.test({
      id: `wire-${transport}-abrupt-end-disconnects-once`,
      title: `a ${transport} connection cut without a close handshake runs onDisconnect exactly once`,
      clause: "CONN-9",
      requires: [transport],
      async run(t) {
        const { expect } = t;
        const key = t.uniqueKey(`abrupt-${transport}`);
        const query = getOrCreate("connHooks", key);
        const observer = openWireSocket(
          t.endpoint,
          "/actors/connect/websocket",
          subprotocols({ encoding: "json", query, params: { tag: "observer" } }),
        );
        t.defer(() => observer.socket.terminate());
        await t.step("the observer socket opens", observer.open);
        decodeFrame(await observer.inbox.next("the observer's init"), "json");
        observer.socket.send(JSON.stringify({ type: "subscribe", event: "connClosed" }));
        // An action after the subscribe orders after it: once answered, the subscription holds.
        observer.socket.send(JSON.stringify({ type: "action", id: 1, name: "getCount", args: [] }));
        expect(
          decodeFrame(await observer.inbox.next("the observer's action reply"), "json"),
        ).toMatchObject({
          type: "action_response",
          id: 1,
        });
        let victimId: string;
        if (transport === "websocket") {
          const victim = openWireSocket(
            t.endpoint,
            "/actors/connect/websocket",
            subprotocols({ encoding: "cbor", query, params: { tag: "victim" } }),
          );
          t.defer(() => victim.socket.terminate());
          await t.step("the victim socket opens", victim.open);
          victimId = decodeFrame(await victim.inbox.next("the victim's init"), "cbor").connectionId;
          victim.socket.terminate();
        } else {
          const victim = await t.step(
            "the victim SSE stream opens",
            openWireSse(t.endpoint, { encoding: "cbor", query, params: { tag: "victim" } }),
          );
          victimId = (await victim.inbox.next("the victim's init")).connectionId;
          victim.close();
        }
        for (;;) {
          const frame = decodeFrame(
            await observer.inbox.next("connClosed for the cut connection"),
            "json",
          );
          if (
            frame.type === "event" &&
            frame.name === "connClosed" &&
            frame.args[0].id === victimId
          )
            break;
        }
        const response = await postAction(t.endpoint, {
          query,
          encoding: "json",
          name: "hookLog",
          body: { args: ["victim"] },
        });
        expect(response.status, "hookLog over HTTP").toBe(200);
        const log: HookEntry[] = (await response.json()).output;
        const runs = log.filter(
          (entry) => entry.hook === "onDisconnect" && entry.connId === victimId,
        );
        expect(runs.length, "onDisconnect runs for the cut connection").toBe(1);
      },
    });
  }
}
