/**
 * Raw WebSocket suite: `onWebSocket` through `handle.websocket()` and through plain `ws` on the
 * wire: welcome and echo, text versus binary frames, subpath, query and subprotocols, close codes
 * and reasons both ways, open-socket accounting, and the missing handler (clauses RAWWS-1..4).
 */
import type { ObservedClose, RawWsWelcome } from "../fixtures/connectivity/raw-websocket.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { clientOf, SocketInbox } from "./connectivity-wire.ts";
import { registerRawWebSocketWireTests } from "./raw-websocket-wire.ts";

const CLIENT_AXIS = ["client"] as const;

/** An open raw socket and its inbox; closed after the test. */
interface RawSocket {
  socket: { send(data: string | Uint8Array): void; close(code?: number, reason?: string): void };
  inbox: SocketInbox;
}

/** Opens `handle.websocket(path, protocols)`, attaches an inbox at once, closes it after the test. */
async function open(
  t: TestContext,
  handle: any,
  path = "",
  protocols?: string[],
): Promise<RawSocket> {
  const socket = await t.step(
    `raw WebSocket ${JSON.stringify(path)} opens`,
    handle.websocket(path, protocols),
  );
  const inbox = new SocketInbox(socket as any);
  t.defer(() => (socket as { close(): void }).close());
  return { socket: socket as RawSocket["socket"], inbox };
}

/** Opens a socket and returns it with its welcome message. */
async function openWelcomed(t: TestContext, handle: any, path = "", protocols?: string[]) {
  const raw = await open(t, handle, path, protocols);
  const welcome = (await raw.inbox.nextJson("the welcome")) as RawWsWelcome;
  t.expect(welcome.type, "the first frame is the welcome").toBe("welcome");
  return { ...raw, welcome };
}

const rawWs = (t: TestContext, label = "raw-ws"): any =>
  clientOf(t).rawWs.getOrCreate(t.uniqueKey(label));

/** The raw WebSocket suite (RAWWS-1..4); registered in harness/suites/index.ts. */
export const rawWebSocketSuite = defineSuite("raw-websocket", (s) => {
  s.test({
    id: "welcome-on-open",
    title: "onWebSocket gets an open socket and its first message reaches the client",
    clause: "RAWWS-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const { welcome } = await openWelcomed(t, rawWs(t));
      t.expect(welcome, "the welcome").toMatchObject({
        type: "welcome",
        connectionCount: 1,
        url: "http://actor/",
      });
      if (t.cell.client === "http") {
        t.expect(welcome.auth, "onAuth's return reaches onWebSocket").toEqual({ connParams: null });
      }
    },
  });

  s.test({
    id: "messages-both-ways",
    title: "text messages flow both ways: echo and ping/pong",
    clause: "RAWWS-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const { socket, inbox } = await openWelcomed(t, rawWs(t));
      const text = JSON.stringify({ test: "data", timestamp: 1_700_000_000_000, unicode: "ünï ✓" });
      socket.send(text);
      t.expect(await inbox.next("the echo"), "the actor's text echo").toEqual({
        binary: false,
        data: `echo:${text}`,
      });
      socket.send(JSON.stringify({ type: "ping" }));
      t.expect(await inbox.nextJson("the pong"), "pong").toEqual({ type: "pong" });
    },
  });

  s.test({
    id: "text-and-binary-exact",
    title: "text frames stay text and binary frames stay binary, byte for byte, both ways",
    clause: "RAWWS-2",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const { socket, inbox } = await openWelcomed(t, rawWs(t));
      const ramp = Uint8Array.from({ length: 1024 }, (_, i) => i % 256);
      const binaries = [
        new Uint8Array([1, 2, 3, 4, 5]),
        ramp,
        new TextEncoder().encode("looks like text ✓"),
      ];
      for (const bytes of binaries) {
        socket.send(bytes);
        const frame = await inbox.next(`the reply to ${bytes.length} binary bytes`);
        expect(frame.binary, `${bytes.length} bytes came back as a binary frame`).toBe(true);
        expect(frame.data, `${bytes.length} bytes reversed by the actor`).toEqual(
          bytes.slice().reverse(),
        );
      }
      socket.send("ünï ✓ \u0000 text");
      expect(await inbox.next("the text echo"), "text stays text").toEqual({
        binary: false,
        data: "echo:ünï ✓ \u0000 text",
      });
      socket.send(JSON.stringify({ type: "sendBinary", bytes: [0, 255, 128, 10] }));
      expect(await inbox.next("an actor-made binary frame"), "actor binary").toEqual({
        binary: true,
        data: new Uint8Array([0, 255, 128, 10]),
      });
      socket.send(JSON.stringify({ type: "sendText", text: "\u0000\u00ff binary-looking text" }));
      expect(await inbox.next("an actor-made text frame"), "actor text").toEqual({
        binary: false,
        data: "\u0000\u00ff binary-looking text",
      });
    },
  });

  s.test({
    id: "subpath-and-query-exact",
    title: "the subpath and query string of a raw WebSocket reach onWebSocket exactly",
    clause: "RAWWS-3",
    axes: CLIENT_AXIS,
    async run(t) {
      const handle = rawWs(t);
      const cases: Array<[string, string]> = [
        ["custom/path", "http://actor/custom/path"],
        [
          "api/v1/stream?token=abc123&user=test",
          "http://actor/api/v1/stream?token=abc123&user=test",
        ],
        [
          "chat/room%201/ünï?x=%E2%9C%93&flag&empty=",
          "http://actor/chat/room%201/%C3%BCn%C3%AF?x=%E2%9C%93&flag&empty=",
        ],
        ["trailing/", "http://actor/trailing/"],
        ["/leading", "http://actor/leading"],
        ["?only=query", "http://actor/?only=query"],
      ];
      for (const [path, url] of cases) {
        const { welcome, socket } = await openWelcomed(t, handle, path);
        t.expect(welcome.url, `raw WebSocket ${JSON.stringify(path)}`).toBe(url);
        socket.close(1000);
      }
    },
  });

  s.test({
    id: "own-subprotocols-reach-actor",
    title: "the client's own subprotocols reach onWebSocket and the actor's own never leak",
    clause: "RAWWS-3",
    axes: CLIENT_AXIS,
    async run(t) {
      const { welcome } = await openWelcomed(t, rawWs(t), "", ["chat-v1", "custom-protocol"]);
      t.expect(welcome.protocols, "exactly the client's own entries").toBe(
        "chat-v1, custom-protocol",
      );
      const plain = await openWelcomed(t, rawWs(t));
      t.expect(plain.welcome.protocols, "no entries when the client sent none").toBeNull();
    },
  });

  s.test({
    id: "close-client-to-actor",
    title: "a close code and reason from the client reach the actor unchanged",
    clause: "RAWWS-4",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = rawWs(t);
      const observer = await openWelcomed(t, handle);
      const leaving = await openWelcomed(t, handle);
      const reason = "bye ✓ from the client";
      leaving.socket.close(4001, reason);
      const notice = await observer.inbox.nextJson("the actor's notice of the close");
      expect(notice, "the actor saw the client's code and reason").toEqual({
        type: "peerClosed",
        code: 4001,
        reason,
        remaining: 1,
      });
      const log = (await handle.getCloseLog()) as ObservedClose[];
      expect(log, "the actor's close log").toEqual([{ code: 4001, reason }]);
      expect(
        (await leaving.inbox.waitClosed("the client's own close")).code,
        "the client socket closed",
      ).toBe(4001);
    },
  });

  s.test({
    id: "close-actor-to-client",
    title: "a close code and reason from the actor reach the client unchanged",
    clause: "RAWWS-4",
    axes: CLIENT_AXIS,
    async run(t) {
      const handle = rawWs(t);
      for (const [code, reason] of [
        [4002, "server bye ✓"],
        [1000, "normal"],
        [1008, "policy violation"],
        [4999, ""],
      ] as const) {
        const { socket, inbox } = await openWelcomed(t, handle);
        socket.send(JSON.stringify({ type: "close", code, reason }));
        t.expect(await inbox.waitClosed(`the actor's close ${code}`), `close ${code}`).toEqual({
          code,
          reason,
        });
      }
    },
  });

  s.test({
    id: "open-socket-accounting",
    title: "onWebSocket runs once per socket and the actor sees each close",
    clause: "RAWWS-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = rawWs(t);
      const first = await openWelcomed(t, handle);
      const second = await openWelcomed(t, handle);
      expect(
        [first.welcome.connectionCount, second.welcome.connectionCount],
        "welcome counts",
      ).toEqual([1, 2]);
      expect(await handle.getStats(), "the action sees both sockets").toEqual({
        connectionCount: 2,
        messageCount: 0,
      });
      first.socket.send("one");
      await first.inbox.next("first echo");
      second.socket.send(JSON.stringify({ type: "getStats" }));
      expect(await second.inbox.nextJson("stats"), "stats over the socket").toEqual({
        type: "stats",
        connectionCount: 2,
        messageCount: 2,
      });
      first.socket.close(1000, "done");
      expect(
        await second.inbox.nextJson("the close notice"),
        "the actor saw the first close",
      ).toMatchObject({
        type: "peerClosed",
        remaining: 1,
      });
      expect(await handle.getStats(), "the action after one close").toEqual({
        connectionCount: 1,
        messageCount: 2,
      });
    },
  });

  s.test({
    id: "missing-onwebsocket",
    title:
      "a raw WebSocket to an actor without onWebSocket ends with websocket_handler_not_defined (close 4404)",
    clause: "RAWWS-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = clientOf(t).rawWsNoHandler.getOrCreate(t.uniqueKey("no-handler"));
      const opened = await handle.websocket("").then(
        (socket: any) => ({ socket }),
        (error: unknown) => ({ error }),
      );
      if ("error" in opened) {
        expect(opened.error, "a refused open carries the code").toMatchObject({
          code: "websocket_handler_not_defined",
        });
        return;
      }
      const inbox = new SocketInbox(opened.socket);
      t.defer(() => opened.socket.close());
      expect(await inbox.waitClosed("the refusal close"), "close code and reason").toEqual({
        code: 4404,
        reason: "websocket_handler_not_defined",
      });
      for (const frame of inbox.items) {
        expect(
          JSON.parse(frame.data as string),
          "only an error frame precedes the close",
        ).toMatchObject({
          type: "error",
          code: "websocket_handler_not_defined",
        });
      }
    },
  });

  registerRawWebSocketWireTests(s);
});
