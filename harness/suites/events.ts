/**
 * Events suite: broadcasts reach subscribed connections only, unsubscribe and `once`, 100 events
 * in order and exactly once, and event arguments exact in CBOR or refused in JSON (clauses
 * EVT-1..EVT-5). Cell tests run over client x transport x encoding; raw-wire tests read frames.
 */
import { richEventArgs } from "../fixtures/connectivity/events.ts";
import { defineSuite, type SuiteBuilder } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import {
  clientOf,
  decodeFrame,
  encodeWire,
  getOrCreate,
  Inbox,
  listen,
  openWireSocket,
  openWireSse,
  postAction,
  postConnectionMessage,
  subprotocols,
  type WireEncoding,
} from "./connectivity-wire.ts";

const CONN_AXES = ["client", "transport", "encoding"] as const;

/** Opens a connection to `eventHub` at `key`, proves it rides the cell's transport, closes it after. */
async function openHub(
  t: TestContext,
  key: string[],
  what = "the connection",
  client = clientOf(t),
): Promise<any> {
  const conn = client.eventHub.getOrCreate(key).connect();
  t.defer(() => conn.dispose());
  await t.step(`${what} opens over ${t.cell.transport}`, conn.waitForOpen());
  t.expect(await conn.myRoute(), `${what} arrived on the ${t.cell.transport} route`).toBe(
    `/connect/${t.cell.transport}`,
  );
  return conn;
}

/** The events suite (EVT-1..EVT-5); registered in harness/suites/index.ts. */
export const eventsSuite = defineSuite("events", (s) => {
  s.test({
    id: "subscribe-then-act-elsewhere",
    title:
      "an event broadcast by an action on another handle, started right after on(), reaches the listener",
    clause: "EVT-1",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("subscribe-then-act");
      const conn = await openHub(t, key);
      const other = clientOf(t).eventHub.getOrCreate(key);
      // Five rounds, each a fresh subscribe (the previous listener removed, so unsubscribed).
      for (let round = 1; round <= 5; round++) {
        const inbox = new Inbox<unknown[]>();
        const off = conn.on(`tick${round}`, (...args: unknown[]) => inbox.push(args));
        await t.step(`shout tick${round} on another handle`, other.shout(`tick${round}`, round));
        expect(
          await inbox.next(`tick${round}, broadcast right after on() (round ${round})`),
          "the event of an action started after on() returned",
        ).toEqual([round]);
        off();
      }
    },
  });

  s.test({
    id: "broadcast-reaches-subscribers",
    title: "a broadcast reaches every connection subscribed to its event and no other",
    clause: "EVT-1",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("broadcast");
      const [a, b, c] = [
        await openHub(t, key, "a"),
        await openHub(t, key, "b"),
        await openHub(t, key, "c"),
      ];
      const atA = listen(a, "news");
      const atB = listen(b, "news");
      const atC = listen(c, "other");
      // A round trip on each connection orders after the subscribe it sent.
      expect(await a.mySubscriptions(), "a's subscriptions as the actor sees them").toEqual([
        "news",
      ]);
      expect(await b.mySubscriptions(), "b's subscriptions as the actor sees them").toEqual([
        "news",
      ]);
      expect(await c.mySubscriptions(), "c subscribed to another event only").toEqual(["other"]);
      const payload = { n: 1, text: "ünï ✓", list: [true, null, 2.5] };
      await clientOf(t).eventHub.getOrCreate(key).shout("news", payload);
      expect((await atA.next("news at a"))[0], "a got the broadcast").toEqual(payload);
      expect((await atB.next("news at b"))[0], "b got the broadcast").toEqual(payload);
      await a.shout("other", "marker");
      expect(await atC.next("the marker at c"), "c got only its own event").toEqual(["marker"]);
      expect([atA.items.length, atB.items.length], "one news event each").toEqual([1, 1]);
    },
  });

  s.test({
    id: "broadcasts-from-every-path-in-order",
    title: "broadcasts from connection and stateless actions reach a subscriber in call order",
    clause: "EVT-1",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("mixed");
      const conn = await openHub(t, key);
      const news = listen(conn, "news");
      await conn.mySubscriptions();
      await conn.shout("news", 1);
      const stateless = clientOf(t).eventHub.getOrCreate(key);
      await stateless.shout("news", 6);
      await stateless.shout("news", 9);
      await news.waitCount(3, "three news events");
      expect(news.items, "events from both paths, in order").toEqual([[1], [6], [9]]);
    },
  });

  s.test({
    id: "event-before-reply",
    title: "an event an action broadcasts reaches the calling connection before the action's reply",
    clause: "EVT-3",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const conn = await openHub(t, t.uniqueKey("before-reply"));
      const news = listen(conn, "news");
      await conn.mySubscriptions();
      await conn.shout("news", 5);
      expect(news.items, "the event was delivered before the reply resolved").toEqual([[5]]);
      await conn.shout("news", 8);
      expect(news.items, "both events, each before its reply").toEqual([[5], [8]]);
    },
  });

  s.test({
    id: "unsubscribe-stops-delivery",
    title:
      "after the last listener is removed the actor no longer counts the connection as subscribed",
    clause: "EVT-2",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("unsubscribe");
      const conn = await openHub(t, key);
      const news = new Inbox<unknown[]>();
      const off = conn.on("news", (...args: unknown[]) => news.push(args));
      const markers = listen(conn, "marker");
      expect(await conn.mySubscriptions(), "subscribed to news and marker").toEqual([
        "marker",
        "news",
      ]);
      await conn.shout("news", 5);
      await news.next("news before unsubscribing");
      off();
      expect(await conn.mySubscriptions(), "the actor saw the unsubscribe").toEqual(["marker"]);
      const stateless = clientOf(t).eventHub.getOrCreate(key);
      await stateless.shout("news", 3);
      await stateless.shout("marker", "end");
      await markers.next("the marker after unsubscribing");
      expect(news.items, "no news after unsubscribing").toEqual([[5]]);
    },
  });

  s.test({
    id: "hundred-events-in-order",
    title: "100 events reach each subscriber exactly once and in order",
    clause: "EVT-3",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("hundred");
      const [a, b] = [await openHub(t, key, "a"), await openHub(t, key, "b")];
      const [seqA, seqB] = [listen(a, "seq"), listen(b, "seq")];
      const [endA, endB] = [listen(a, "end"), listen(b, "end")];
      await a.mySubscriptions();
      await b.mySubscriptions();
      expect(await a.burst("seq", 100), "burst(100) returns its count").toBe(100);
      await seqA.waitCount(100, "100 events at a");
      await seqB.waitCount(100, "100 events at b");
      await a.shout("end");
      await endA.next("the end marker at a");
      await endB.next("the end marker at b");
      const expected = Array.from({ length: 100 }, (_, i) => [i]);
      expect(seqA.items, "a: 0..99 once each, in order").toEqual(expected);
      expect(seqB.items, "b: 0..99 once each, in order").toEqual(expected);
    },
  });

  s.test({
    id: "event-args-exact-or-refused",
    title:
      "binary, BigInt, Date, Map and Set event arguments arrive exactly in cbor and fail with serialization_error in json",
    clause: "EVT-4",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const conn = await openHub(t, t.uniqueKey("rich"));
      const rich = listen(conn, "rich");
      const markers = listen(conn, "marker");
      await conn.mySubscriptions();
      if (t.cell.encoding === "json") {
        for (const action of ["emitRich", "sendRichToMe"]) {
          const error = await conn.action(action).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error, `${action} over json fails with serialization_error`).toMatchObject({
            code: "serialization_error",
          });
        }
        await conn.shout("marker", "end");
        await markers.next("the marker after the refused events");
        expect(rich.items, "no altered rich event reached the json connection").toEqual([]);
        expect(await conn.ping(), "the connection still works").toBe("pong");
        return;
      }
      for (const action of ["emitRich", "sendRichToMe"]) {
        expect(await conn.action(action), `${action} over cbor`).toBe(true);
        const args = await rich.next(`the rich event from ${action}`);
        expect(args, `${action}: every argument round-trips exactly`).toEqual(richEventArgs());
        const [bytes, big, negBig, when, map, set, nested] = args as any[];
        expect(Object.getPrototypeOf(bytes), "bytes arrive as a plain Uint8Array").toBe(
          Uint8Array.prototype,
        );
        expect([typeof big, typeof negBig], "BigInts arrive as bigint").toEqual([
          "bigint",
          "bigint",
        ]);
        expect(
          when instanceof Date && map instanceof Map && set instanceof Set,
          "Date, Map, Set keep their types",
        ).toBe(true);
        expect(map.get(2), "a Map keeps its non-string key").toBe("two");
        expect(nested.nested.get("set"), "nested Set of BigInt").toEqual(new Set([1n, 2n]));
      }
    },
  });

  s.test({
    id: "once-fires-once",
    title: "a once listener fires for the first event only and then unsubscribes",
    clause: "EVT-5",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("once");
      const conn = await openHub(t, key);
      const first = new Inbox<unknown[]>();
      conn.once("news", (...args: unknown[]) => first.push(args));
      const markers = listen(conn, "marker");
      await conn.mySubscriptions();
      await conn.shout("news", 5);
      await conn.shout("news", 3);
      await conn.shout("marker", "end");
      await markers.next("the marker after two news events");
      expect(first.items, "the once listener saw only the first event").toEqual([[5]]);
      expect(await conn.mySubscriptions(), "the once listener unsubscribed after firing").toEqual([
        "marker",
      ]);
    },
  });

  s.test({
    id: "mixed-encodings-one-actor",
    title: "a broadcast reaches a json and a cbor subscriber of the same actor alike",
    clause: "EVT-1",
    axes: ["client", "transport"],
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("mixed-encodings");
      const json = await openHub(t, key, "the json connection", t.newClient({ encoding: "json" }));
      const cbor = await openHub(t, key, "the cbor connection", t.newClient({ encoding: "cbor" }));
      const [atJson, atCbor] = [listen(json, "news"), listen(cbor, "news")];
      await json.mySubscriptions();
      await cbor.mySubscriptions();
      const payload = { text: "ü ✓ 名", n: 1.5, list: [null, true, -3], empty: "" };
      await json.shout("news", payload);
      expect(await atJson.next("news at the json connection"), "json subscriber").toEqual([
        payload,
      ]);
      expect(await atCbor.next("news at the cbor connection"), "cbor subscriber").toEqual([
        payload,
      ]);
    },
  });

  registerWireTests(s);
});

/** Decodes a frame of either transport into a message. */
type NextMessage = (what: string) => Promise<any>;

/**
 * Reads messages until the `marker` event and returns every event seen before it; a check that
 * "nothing else arrived" is then exact, since events on one connection keep their order.
 */
async function eventsUntilMarker(next: NextMessage): Promise<any[]> {
  const seen: any[] = [];
  for (;;) {
    const message = await next("the marker event");
    if (message.type !== "event") continue;
    if (message.name === "marker") return seen;
    seen.push(message);
  }
}

function registerWireTests(s: SuiteBuilder): void {
  for (const transport of ["websocket", "sse"] as const) {
    s.test({
      id: `wire-${transport}-unsubscribed-gets-no-frames`,
      title: `over raw ${transport}, a connection never subscribed or unsubscribed receives no frame of the event`,
      clause: "EVT-2",
      requires: [transport],
      async run(t) {
        const { expect } = t;
        for (const encoding of ["json", "cbor"] as WireEncoding[]) {
          const query = getOrCreate("eventHub", t.uniqueKey(`wire-unsub-${encoding}`));
          // The positive control: a subscriber proves the broadcast happened.
          const control = openWireSocket(
            t.endpoint,
            "/actors/connect/websocket",
            subprotocols({ encoding, query }),
          );
          t.defer(() => control.socket.terminate());
          await t.step("the control socket opens", control.open);
          decodeFrame(await control.inbox.next("the control's init"), encoding);
          control.socket.send(encodeWire({ type: "subscribe", event: "news" }, encoding));
          control.socket.send(encodeWire({ type: "subscribe", event: "marker" }, encoding));
          control.socket.send(
            encodeWire({ type: "action", id: 0, name: "ping", args: [] }, encoding),
          );
          await control.inbox.next("the control's ping reply");

          const { next, send, close } = await openProbe(t, transport, encoding, query);
          await send({ type: "subscribe", event: "marker" });
          await send({ type: "subscribe", event: "gone" });
          await send({ type: "unsubscribe", event: "gone" });
          await send({ type: "action", id: 7, name: "mySubscriptions", args: [] });
          let reply: any;
          do reply = await next("the probe's mySubscriptions reply");
          while (reply.type !== "action_response");
          expect(
            reply.output,
            `${transport}/${encoding}: the probe is subscribed to marker only`,
          ).toEqual(["marker"]);

          for (const [event, value] of [
            ["news", 1],
            ["gone", 2],
            ["marker", 3],
          ] as const) {
            const response = await postAction(t.endpoint, {
              query,
              encoding: "json",
              name: "shout",
              body: { args: [event, value] },
            });
            expect(response.status, `shout(${event}) over HTTP`).toBe(200);
          }
          const controlSeen = await eventsUntilMarker(async (what) =>
            decodeFrame(await control.inbox.next(what), encoding),
          );
          expect(
            controlSeen.map((m) => m.name),
            "the control received the news broadcast",
          ).toEqual(["news"]);
          const probeSeen = await eventsUntilMarker(next);
          expect(
            probeSeen,
            `${transport}/${encoding}: no frame of news (never subscribed) or gone (unsubscribed)`,
          ).toEqual([]);
          close();
          control.socket.close(1000);
        }
      },
    });
  }
}

/** A raw connection of either transport: send to-server messages, read decoded messages. */
async function openProbe(
  t: TestContext,
  transport: "websocket" | "sse",
  encoding: WireEncoding,
  query: ReturnType<typeof getOrCreate>,
): Promise<{ next: NextMessage; send(message: unknown): Promise<void>; close(): void }> {
  if (transport === "websocket") {
    const wire = openWireSocket(
      t.endpoint,
      "/actors/connect/websocket",
      subprotocols({ encoding, query }),
    );
    t.defer(() => wire.socket.terminate());
    await t.step("the probe socket opens", wire.open);
    decodeFrame(await wire.inbox.next("the probe's init"), encoding);
    return {
      next: async (what) => decodeFrame(await wire.inbox.next(what), encoding),
      send: async (message) => wire.socket.send(encodeWire(message, encoding)),
      close: () => wire.socket.close(1000),
    };
  }
  const sse = await t.step(
    "the probe SSE stream opens",
    openWireSse(t.endpoint, { encoding, query }),
  );
  t.defer(() => sse.close());
  const init = await sse.inbox.next("the probe's init");
  return {
    next: (what) => sse.inbox.next(what),
    async send(message) {
      const response = await postConnectionMessage(t.endpoint, {
        actorId: init.actorId,
        connectionId: init.connectionId,
        token: init.connectionToken,
        encoding,
        message,
      });
      t.expect(response.status, `connection message ${JSON.stringify(message)} accepted`).toBe(200);
      await response.arrayBuffer();
    },
    close: () => sse.close(),
  };
}
