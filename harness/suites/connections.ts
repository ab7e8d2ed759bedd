/**
 * Connections suite: opening connections by every kind of handle, params, per-connection state,
 * `c.conns`, `conn.send`, `conn.disconnect`, `onBeforeConnect` refusals, hook order,
 * `onDisconnect` exactly once, and reconnection (clauses CONN-1..CONN-9, CONN-11). Cell tests run
 * over client x transport x encoding; raw-wire tests check the frames themselves.
 */
import type {
  ConnHooksConnState,
  ConnHooksParams,
  HookEntry,
} from "../fixtures/connectivity/connections.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { registerConnectionWireTests } from "./connections-wire.ts";
import { clientOf, Inbox, listen } from "./connectivity-wire.ts";
import { expectCode } from "./core-support.ts";

const CONN_AXES = ["client", "transport", "encoding"] as const;

/** What `connHooks.whoAmI` returns. */
interface WhoAmI {
  id: string;
  paramsAbsent: boolean;
  params: unknown;
  state: ConnHooksConnState;
}

/** A handle on `connHooks` for `key`, with `params`, from the cell's client. */
function hooksHandle(t: TestContext, key: string[], params?: ConnHooksParams): any {
  return clientOf(t).connHooks.getOrCreate(key, params === undefined ? {} : { params });
}

/** Opens a connection on `handle`, closes it after the test, and waits until it is open. */
async function openConn(t: TestContext, handle: any, what = "the connection"): Promise<any> {
  const conn = handle.connect();
  t.defer(() => conn.dispose());
  await t.step(`${what} opens over ${t.cell.transport}`, conn.waitForOpen());
  return conn;
}

/** Asserts the connection really rides the cell's transport, as the actor saw it. */
function expectCellRoute(t: TestContext, who: WhoAmI): void {
  t.expect(
    who.state.route,
    `the actor saw the connection arrive on the route of the ${t.cell.transport} cell`,
  ).toBe(`/connect/${t.cell.transport}`);
}

/** The hook names of `log` for connection `connId` or, for hooks before it existed, `tag`. */
function hookNames(log: HookEntry[]): string[] {
  return log.map((entry) => entry.hook);
}

/** Waits for the `connClosed` event naming `connId` on an observer's inbox. */
async function waitClosed(observer: Inbox<unknown[]>, connId: string, what: string): Promise<void> {
  for (;;) {
    const [payload] = await observer.next(`connClosed for ${what} (${connId})`);
    if ((payload as { id: string }).id === connId) return;
  }
}

/** The connections suite (CONN-1..CONN-11); registered in harness/suites/index.ts. */
export const connectionsSuite = defineSuite("connections", (s) => {
  const connectWays: Array<{
    id: string;
    title: string;
    open(t: TestContext, key: string[]): Promise<any>;
  }> = [
    {
      id: "connect-via-get",
      title: "a connection opened with get() on an existing actor runs actions",
      async open(t, key) {
        await clientOf(t).connHooks.create(key);
        return clientOf(t).connHooks.get(key);
      },
    },
    {
      id: "connect-via-get-or-create",
      title: "a connection opened with getOrCreate() runs actions",
      open: async (t, key) => clientOf(t).connHooks.getOrCreate(key),
    },
    {
      id: "connect-via-create",
      title: "a connection opened on the handle create() returns runs actions",
      open: async (t, key) => clientOf(t).connHooks.create(key),
    },
  ];
  for (const way of connectWays) {
    s.test({
      id: way.id,
      title: way.title,
      clause: "CONN-1",
      axes: CONN_AXES,
      async run(t) {
        const { expect } = t;
        const key = t.uniqueKey(way.id);
        const conn = await openConn(t, await way.open(t, key));
        expect(await conn.increment(5), "increment(5) over a new connection").toBe(5);
        expect(await conn.increment(4), "increment(4) over the same connection").toBe(9);
        expectCellRoute(t, await conn.whoAmI());
        const fresh = clientOf(t).connHooks.get(key);
        expect(await fresh.getCount(), "a stateless handle on the same key sees the count").toBe(9);
      },
    });
  }

  s.test({
    id: "connect-via-get-for-id",
    title: "a connection opened with getForId() reaches the actor the id names",
    clause: "CONN-1",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("for-id");
      const handle = clientOf(t).connHooks.getOrCreate(key);
      await handle.increment(3);
      const actorId = await handle.resolve();
      const conn = await openConn(t, clientOf(t).connHooks.getForId(actorId));
      expect(await conn.getCount(), `getForId(${actorId}) connection reads the count`).toBe(3);
      expect(conn.actorId, "the init message names the actor the id addressed").toBe(actorId);
      expectCellRoute(t, await conn.whoAmI());
    },
  });

  s.test({
    id: "params-reach-every-hook",
    title: "connection params reach onBeforeConnect, createConnState and conn.params unchanged",
    clause: "CONN-2",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("params");
      const params: ConnHooksParams = {
        tag: "p1",
        name: "Zoë ✓ 名前",
        extra: { nested: [1, "two", null, { deep: true }], empty: "", zero: 0 },
      };
      const conn = await openConn(t, hooksHandle(t, key, params));
      const who: WhoAmI = await conn.whoAmI();
      expect(who.paramsAbsent, "conn.params is set when params were sent").toBe(false);
      expect(who.params, "conn.params equals what the client sent").toEqual(params);
      expect(who.state.paramsSeen, "createConnState received the params").toEqual(params);
      expect(who.state.name, "connection state built from params.name").toBe(params.name);
      const log: HookEntry[] = await conn.hookLog("p1");
      const before = log.find((entry) => entry.hook === "onBeforeConnect");
      expect(before?.params, "onBeforeConnect received the params").toEqual(params);

      const second = await openConn(
        t,
        hooksHandle(t, key, { tag: "p2", name: "user2" }),
        "a second connection",
      );
      expect((await second.whoAmI()).state.name, "a second connection has its own params").toBe(
        "user2",
      );
      const plain = await openConn(t, hooksHandle(t, key), "a connection without params");
      const bare: WhoAmI = await plain.whoAmI();
      expect(bare.paramsAbsent, "conn.params is undefined when no params were sent").toBe(true);
      expect(bare.state.name, "createConnState saw no params").toBe("anonymous");
      const connected = (await plain.hookLog())
        .filter((entry: HookEntry) => entry.hook === "onConnect")
        .map((entry: HookEntry) => entry.tag);
      expect(connected, "onConnect ran for each connection with its own params").toEqual([
        "p1",
        "p2",
        null,
      ]);
    },
  });

  s.test({
    id: "conn-state-per-connection",
    title: "each connection keeps its own connection state across actions",
    clause: "CONN-3",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("conn-state");
      const a = await openConn(t, hooksHandle(t, key, { tag: "a", name: "user1" }), "connection a");
      const b = await openConn(t, hooksHandle(t, key, { tag: "b", name: "user2" }), "connection b");
      expect(await a.bumpConnCounter(5), "a's counter after +5").toBe(5);
      expect(await b.bumpConnCounter(10), "b's counter after +10").toBe(10);
      expect(await a.bumpConnCounter(1), "a's counter after another +1 (state kept)").toBe(6);
      const [whoA, whoB]: WhoAmI[] = [await a.whoAmI(), await b.whoAmI()];
      expect(whoA.state, "connection a's state").toMatchObject({
        tag: "a",
        name: "user1",
        counter: 6,
      });
      expect(whoB.state, "connection b's state").toMatchObject({
        tag: "b",
        name: "user2",
        counter: 10,
      });
      expect(whoA.id, "two connections have different ids").not.toBe(whoB.id);
    },
  });

  s.test({
    id: "conns-lists-open-connections",
    title: "c.conns lists exactly the open connections, before and after one closes",
    clause: "CONN-4",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("conns");
      const observer = await openConn(t, hooksHandle(t, key, { tag: "observer" }), "the observer");
      const closed = listen(observer, "connClosed");
      const a = await openConn(t, hooksHandle(t, key, { tag: "a" }), "connection a");
      const b = await openConn(t, hooksHandle(t, key, { tag: "b" }), "connection b");
      const ids = {
        observer: (await observer.whoAmI()).id as string,
        a: (await a.whoAmI()).id as string,
        b: (await b.whoAmI()).id as string,
      };
      const list = async () => (await a.listConns()).map((conn: { id: string }) => conn.id);
      expect(await list(), "c.conns with three connections open").toEqual(
        Object.values(ids).sort(),
      );
      await b.dispose();
      await waitClosed(closed, ids.b, "connection b");
      expect(await list(), "c.conns after connection b closed").toEqual(
        [ids.observer, ids.a].sort(),
      );
    },
  });

  s.test({
    id: "conn-send-reaches-one",
    title: "conn.send reaches only the connection it was called on",
    clause: "CONN-5",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("direct");
      const sender = await openConn(t, hooksHandle(t, key, { tag: "sender" }), "the sender");
      const target = await openConn(t, hooksHandle(t, key, { tag: "target" }), "the target");
      const bystander = await openConn(
        t,
        hooksHandle(t, key, { tag: "bystander" }),
        "the bystander",
      );
      const atTarget = listen(target, "direct");
      const atBystander = listen(bystander, "direct");
      const atSender = listen(sender, "direct");
      const targetId: string = (await target.whoAmI()).id;
      const bystanderId: string = (await bystander.whoAmI()).id;
      const senderId: string = (await sender.whoAmI()).id;
      const message = { from: senderId, text: "Hello from the sender ✓" };
      expect(await sender.sendTo(targetId, "direct", message), "sendTo an open connection").toBe(
        true,
      );
      expect(
        (await atTarget.next("the direct message at the target"))[0],
        "the target got the message",
      ).toEqual(message);
      // Markers sent after the message: on each connection they arrive after anything sent before.
      expect(await sender.sendTo(bystanderId, "direct", "marker")).toBe(true);
      expect(await sender.sendTo(senderId, "direct", "marker")).toBe(true);
      await atBystander.next("the marker at the bystander");
      await atSender.next("the marker at the sender");
      expect(atBystander.items, "the bystander received only its marker").toEqual([["marker"]]);
      expect(atSender.items, "the sender received only its marker").toEqual([["marker"]]);
      expect(await sender.sendTo("no-such-connection", "direct", 1), "sendTo an unknown id").toBe(
        false,
      );
    },
  });

  s.test({
    id: "conn-disconnect-closes-client",
    title: "conn.disconnect(reason) closes the client's connection, with the reason over WebSocket",
    clause: "CONN-6",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("disconnect");
      const conn = await openConn(t, hooksHandle(t, key, { tag: "kicked" }));
      const closes = new Inbox<{ code: number; reason: string }>();
      conn.onClose((info: { code: number; reason: string }) => closes.push(info));
      const id: string = (await conn.whoAmI()).id;
      const reason = "kicked: ünïcode ✓";
      const controller = clientOf(t).connHooks.getOrCreate(key);
      expect(await controller.disconnect(id, reason), "disconnect() found the connection").toBe(
        true,
      );
      const info = await closes.next("the client's onClose after conn.disconnect");
      if (t.cell.transport === "websocket") {
        expect(info, "the WebSocket closed normally with the given reason").toEqual({
          code: 1000,
          reason,
        });
      }
      const log: HookEntry[] = await controller.hookLog("kicked");
      const ended = log.filter((entry) => entry.hook === "onDisconnect" && entry.connId === id);
      expect(ended.length, "onDisconnect ran once for the disconnected connection").toBe(1);
      const listed = (await controller.listConns()).map((c: { id: string }) => c.id);
      expect(listed, "the disconnected connection is gone from c.conns").not.toContain(id);
    },
  });

  s.test({
    id: "kick-sticks",
    title:
      "conn.disconnect(reason) is final: the reason reaches the client on every transport and it does not reconnect",
    clause: "CONN-13",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("kick");
      const conn = await openConn(t, hooksHandle(t, key, { tag: "kick" }));
      const closes = new Inbox<{ code: number; reason: string }>();
      conn.onClose((info: { code: number; reason: string }) => closes.push(info));
      let reopened = 0;
      conn.onOpen(() => reopened++);
      const id: string = (await conn.whoAmI()).id;
      const reason = "kicked for good: ünïcode ✓";
      const controller = clientOf(t).connHooks.getOrCreate(key);
      expect(await controller.disconnect(id, reason), "disconnect() found the connection").toBe(
        true,
      );
      const info = await closes.next("the client's onClose after conn.disconnect");
      expect(info, `the reason of conn.disconnect over ${t.cell.transport}`).toEqual({
        code: 1000,
        reason,
      });
      expect(conn.status, "the connection reports it was disconnected").toBe("disconnected");
      // Longer than a few reconnect delays (100 ms, doubling): a reconnect would have happened.
      await new Promise((resolve) => setTimeout(resolve, 800));
      expect(reopened, "no reconnect after a kick").toBe(0);
      const listed = (await controller.listConns()).filter(
        (c: { tag?: string }) => c.tag === "kick",
      );
      expect(listed, "no connection came back on the actor").toEqual([]);
      await expectCode(
        t,
        "an action on the kicked connection",
        conn.getCount(),
        "connection_closed",
      );
    },
  });

  s.test({
    id: "on-before-connect-refusal",
    title: "onBeforeConnect throwing refuses the connection with its code and metadata",
    clause: "CONN-7",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("refused");
      const params: ConnHooksParams = {
        tag: "refused",
        reject: { code: "conn_refused_by_test", metadata: { why: "nope", n: 7 } },
      };
      const conn = hooksHandle(t, key, params).connect();
      t.defer(() => conn.dispose());
      const errors = new Inbox<any>();
      conn.onError((error: unknown) => errors.push(error));
      const failure = await conn.waitForOpen().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure, "waitForOpen rejects for a refused connection").toBeDefined();
      expect(failure, "the refusal carries onBeforeConnect's code and metadata").toMatchObject({
        code: "conn_refused_by_test",
        metadata: { why: "nope", n: 7 },
      });
      expect(conn.status, "a refused first attempt leaves the connection failed").toBe("failed");
      const action = await conn.getCount().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(action, "an action on the refused connection fails with the same code").toMatchObject({
        code: "conn_refused_by_test",
      });
      expect((await errors.next("onError for the refusal")).code, "onError got the refusal").toBe(
        "conn_refused_by_test",
      );
      const log: HookEntry[] = await clientOf(t).connHooks.getOrCreate(key).hookLog("refused");
      expect(hookNames(log), "only onBeforeConnect ran for the refused connection").toEqual([
        "onBeforeConnect",
      ]);
    },
  });

  s.test({
    id: "hooks-order-and-once",
    title:
      "onBeforeConnect, createConnState and onConnect run once each, in order, and onConnect's event follows init",
    clause: "CONN-8",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("hooks");
      const handle = hooksHandle(t, key, { tag: "h", greet: true });
      const conn = handle.connect();
      t.defer(() => conn.dispose());
      const greetings = listen(conn, "greeting");
      await t.step(`the connection opens over ${t.cell.transport}`, conn.waitForOpen());
      const [greeting] = await greetings.next("the greeting onConnect sends");
      const who: WhoAmI = await conn.whoAmI();
      expect(greeting, "onConnect's conn is the connection init named").toEqual({
        id: conn.connectionId,
        tag: "h",
      });
      expect(who.id, "c.conn in actions is the same connection").toBe(conn.connectionId);
      await conn.increment(1);
      await conn.getCount();
      const log: HookEntry[] = await conn.hookLog("h");
      expect(hookNames(log), "hooks of one connection, in order; actions add none").toEqual([
        "onBeforeConnect",
        "createConnState",
        "onConnect",
      ]);
      expect(log[2]?.connId, "onConnect ran for this connection").toBe(who.id);
      expect(greetings.items.length, "onConnect ran once: one greeting").toBe(1);
    },
  });

  s.test({
    id: "on-disconnect-once-per-ending",
    title:
      "onDisconnect runs exactly once when the client disposes and when the server disconnects",
    clause: "CONN-9",
    axes: CONN_AXES,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("disconnect-once");
      const observer = await openConn(t, hooksHandle(t, key, { tag: "observer" }), "the observer");
      const closed = listen(observer, "connClosed");
      const disposed = await openConn(
        t,
        hooksHandle(t, key, { tag: "disposed" }),
        "the disposed connection",
      );
      const disposedId: string = (await disposed.whoAmI()).id;
      await disposed.dispose();
      await waitClosed(closed, disposedId, "the disposed connection");
      const kicked = await openConn(
        t,
        hooksHandle(t, key, { tag: "kicked" }),
        "the kicked connection",
      );
      const kickedId: string = (await kicked.whoAmI()).id;
      expect(
        await observer.disconnect(kickedId, "bye"),
        "the observer disconnects the kicked connection",
      ).toBe(true);
      await waitClosed(closed, kickedId, "the kicked connection");
      // A round trip on the observer orders after any second onDisconnect's broadcast.
      const log: HookEntry[] = await observer.hookLog();
      for (const [what, id] of [
        ["disposed", disposedId],
        ["kicked", kickedId],
      ] as const) {
        const runs = log.filter((entry) => entry.hook === "onDisconnect" && entry.connId === id);
        expect(runs.length, `onDisconnect runs for the ${what} connection`).toBe(1);
        const notices = closed.items.filter(([p]) => (p as { id: string }).id === id);
        expect(notices.length, `connClosed broadcasts for the ${what} connection`).toBe(1);
      }
    },
  });

  s.test({
    id: "reconnect-restores-subscriptions",
    title:
      "after the connection's transport drops the client reconnects and its subscriptions are restored",
    clause: "CONN-11",
    axes: CONN_AXES,
    timeoutMs: 20_000,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("reconnect");
      const conn = await openConn(t, hooksHandle(t, key, { tag: "r" }));
      const counts = listen(conn, "newCount");
      const opens = new Inbox<true>();
      conn.onOpen(() => opens.push(true));
      const closes = new Inbox<unknown>();
      conn.onClose((info: unknown) => closes.push(info));
      const firstId: string = conn.connectionId;
      await conn.increment(1);
      expect((await counts.next("newCount before the drop"))[0]).toBe(1);
      const controller = clientOf(t).connHooks.getOrCreate(key);
      expect(t.dropTransports(), "one connection transport to drop").toBe(1);
      await closes.next("the close of the dropped connection");
      await opens.next("a new init after the drop", 10_000);
      expect(conn.connectionId, "the reconnect is a new server-side connection").not.toBe(firstId);
      // A round trip on the connection orders after the re-subscription it sent at init.
      expect(await conn.getCount(), "actions work on the reconnected connection").toBe(1);
      expect(await controller.increment(2), "a stateless increment after the reconnect").toBe(3);
      expect(
        (await counts.next("newCount after the reconnect"))[0],
        "the restored subscription delivers",
      ).toBe(3);
    },
  });

  registerConnectionWireTests(s);
});
