/**
 * Driver-routing suite: the four ManagerDriver routing methods called directly (`t.manager`),
 * with no manager router or client in between, so a failure points at the driver's own hop
 * (clauses ROUTE-1..ROUTE-5); the driver-module clauses DRV-1..DRV-4 register into it from
 * driver-routing-drv.ts. Requests are built for the actor router as docs/protocol.md ("Actor
 * routes") describes: URL host `actor`, the raw routes' subpath and query after the prefix.
 */
import { createSocketPair } from "../../runtime/driver/index.ts";
import type { RequestView } from "../fixtures/connectivity/raw-http.ts";
import type { RawWsWelcome } from "../fixtures/connectivity/raw-websocket.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { SocketInbox } from "./connectivity-wire.ts";
import { registerDriverModuleTests } from "./driver-routing-drv.ts";
import {
  ACTOR_ORIGIN,
  actorIdOf,
  binaryPayload,
  type HttpVia,
  SseReader,
  sha256Hex,
} from "./driver-routing-support.ts";

/** Methods with a body, then without; each must reach the actor as sent (ROUTE-1, ROUTE-4). */
const METHODS = ["PUT", "POST", "PATCH", "DELETE", "GET"] as const;

/**
 * ROUTE-1 / ROUTE-4: a request with a method, an encoded subpath, a query with repeated and empty
 * pairs, custom headers and a non-ASCII body reaches `onFetch` exactly; the actor's status,
 * headers and body (text and binary) come back unchanged.
 */
async function checkHttpHop(t: TestContext, via: HttpVia): Promise<void> {
  const { expect } = t;
  const id = await actorIdOf(t, "rawHttpRequest");
  const path = "/route/check%20one/ünï/";
  const search = "?b=2&a=1&a=3&empty=&flag&enc=%E2%9C%93";
  for (const method of METHODS) {
    const body =
      method === "GET" ? undefined : new TextEncoder().encode(`${method} body ✓ \u0000 end`);
    const headers = {
      "content-type": "text/plain;charset=utf-8",
      "x-route-check": `${method}, two`,
      "x-route-empty": "",
      accept: "application/json",
    };
    const request = new Request(`${ACTOR_ORIGIN}/raw/http${path}${search}`, {
      method,
      headers,
      body,
    });
    const response = await t.step(`${via}(${method})`, t.manager[via](id, request));
    expect(response.status, `${via}(${method}): the actor answered 200`).toBe(200);
    expect(response.headers.get("x-echo-method"), `${via}: the response header`).toBe(method);
    const view = (await t.step(`${via}(${method}) body`, response.json())) as RequestView;
    expect(view.method, `${via} delivers the method`).toBe(method);
    expect(view.pathname, `${via} delivers the subpath exactly`).toBe(
      "/route/check%20one/%C3%BCn%C3%AF/",
    );
    expect(view.search, `${via} delivers the query string exactly`).toBe(search);
    const seen = new Map(view.headers);
    for (const [name, value] of Object.entries(headers)) {
      expect(seen.get(name), `${via}(${method}) delivers header ${name}`).toBe(value);
    }
    const bytes = body ?? new Uint8Array(0);
    expect(
      { length: view.bodyLength, sha256: view.bodySha256 },
      `${via}(${method}) delivers the body byte for byte`,
    ).toEqual({ length: bytes.length, sha256: await sha256Hex(bytes) });
  }
  // The response comes back unchanged: an unusual status with its header and text body...
  const status = await actorIdOf(t, "rawHttp");
  const teapot = await t.step(
    `${via}(status 418)`,
    t.manager[via](status, new Request(`${ACTOR_ORIGIN}/raw/http/api/status/418`)),
  );
  expect(
    {
      status: teapot.status,
      header: teapot.headers.get("x-fixture-status"),
      body: await teapot.text(),
    },
    `${via} returns the actor's status, header and body`,
  ).toEqual({ status: 418, header: "418", body: "status 418" });
  // ...and a binary body of every byte value.
  const all = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256);
  const echoed = await t.step(
    `${via}(binary echo)`,
    t.manager[via](
      id,
      new Request(`${ACTOR_ORIGIN}/raw/http/bytes`, { method: "POST", body: all }),
    ),
  );
  expect(echoed.headers.get("content-type"), `${via}: binary content type`).toBe(
    "application/octet-stream",
  );
  const back = new Uint8Array(await t.step(`${via} binary body`, echoed.arrayBuffer()));
  expect(back, `${via} returns the binary body byte for byte`).toEqual(all);
}

/**
 * ROUTE-2: the SSE connection route through `via`: the `init` event arrives while the stream
 * stays open, and an action sent on the connection afterwards answers on the same stream.
 */
async function checkStreaming(t: TestContext, via: HttpVia): Promise<void> {
  const { expect } = t;
  const id = await actorIdOf(t, "counter");
  const abort = new AbortController();
  const request = new Request(`${ACTOR_ORIGIN}/connect/sse`, {
    headers: { "x-actor-encoding": "json" },
    signal: abort.signal,
  });
  const response = await t.step(`${via}(/connect/sse) answers`, t.manager[via](id, request));
  t.defer(() => abort.abort());
  expect(response.status, `${via}(/connect/sse) status`).toBe(200);
  expect(response.headers.get("content-type"), "an event stream").toContain("text/event-stream");
  expect(response.body, "the response has a body").not.toBeNull();
  const reader = new SseReader(response.body!);
  t.defer(() => reader.cancel());
  const init = JSON.parse(
    await t.step(`the first SSE event through ${via}, while the stream is open`, reader.next()),
  );
  expect(init, "the first event is init").toMatchObject({
    type: "init",
    actorId: id,
    protocolVersion: 1,
  });
  expect(reader.ended, "the stream is still open after init").toBe(false);
  // More bytes the actor writes later still reach the caller before the response ends.
  const message = new Request(`${ACTOR_ORIGIN}/connections/message`, {
    method: "POST",
    headers: {
      "x-actor-encoding": "json",
      "x-actor-conn-id": init.connectionId,
      "x-actor-conn-token": init.connectionToken,
      "content-type": "application/json",
    },
    body: JSON.stringify({ type: "action", id: 7, name: "increment", args: [5] }),
  });
  const posted = await t.step(`${via}(/connections/message)`, t.manager[via](id, message));
  expect(posted.status, `the connection message is accepted: ${await posted.text()}`).toBe(200);
  const reply = JSON.parse(
    await t.step(`the action_response on the open stream through ${via}`, reader.next()),
  );
  expect(reply, "the action's answer streams after init").toEqual({
    type: "action_response",
    id: 7,
    output: 5,
  });
}

/** The driver-routing suite (ROUTE-1..ROUTE-5, DRV-1..DRV-4); listed in harness/suites/index.ts. */
export const driverRoutingSuite = defineSuite("driver-routing", (s) => {
  s.test({
    id: "send-request-delivers-and-returns-unchanged",
    title:
      "sendRequest delivers method, path, query, headers and body to the actor and returns its response unchanged",
    clause: "ROUTE-1",
    setup: "driver",
    run: (t) => checkHttpHop(t, "sendRequest"),
  });

  s.test({
    id: "proxy-request-forwards-unchanged",
    title:
      "proxyRequest forwards method, path, query, headers and body and returns the response unchanged",
    clause: "ROUTE-4",
    setup: "driver",
    run: (t) => checkHttpHop(t, "proxyRequest"),
  });

  s.test({
    id: "send-request-streams",
    title: "sendRequest streams an SSE body: events arrive while the response is still open",
    clause: "ROUTE-2",
    setup: "driver",
    run: (t) => checkStreaming(t, "sendRequest"),
  });

  s.test({
    id: "proxy-request-streams",
    title: "proxyRequest streams an SSE body: events arrive while the response is still open",
    clause: "ROUTE-2",
    setup: "driver",
    run: (t) => checkStreaming(t, "proxyRequest"),
  });

  s.test({
    id: "open-websocket-frames-exact",
    title:
      "openWebSocket yields an open socket: 50 mixed text and binary messages keep their kind, bytes and order",
    clause: "ROUTE-3",
    setup: "driver",
    run: async (t) => {
      const { expect } = t;
      const id = await actorIdOf(t, "rawWs");
      const socket = await t.step(
        "openWebSocket(/raw/websocket/route3?q=1)",
        t.manager.openWebSocket(id, new Request(`${ACTOR_ORIGIN}/raw/websocket/route3?q=1`)),
      );
      t.trackSocket(socket);
      t.defer(() => socket.close(1000));
      const inbox = new SocketInbox(socket);
      expect(socket.readyState, "openWebSocket resolves an OPEN socket").toBe(1);
      const welcome = (await t.step("the welcome", inbox.nextJson("the welcome"))) as RawWsWelcome;
      expect(welcome, "the actor's first frame").toMatchObject({
        type: "welcome",
        url: "http://actor/route3?q=1",
      });
      const expected = [];
      for (let i = 0; i < 50; i++) {
        if (i % 2 === 0) {
          socket.send(`m${i} ünï ✓`);
          expected.push({ binary: false, data: `echo:m${i} ünï ✓` });
        } else {
          const bytes = binaryPayload(i);
          socket.send(bytes);
          expected.push({ binary: true, data: bytes.slice().reverse() });
        }
      }
      await t.step("50 replies", inbox.waitCount(51, "50 replies after the welcome"));
      const replies = inbox.items.slice(1, 51);
      for (const [i, want] of expected.entries()) {
        expect(replies[i], `reply ${i}: kind, bytes and position kept`).toEqual(want);
      }
    },
  });

  s.test({
    id: "proxy-websocket-bridges-both-ways",
    title:
      "proxyWebSocket bridges both ways; the last message before a close and the close code and reason cross",
    clause: "ROUTE-5",
    setup: "driver",
    run: async (t) => {
      const { expect } = t;
      const id = await actorIdOf(t, "rawWs");
      /** A client end bridged by proxyWebSocket to the actor, with its inbox and welcome. */
      const bridge = async (label: string) => {
        const [client, server] = createSocketPair();
        t.defer(() => client.close(1000));
        const inbox = new SocketInbox(client);
        const request = new Request(`${ACTOR_ORIGIN}/raw/websocket/${label}`);
        await t.step(`proxyWebSocket(${label})`, t.manager.proxyWebSocket(id, request, server));
        const welcome = await t.step(`${label} welcome`, inbox.nextJson(`the ${label} welcome`));
        expect(welcome.type, `${label}: the actor's welcome crosses the bridge`).toBe("welcome");
        return { client, inbox };
      };
      const watcher = await bridge("watcher");
      const leaving = await bridge("leaving");
      // Both ways, text and binary.
      leaving.client.send("hello ✓");
      expect(await leaving.inbox.next("the text echo"), "text both ways").toEqual({
        binary: false,
        data: "echo:hello ✓",
      });
      leaving.client.send(new Uint8Array([0, 1, 254, 255]));
      expect(await leaving.inbox.next("the binary echo"), "binary both ways").toEqual({
        binary: true,
        data: new Uint8Array([255, 254, 1, 0]),
      });
      // Client to actor: a message sent right before the close is delivered, then the close.
      leaving.client.send("the last words");
      leaving.client.close(4001, "client leaves ✓");
      const notice = await t.step("peerClosed", watcher.inbox.nextJson("the peerClosed notice"));
      expect(notice, "the actor saw the client's close code and reason").toEqual({
        type: "peerClosed",
        code: 4001,
        reason: "client leaves ✓",
        remaining: 1,
      });
      watcher.client.send(JSON.stringify({ type: "getStats" }));
      const stats = await t.step("stats", watcher.inbox.nextJson("the stats"));
      // hello, binary, the last words, getStats: the last message before the close counted.
      expect(stats.messageCount, "every message, the last before the close included").toBe(4);
      // Actor to client: a message right before the actor's close is delivered, then the close.
      watcher.client.send(JSON.stringify({ type: "sendText", text: "final words ✓" }));
      watcher.client.send(JSON.stringify({ type: "close", code: 4002, reason: "actor leaves ✓" }));
      expect(await watcher.inbox.next("the final words"), "the last frame before close").toEqual({
        binary: false,
        data: "final words ✓",
      });
      expect(
        await t.step("close", watcher.inbox.waitClosed("the actor's close")),
        "the actor's close code and reason",
      ).toEqual({ code: 4002, reason: "actor leaves ✓" });
    },
  });

  registerDriverModuleTests(s);
});
