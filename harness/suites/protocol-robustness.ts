/**
 * Protocol robustness suite: malformed input on the public wire (bad encoding, query, key,
 * params, body, message type, oversized messages, wrong connection tokens) gets its coded error,
 * and afterwards another actor and another open connection still work (clauses ERR-5, CONN-10).
 * Every test speaks the wire by hand with fetch and `ws`, so no client can mask a fault. The
 * HTTP cases live in protocol-robustness-http.ts.
 */
import { defineSuite, type SuiteBuilder } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import {
  base64Url,
  decodeFrame,
  encodeWire,
  getOrCreate,
  openWireSocket,
  openWireSse,
  postConnectionMessage,
  subprotocols,
  type WireEncoding,
} from "./connectivity-wire.ts";
import { registerHttpRobustnessTests } from "./protocol-robustness-http.ts";
import { expectError, hub, openSentinel } from "./protocol-robustness-support.ts";

const ENCODINGS: WireEncoding[] = ["json", "cbor"];

/** The protocol robustness suite (ERR-5, CONN-10); registered in harness/suites/index.ts. */
export const protocolRobustnessSuite = defineSuite("protocol-robustness", (s) => {
  registerHttpRobustnessTests(s);

  s.test({
    id: "ws-setup-errors",
    title:
      "a connection WebSocket with bad subprotocols is closed with 4000 + status and the code, after an error frame when the encoding is known",
    clause: "ERR-5",
    requires: ["websocket"],
    async run(t) {
      const { expect } = t;
      const sentinel = await openSentinel(t);
      const query = hub(t.uniqueKey("ws-setup"));
      const cases: Array<{
        what: string;
        protocols: string[];
        encoding?: WireEncoding;
        close: number;
        code: string;
      }> = [
        {
          what: "encoding xml",
          protocols: subprotocols({ encoding: "xml", query }),
          close: 4400,
          code: "invalid_encoding",
        },
        {
          what: "no encoding",
          protocols: subprotocols({ query }),
          close: 4400,
          code: "invalid_encoding",
        },
        {
          what: "no query (json)",
          protocols: subprotocols({ encoding: "json" }),
          encoding: "json",
          close: 4400,
          code: "invalid_request",
        },
        {
          what: "no query (cbor)",
          protocols: subprotocols({ encoding: "cbor" }),
          encoding: "cbor",
          close: 4400,
          code: "invalid_request",
        },
        {
          what: "query that is not JSON",
          protocols: ["actor.v1", "actor.encoding.json", `actor.query.${base64Url("not json")}`],
          encoding: "json",
          close: 4400,
          code: "invalid_query",
        },
        {
          what: "unknown actor name",
          protocols: subprotocols({
            encoding: "cbor",
            query: getOrCreate("noSuchActorName", ["k"]),
          }),
          encoding: "cbor",
          close: 4404,
          code: "actor_not_found",
        },
      ];
      for (const item of cases) {
        const wire = openWireSocket(t.endpoint, "/actors/connect/websocket", item.protocols);
        t.defer(() => wire.socket.terminate());
        await t.step(`the upgrade for ${item.what}`, wire.open);
        const closed = await wire.inbox.waitClosed(`the close for ${item.what}`);
        expect(closed, `${item.what}: close code and reason`).toEqual({
          code: item.close,
          reason: item.code,
        });
        const frames = wire.inbox.items.map((frame) => decodeFrame(frame, item.encoding ?? "json"));
        const expected =
          item.encoding === undefined
            ? []
            : [expect.objectContaining({ type: "error", code: item.code })];
        expect(frames, `${item.what}: error frames before the close`).toEqual(expected);
        await sentinel.check(item.what);
      }
    },
  });

  s.test({
    id: "ws-malformed-messages",
    title:
      "an unknown message type or an undecodable frame on an open connection gets malformed_message and close 1007",
    clause: "ERR-5",
    requires: ["websocket"],
    async run(t) {
      const { expect } = t;
      const sentinel = await openSentinel(t);
      for (const encoding of ENCODINGS) {
        const cases: Array<{ what: string; frame: string | Uint8Array }> = [
          {
            what: `${encoding}: unknown message type`,
            frame: encodeWire({ type: "explode", id: 1 }, encoding),
          },
          {
            what: `${encoding}: action with a string id`,
            frame: encodeWire({ type: "action", id: "1", name: "ping", args: [] }, encoding),
          },
          {
            what: `${encoding}: subscribe without an event`,
            frame: encodeWire({ type: "subscribe" }, encoding),
          },
          encoding === "json"
            ? { what: "json: text that is not JSON", frame: "{not json" }
            : { what: "cbor: a text frame", frame: "text on a cbor connection" },
        ];
        for (const item of cases) {
          const wire = openWireSocket(
            t.endpoint,
            "/actors/connect/websocket",
            subprotocols({ encoding, query: hub(t.uniqueKey("malformed")) }),
          );
          t.defer(() => wire.socket.terminate());
          await t.step(`the connection for ${item.what}`, wire.open);
          expect(decodeFrame(await wire.inbox.next("init"), encoding).type, "init first").toBe(
            "init",
          );
          wire.socket.send(item.frame);
          const error = decodeFrame(await wire.inbox.next(`the error for ${item.what}`), encoding);
          expect(error, `${item.what}: a connection error`).toMatchObject({
            type: "error",
            code: "malformed_message",
          });
          expect(error.actionId, `${item.what}: not tied to an action`).toBeUndefined();
          const closed = await wire.inbox.waitClosed(`the close after ${item.what}`);
          expect(closed, `${item.what}: close 1007 with the code`).toEqual({
            code: 1007,
            reason: "malformed_message",
          });
          await sentinel.check(item.what);
        }
      }
    },
  });

  s.test({
    id: "ws-oversized-message",
    title:
      "a connection message over 65536 bytes gets message_too_large and close 1009; one under the limit works",
    clause: "ERR-5",
    requires: ["websocket"],
    async run(t) {
      const { expect } = t;
      const sentinel = await openSentinel(t);
      for (const encoding of ENCODINGS) {
        const wire = openWireSocket(
          t.endpoint,
          "/actors/connect/websocket",
          subprotocols({ encoding, query: hub(t.uniqueKey("big")) }),
        );
        t.defer(() => wire.socket.terminate());
        await t.step(`the ${encoding} connection opens`, wire.open);
        decodeFrame(await wire.inbox.next("init"), encoding);
        wire.socket.send(
          encodeWire({ type: "action", id: 1, name: "ping", args: ["x".repeat(60_000)] }, encoding),
        );
        expect(
          decodeFrame(await wire.inbox.next("the reply to a 60 KB message"), encoding),
          `${encoding}: under the limit`,
        ).toEqual({
          type: "action_response",
          id: 1,
          output: "pong",
        });
        wire.socket.send(
          encodeWire({ type: "action", id: 2, name: "ping", args: ["x".repeat(70_000)] }, encoding),
        );
        const error = decodeFrame(await wire.inbox.next("the error for a 70 KB message"), encoding);
        expect(error, `${encoding}: over the limit`).toMatchObject({
          type: "error",
          code: "message_too_large",
        });
        const closed = await wire.inbox.waitClosed("the close after the oversized message");
        expect(closed, `${encoding}: close 1009 with the code`).toEqual({
          code: 1009,
          reason: "message_too_large",
        });
        await sentinel.check(`an oversized ${encoding} message`);
      }
    },
  });

  registerConnectionMessageTests(s);
});

function registerConnectionMessageTests(s: SuiteBuilder): void {
  /** Opens a raw SSE connection and returns its ids and a poster for connection messages. */
  async function openSse(t: TestContext, encoding: WireEncoding) {
    const sse = await t.step(
      `the ${encoding} SSE stream opens`,
      openWireSse(t.endpoint, { encoding, query: hub(t.uniqueKey("sse")) }),
    );
    t.defer(() => sse.close());
    const init = await sse.inbox.next("init");
    t.expect(init.type, "the first SSE message is init").toBe("init");
    const ids = {
      actorId: init.actorId as string,
      connectionId: init.connectionId as string,
      token: init.connectionToken as string,
    };
    const post = (
      over: Partial<typeof ids> & { raw?: string | Uint8Array<ArrayBuffer>; message?: unknown },
    ) =>
      postConnectionMessage(t.endpoint, {
        ...ids,
        encoding,
        message: { type: "action", id: 9, name: "ping", args: [] },
        ...over,
      });
    return { sse, ids, post };
  }

  s.test({
    id: "sse-message-wrong-token-or-connection",
    title:
      "connection messages with a wrong token, an unknown connection or an unknown actor are refused, and the right token works",
    clause: "CONN-10",
    requires: ["sse"],
    async run(t) {
      const { expect } = t;
      const sentinel = await openSentinel(t);
      for (const encoding of ENCODINGS) {
        const { sse, ids, post } = await openSse(t, encoding);
        const wrongToken = `${ids.token.slice(0, -2)}${ids.token.endsWith("AA") ? "BB" : "AA"}`;
        await expectError(
          t,
          await post({ token: wrongToken }),
          403,
          "incorrect_conn_token",
          `${encoding}: wrong token`,
        );
        await expectError(
          t,
          await post({ token: "" }),
          400,
          "invalid_request",
          `${encoding}: empty token`,
        );
        await expectError(
          t,
          await post({ connectionId: crypto.randomUUID() }),
          404,
          "conn_not_found",
          `${encoding}: unknown connection`,
        );
        // An actor id that does not exist answers like an unknown connection: ids cannot be
        // probed through connection messages (docs/protocol.md, "Manager routes").
        await expectError(
          t,
          await post({ actorId: "no-such-actor-id" }),
          404,
          "conn_not_found",
          `${encoding}: unknown actor`,
        );
        const ok = await post({});
        expect(ok.status, `${encoding}: the right token is accepted`).toBe(200);
        await ok.arrayBuffer();
        expect(
          await sse.inbox.next("the reply on the stream"),
          `${encoding}: the action ran`,
        ).toEqual({
          type: "action_response",
          id: 9,
          output: "pong",
        });
        expect(
          sse.inbox.unread,
          `${encoding}: refused messages produced nothing on the stream`,
        ).toEqual([]);
        await sentinel.check(`refused ${encoding} connection messages`);
      }
    },
  });

  s.test({
    id: "sse-message-malformed-or-oversized",
    title:
      "a malformed or oversized SSE connection message is refused with its code and the connection keeps working",
    clause: "ERR-5",
    requires: ["sse"],
    async run(t) {
      const { expect } = t;
      const sentinel = await openSentinel(t);
      for (const encoding of ENCODINGS) {
        const { sse, post } = await openSse(t, encoding);
        const undecodable = encoding === "json" ? "{nope" : new Uint8Array([0xff, 0xfe]);
        await expectError(
          t,
          await post({ raw: undecodable }),
          400,
          "malformed_message",
          `${encoding}: undecodable body`,
        );
        await expectError(
          t,
          await post({ message: { type: "explode" } }),
          400,
          "malformed_message",
          `${encoding}: unknown type`,
        );
        const big = { type: "action", id: 3, name: "ping", args: ["x".repeat(70_000)] };
        await expectError(
          t,
          await post({ message: big }),
          413,
          "message_too_large",
          `${encoding}: 70 KB message`,
        );
        const ok = await post({});
        expect(ok.status, `${encoding}: a valid message after the bad ones`).toBe(200);
        await ok.arrayBuffer();
        expect(
          await sse.inbox.next("the reply on the stream"),
          `${encoding}: the connection still works`,
        ).toEqual({
          type: "action_response",
          id: 9,
          output: "pong",
        });
        await sentinel.check(`bad ${encoding} SSE connection messages`);
      }
    },
  });
}
