/**
 * Auth suite: onAuth runs on every public entry path with the right intents, an actor without it
 * is forbidden, its errors keep code and status and never reach the actor, its return value is
 * exactly `conn.auth` and the raw handlers' `auth`, and the inline client bypasses it (clauses
 * AUTH-1..AUTH-4, AUTH-6). Every refusal asserts its code on the http client and success on the
 * inline client. Connection paths and internal headers live in auth-connections.ts.
 */
import { viewAuth } from "../fixtures/connectivity/auth.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { registerAuthConnectionTests } from "./auth-connections.ts";
import {
  expectRawWsRefused,
  expectRefusedOverHttp,
  NO_AUTH,
  rawWsOutcome,
  settle,
} from "./auth-support.ts";
import { clientOf, readWireError, SocketInbox } from "./connectivity-wire.ts";

const CLIENT_AXIS = ["client"] as const;

/** What authIntents' onAuth returns for these intents, as the actor shows it (AUTH-1). */
function intentsView(t: TestContext, intents: string[]) {
  return t.cell.client === "inline" ? NO_AUTH : viewAuth({ intents, role: null });
}

/** The auth suite (AUTH-1..AUTH-6); registered in harness/suites/index.ts. */
export const authSuite = defineSuite("auth", (s) => {
  s.test({
    id: "intents-on-resolve",
    title: "onAuth runs on resolve with get, get+create or create, by query",
    clause: "AUTH-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const client = clientOf(t);
      const key = t.uniqueKey("intents-resolve");
      const probe = { params: { probe: true } };
      const id = await client.authIntents.getOrCreate(key).resolve();
      const cases: Array<[string, () => Promise<unknown>, string[]]> = [
        [
          "getOrCreate().resolve()",
          () => client.authIntents.getOrCreate(key, probe).resolve(),
          ["create", "get"],
        ],
        ["get().resolve()", () => client.authIntents.get(key, probe).resolve(), ["get"]],
        [
          "create()",
          () =>
            client.authIntents
              .create(t.uniqueKey("intents-create"), probe)
              .then((h: any) => h.resolve()),
          ["create"],
        ],
      ];
      for (const [what, call, intents] of cases) {
        const result = call();
        if (t.cell.client === "inline") {
          t.expect(
            typeof (await result),
            `${what}: the inline client resolves without onAuth`,
          ).toBe("string");
          continue;
        }
        await expectRefusedOverHttp(
          t,
          result,
          { code: "auth_probe", metadata: { intents }, inlineValue: id },
          what,
        );
      }
    },
  });

  s.test({
    id: "intents-on-actions-and-raw-paths",
    title:
      "onAuth runs on actions, raw HTTP and raw WebSocket with the query's intents plus action",
    clause: "AUTH-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const client = clientOf(t);
      const key = t.uniqueKey("intents-action");
      const created = client.authIntents.getOrCreate(key);
      expect(await created.getAuth(), "action via getOrCreate").toEqual(
        intentsView(t, ["action", "create", "get"]),
      );
      const id = await created.resolve();
      const handles: Array<[string, any, string[]]> = [
        ["getOrCreate", client.authIntents.getOrCreate(key), ["action", "create", "get"]],
        ["get", client.authIntents.get(key), ["action", "get"]],
        ["getForId", client.authIntents.getForId(id), ["action", "get"]],
      ];
      for (const [what, handle, intents] of handles) {
        expect(await handle.getAuth(), `action via ${what}`).toEqual(intentsView(t, intents));
        const response: Response = await handle.fetch("whatever");
        expect(response.status, `raw HTTP via ${what}`).toBe(200);
        expect((await response.json()).auth, `raw HTTP via ${what}: auth`).toEqual(
          intentsView(t, intents),
        );
        const outcome = await rawWsOutcome(t, handle);
        expect(
          outcome.kind === "welcome" ? outcome.welcome.auth : outcome,
          `raw WebSocket via ${what}: auth`,
        ).toEqual(intentsView(t, intents));
      }
    },
  });

  s.test({
    id: "roles-by-intent",
    title: "onAuth can refuse by intent: create needs admin and actions need user or admin",
    clause: "AUTH-3",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const client = clientOf(t);
      const admin = await client.authIntents.create(t.uniqueKey("roles"), {
        params: { role: "admin" },
      });
      const id = await admin.resolve();
      expect(
        await client.authIntents.getForId(id, { params: { role: "user" } }).getValue(),
        "a user may get and act",
      ).toBe(0);
      await expectRefusedOverHttp(
        t,
        client.authIntents
          .getOrCreate(t.uniqueKey("roles-user"), { params: { role: "user" } })
          .getValue(),
        { code: "insufficient_permissions", message: /Admin role required/, inlineValue: 0 },
        "a user creating",
      );
      await expectRefusedOverHttp(
        t,
        client.authIntents.getForId(id, { params: { role: "guest" } }).setValue(42),
        {
          code: "insufficient_permissions",
          message: /User or admin role required/,
          inlineValue: 42,
        },
        "a guest acting",
      );
      const expected = t.cell.client === "inline" ? 42 : 0;
      expect(await admin.getValue(), "a refused action changed nothing").toBe(expected);
    },
  });

  s.test({
    id: "no-onauth-is-forbidden",
    title:
      "an actor without onAuth is forbidden on resolve, actions, raw HTTP and raw WebSocket, and is never reached",
    clause: "AUTH-2",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const key = t.uniqueKey("no-onauth");
      const handle = () => clientOf(t).authNone.getOrCreate(key);
      const inline = t.cell.client === "inline";
      await expectRefusedOverHttp(
        t,
        handle().getValue(),
        { code: "forbidden", inlineValue: 42 },
        "an action",
      );
      const resolved = await settle(handle().resolve());
      if (inline) expect(resolved.ok, "resolve inline").toBe(true);
      else
        expect(resolved.ok ? resolved : resolved.error?.code, "resolve over http").toBe(
          "forbidden",
        );
      const response: Response = await handle().fetch("api/test");
      if (inline) {
        expect(await response.json(), "raw HTTP inline").toEqual({ value: 42 });
      } else {
        const error = await readWireError(response);
        expect({ status: error.status, code: error.code }, "raw HTTP over http").toEqual({
          status: 403,
          code: "forbidden",
        });
      }
      const outcome = await rawWsOutcome(t, handle());
      if (inline)
        expect(outcome, "raw WebSocket inline").toMatchObject({
          kind: "welcome",
          welcome: { value: 42 },
        });
      else expectRawWsRefused(t, outcome, "forbidden", 403, "raw WebSocket over http");
      if (!inline) {
        const observer = t.newClient({ client: "inline" }).authNone.getOrCreate(key);
        expect(
          await observer.countReached(),
          "only the inline observer's own call reached the actor",
        ).toBe(1);
      }
    },
  });

  s.test({
    id: "onauth-error-code-and-status",
    title:
      "an onAuth UserError reaches the caller with its code, message, metadata and status 400, and the actor is not reached",
    clause: "AUTH-3",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const client = clientOf(t);
      const key = t.uniqueKey("onauth-error");
      const valid = client.authApiKey.getOrCreate(key, { params: { apiKey: "valid-api-key" } });
      const inline = t.cell.client === "inline";
      expect(await valid.getUserAuth(), "a valid key").toEqual(
        inline ? NO_AUTH : viewAuth({ userId: "user123", token: "valid-api-key" }),
      );
      const missing = client.authApiKey.getOrCreate(key);
      const wrong = client.authApiKey.getOrCreate(key, { params: { apiKey: "wrong" } });
      await expectRefusedOverHttp(
        t,
        missing.countReached(),
        { code: "missing_auth", message: /^API key required$/, inlineValue: 2 },
        "no key",
      );
      await expectRefusedOverHttp(
        t,
        wrong.countReached(),
        {
          code: "invalid_auth",
          message: /^Invalid API key$/,
          metadata: { given: "wrong" },
          inlineValue: 3,
        },
        "a wrong key",
      );
      if (inline) return;
      const response: Response = await missing.fetch("api/protected");
      const error = await readWireError(response);
      expect(
        { status: error.status, code: error.code, message: error.message },
        "raw HTTP without a key",
      ).toEqual({
        status: 400,
        code: "missing_auth",
        message: "API key required",
      });
      expectRawWsRefused(
        t,
        await rawWsOutcome(t, wrong),
        "invalid_auth",
        400,
        "raw WebSocket with a wrong key",
      );
      expect(await valid.countReached(), "the refused calls never reached the actor").toBe(2);
      const ok: Response = await valid.fetch("api/auth-info");
      expect(await ok.json(), "raw HTTP with a valid key").toEqual({
        auth: viewAuth({ userId: "user123", token: "valid-api-key" }),
        reached: 3,
      });
    },
  });

  s.test({
    id: "auth-data-exact",
    title:
      "what onAuth returns (null, 0, \"\", false, objects, undefined) is exactly the actions' and raw handlers' auth",
    clause: "AUTH-4",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const values: Array<[string, unknown]> = [
        ["null", null],
        ["0", 0],
        ["empty string", ""],
        ["false", false],
        ["an object", { nested: { deep: [1, "x", null] }, unicode: "ünï ✓", zero: 0 }],
        ["a string", "token-123"],
        ["undefined", undefined],
      ];
      for (const [what, value] of values) {
        const params = value === undefined ? {} : { params: { value } };
        const handle = clientOf(t).authEcho.getOrCreate(t.uniqueKey("auth-exact"), params);
        const expected = t.cell.client === "inline" ? NO_AUTH : viewAuth(value);
        expect(await handle.getAuth(), `${what}: conn.auth in an action`).toEqual(expected);
        const response: Response = await handle.fetch("auth");
        expect(await response.json(), `${what}: onFetch's auth`).toEqual(expected);
        const outcome = await rawWsOutcome(t, handle);
        expect(
          outcome.kind === "welcome" ? outcome.welcome.auth : outcome,
          `${what}: onWebSocket's auth`,
        ).toEqual(expected);
      }
    },
  });

  s.test({
    id: "custom-auth-in-onfetch",
    title:
      "onFetch can refuse on its own with 401 and 403 and admit a valid token, statuses and bodies unchanged",
    clause: "RAWHTTP-2",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = clientOf(t).authCustom.getOrCreate(t.uniqueKey("custom-fetch"));
      const none: Response = await handle.fetch("api/data");
      expect([none.status, await none.json()], "no Authorization").toEqual([
        401,
        { error: "Unauthorized" },
      ]);
      const wrong: Response = await handle.fetch("api/data", {
        headers: { Authorization: "Bearer wrong-token" },
      });
      expect([wrong.status, await wrong.json()], "a wrong token").toEqual([
        403,
        { error: "Invalid token" },
      ]);
      const right: Response = await handle.fetch("api/data", {
        headers: { Authorization: "Bearer custom-token" },
      });
      expect([right.status, await right.json()], "the right token").toEqual([
        200,
        { message: "Authorized!", authorized: 1 },
      ]);
      expect(await handle.getStats(), "the actor counted each decision").toEqual({
        authorized: 1,
        unauthorized: 2,
      });
    },
  });

  s.test({
    id: "custom-auth-in-onwebsocket",
    title:
      "onWebSocket can refuse on its own with close 1008 and a reason, and admit a valid token from the query",
    clause: "RAWWS-4",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = clientOf(t).authCustom.getOrCreate(t.uniqueKey("custom-ws"));
      expect(await rawWsOutcome(t, handle), "a raw WebSocket without the token").toEqual({
        kind: "closed",
        code: 1008,
        reason: "Unauthorized",
        frames: [{ type: "error", message: "Unauthorized" }],
      });
      const admitted: any = await t.step(
        "raw WebSocket with the token opens",
        handle.websocket("?token=custom-ws-token"),
      );
      const inbox = new SocketInbox(admitted);
      t.defer(() => admitted.close());
      expect(await inbox.nextJson("the authorized message"), "admitted").toEqual({
        type: "authorized",
        message: "Welcome authenticated user!",
      });
      admitted.send("hi");
      expect(await inbox.nextJson("the echo"), "echo after auth").toEqual({
        type: "echo",
        data: "hi",
      });
      expect(await handle.getStats(), "the actor counted each decision").toEqual({
        authorized: 1,
        unauthorized: 1,
      });
    },
  });

  registerAuthConnectionTests(s);
});
