/**
 * The connection and wire half of the auth suite: onAuth on connect over WebSocket and SSE,
 * refusals of connections, `conn.auth` exactly, forged internal headers never reaching an actor,
 * and the inline client's bypass (clauses AUTH-1..AUTH-6).
 */
import { viewAuth } from "../fixtures/connectivity/auth.ts";
import type { SuiteBuilder } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { expectRefusedOverHttp, NO_AUTH, settle } from "./auth-support.ts";
import {
  clientOf,
  decodeFrame,
  encodeWire,
  getOrCreate,
  openWireSocket,
  openWireSse,
  postAction,
  postConnectionMessage,
  readWireError,
  subprotocols,
} from "./connectivity-wire.ts";

const CONN_AXES = ["client", "transport"] as const;

/** Opens `handle.connect()`, closes it after the test; resolves once open or rejects its error. */
async function connect(t: TestContext, handle: any): Promise<any> {
  const conn = handle.connect();
  t.defer(() => conn.dispose());
  await t.step(
    `the connection opens or is refused over ${t.cell.transport}`,
    conn.waitForOpen().catch(() => undefined),
  );
  return conn;
}

/** Forged internal headers a public client must never get to an actor (AUTH-5). */
function forgedHeaders(): Record<string, string> {
  const forged = Buffer.from(encodeWire({ forged: true, role: "admin" }, "cbor")).toString(
    "base64",
  );
  return {
    "x-actor-internal-auth-data": forged,
    "x-actor-internal-expose-errors": "1",
    "x-actor-internal-anything": "forged",
    // The same names in disguise: a hop that maps "_" to "-" (CGI style) or percent-decodes
    // header names turns these into internal headers after the router stripped the real ones.
    x_actor_internal_auth_data: forged,
    "x-actor-internal%2Dexpose-errors": "1",
  };
}

/** Asserts no header that onFetch or onWebSocket saw is internal. */
function expectNoInternalHeaders(t: TestContext, headers: [string, string][], what: string): void {
  const internal = headers.filter(([name]) => name.startsWith("x-actor-internal-"));
  t.expect(internal, `${what}: internal headers the actor saw`).toEqual([]);
}

/** Registers the connection and wire auth tests on the auth suite. */
export function registerAuthConnectionTests(s: SuiteBuilder): void {
  s.test({
    id: "intents-on-connect",
    title: "onAuth runs on connect with the query's intents plus connect, over each transport",
    clause: "AUTH-1",
    axes: CONN_AXES,
    async run(t) {
      const client = clientOf(t);
      const key = t.uniqueKey("intents-connect");
      const id = await client.authIntents.getOrCreate(key).resolve();
      for (const [what, handle, intents] of [
        ["getOrCreate", client.authIntents.getOrCreate(key), ["connect", "create", "get"]],
        ["get", client.authIntents.get(key), ["connect", "get"]],
        ["getForId", client.authIntents.getForId(id), ["connect", "get"]],
      ] as const) {
        const conn = await connect(t, handle);
        const expected = t.cell.client === "inline" ? NO_AUTH : viewAuth({ intents, role: null });
        t.expect(await conn.getAuth(), `conn.auth of a connection via ${what}`).toEqual(expected);
      }
    },
  });

  s.test({
    id: "no-onauth-connect-forbidden",
    title: "a connection to an actor without onAuth is refused with forbidden",
    clause: "AUTH-2",
    axes: CONN_AXES,
    async run(t) {
      const conn = await connect(
        t,
        clientOf(t).authNone.getOrCreate(t.uniqueKey("no-onauth-connect")),
      );
      await expectRefusedOverHttp(
        t,
        conn.getValue(),
        { code: "forbidden", inlineValue: 42 },
        "connect",
      );
      if (t.cell.client === "http")
        t.expect(conn.status, "the refused connection failed").toBe("failed");
    },
  });

  s.test({
    id: "onauth-error-on-connect",
    title:
      "an onAuth error refuses a connection with its code and a valid key connects with its auth",
    clause: "AUTH-3",
    axes: CONN_AXES,
    async run(t) {
      const client = clientOf(t);
      const key = t.uniqueKey("connect-auth");
      const refused = await connect(
        t,
        client.authApiKey.getOrCreate(key, { params: { apiKey: "nope" } }),
      );
      const inlineValue = t.cell.client === "inline" ? NO_AUTH : undefined;
      await expectRefusedOverHttp(
        t,
        refused.getUserAuth(),
        { code: "invalid_auth", metadata: { given: "nope" }, inlineValue },
        "a wrong key",
      );
      const valid = await connect(
        t,
        client.authApiKey.getOrCreate(key, { params: { apiKey: "valid-api-key" } }),
      );
      const expected =
        t.cell.client === "inline"
          ? NO_AUTH
          : viewAuth({ userId: "user123", token: "valid-api-key" });
      t.expect(await valid.getUserAuth(), "conn.auth of a valid connection").toEqual(expected);
      if (t.cell.client === "http") {
        t.expect(await valid.countReached(), "the refused connection never reached the actor").toBe(
          1,
        );
      }
    },
  });

  s.test({
    id: "auth-data-exact-on-connect",
    title:
      'conn.auth of a connection is exactly what onAuth returned, null, 0, "" and false included',
    clause: "AUTH-4",
    axes: CONN_AXES,
    async run(t) {
      for (const [what, value] of [
        ["null", null],
        ["0", 0],
        ["empty string", ""],
        ["false", false],
        ["an object", { nested: [1, { deep: "ü" }], n: -1.5 }],
        ["undefined", undefined],
      ] as const) {
        const params = value === undefined ? {} : { params: { value } };
        const conn = await connect(
          t,
          clientOf(t).authEcho.getOrCreate(t.uniqueKey("connect-exact"), params),
        );
        const expected = t.cell.client === "inline" ? NO_AUTH : viewAuth(value);
        t.expect(await conn.getAuth(), `${what}: conn.auth`).toEqual(expected);
        await conn.dispose();
      }
    },
  });

  s.test({
    id: "inline-bypasses-onauth",
    title:
      "the inline client reaches actors without onAuth or with credentials onAuth would refuse",
    clause: "AUTH-6",
    async run(t) {
      const { expect } = t;
      const inline = t.newClient({ client: "inline" });
      expect(
        await inline.authNone.getOrCreate(t.uniqueKey("bypass")).getValue(),
        "an actor without onAuth",
      ).toBe(42);
      const noKey = inline.authApiKey.getOrCreate(t.uniqueKey("bypass-key"));
      expect(
        await noKey.getUserAuth(),
        "no key: onAuth did not run, conn.auth is undefined",
      ).toEqual(NO_AUTH);
      const response: Response = await noKey.fetch("anything");
      expect(await response.json(), "raw HTTP without a key").toEqual({
        auth: NO_AUTH,
        reached: 2,
      });
      const conn = inline.authNone.getOrCreate(t.uniqueKey("bypass-conn")).connect();
      t.defer(() => conn.dispose());
      expect(await settle(conn.getValue()), "a connection to an actor without onAuth").toEqual({
        ok: true,
        value: 42,
      });
    },
  });

  registerInternalHeaderTests(s);
}

function registerInternalHeaderTests(s: SuiteBuilder): void {
  s.test({
    id: "internal-headers-stripped-http",
    title:
      "forged x-actor-internal-* headers on raw HTTP and actions never reach the actor nor unmask errors",
    clause: "AUTH-5",
    async run(t) {
      const { expect } = t;
      for (const [what, params, expected] of [
        ["onAuth returning a value", { value: "real" }, viewAuth("real")],
        ["onAuth returning undefined", undefined, viewAuth(undefined)],
      ] as const) {
        const query = JSON.stringify(getOrCreate("authEcho", t.uniqueKey("forged")));
        const headers: Record<string, string> = { "x-actor-query": query, ...forgedHeaders() };
        if (params) headers["x-actor-conn-params"] = JSON.stringify(params);
        const response = await fetch(`${t.endpoint}/actors/raw/http/headers`, { headers });
        expect(response.status, `${what}: raw HTTP status`).toBe(200);
        const seen = await response.json();
        expect(seen.auth, `${what}: onFetch's auth is onAuth's, not the forged one`).toEqual(
          expected,
        );
        expectNoInternalHeaders(t, seen.headers, `${what}: onFetch`);
        const action = await postAction(t.endpoint, {
          query,
          encoding: "json",
          name: "getAuth",
          params,
          headers: forgedHeaders(),
        });
        expect(await action.json(), `${what}: conn.auth of an action`).toEqual({
          output: expected,
        });
      }
      const query = getOrCreate("authEcho", t.uniqueKey("forged-expose"));
      const failed = await postAction(t.endpoint, {
        query,
        encoding: "json",
        name: "failInternally",
        headers: forgedHeaders(),
      });
      const error = await readWireError(failed);
      expect({ status: error.status, code: error.code }, "an internal error stays masked").toEqual({
        status: 500,
        code: "internal_error",
      });
      expect(String(error.message), "the internal message is not exposed").not.toContain(
        "internal detail",
      );
    },
  });

  s.test({
    id: "internal-headers-stripped-websocket",
    title:
      "forged x-actor-internal-* headers on raw and connection WebSockets never reach the actor",
    clause: "AUTH-5",
    requires: ["websocket"],
    async run(t) {
      const { expect } = t;
      const query = getOrCreate("authEcho", t.uniqueKey("forged-ws"));
      const raw = openWireSocket(
        t.endpoint,
        "/actors/raw/websocket/",
        subprotocols({ encoding: "json", query, params: { value: 0 } }),
        forgedHeaders(),
      );
      t.defer(() => raw.socket.terminate());
      await t.step("the raw socket opens", raw.open);
      const welcome = await raw.inbox.nextJson("the welcome");
      expect(welcome.auth, "onWebSocket's auth is onAuth's 0").toEqual(viewAuth(0));
      expectNoInternalHeaders(t, welcome.headers, "onWebSocket");
      const conn = openWireSocket(
        t.endpoint,
        "/actors/connect/websocket",
        subprotocols({ encoding: "cbor", query }),
        forgedHeaders(),
      );
      t.defer(() => conn.socket.terminate());
      await t.step("the connection socket opens", conn.open);
      decodeFrame(await conn.inbox.next("init"), "cbor");
      conn.socket.send(encodeWire({ type: "action", id: 1, name: "getAuth", args: [] }, "cbor"));
      expect(
        decodeFrame(await conn.inbox.next("the reply"), "cbor"),
        "conn.auth over a forged connection",
      ).toEqual({
        type: "action_response",
        id: 1,
        output: viewAuth(undefined),
      });
    },
  });

  s.test({
    id: "internal-headers-stripped-sse",
    title: "forged x-actor-internal-* headers on an SSE connection never reach the actor",
    clause: "AUTH-5",
    requires: ["sse"],
    async run(t) {
      const query = getOrCreate("authEcho", t.uniqueKey("forged-sse"));
      const sse = await t.step(
        "the SSE stream opens",
        openWireSse(t.endpoint, {
          encoding: "json",
          query,
          params: { value: "" },
          headers: forgedHeaders(),
        }),
      );
      t.defer(() => sse.close());
      const init = await sse.inbox.next("init");
      const posted = await postConnectionMessage(t.endpoint, {
        actorId: init.actorId,
        connectionId: init.connectionId,
        token: init.connectionToken,
        encoding: "json",
        message: { type: "action", id: 4, name: "getAuth", args: [] },
      });
      t.expect(posted.status, "the connection message").toBe(200);
      await posted.arrayBuffer();
      t.expect(await sse.inbox.next("the reply"), "conn.auth is onAuth's empty string").toEqual({
        type: "action_response",
        id: 4,
        output: viewAuth(""),
      });
    },
  });
}
