/**
 * Every HTTP route of the manager router, through a real server on 127.0.0.1, with plain fetch.
 */
import { describe, expect, test } from "vitest";
import { decodeCbor, encodeCbor } from "../../runtime/protocol/values.ts";
import { events, rawGet, serveFixture, structured } from "./served-fixture.ts";

const getOrCreate = (key: string[], name = "guarded") => ({ getOrCreateForKey: { name, key } });

async function resolve(endpoint: string, headers: Record<string, string>) {
  const res = await fetch(`${endpoint}/actors/resolve`, { method: "POST", headers });
  return { status: res.status, body: await res.json() };
}

async function action(
  endpoint: string,
  name: string,
  args: unknown[],
  headers: Record<string, string>,
) {
  const res = await fetch(`${endpoint}/actors/actions/${encodeURIComponent(name)}`, {
    method: "POST",
    headers,
    body: JSON.stringify({ args }),
  });
  return { status: res.status, body: await res.json() };
}

describe("manager router: resolve", () => {
  test("GET /health answers ok", async () => {
    const { endpoint } = await serveFixture();
    const res = await fetch(`${endpoint}/health`);
    expect([res.status, await res.text()]).toEqual([200, "ok"]);
  });

  test("each query form resolves, with the intents of AUTH-1", async () => {
    const { endpoint, authCalls } = await serveFixture();
    const created = await resolve(endpoint, structured(getOrCreate(["a"])));
    expect(created.status).toBe(200);
    const actorId = created.body.actorId;
    expect(typeof actorId).toBe("string");
    const byKey = await resolve(
      endpoint,
      structured({ getForKey: { name: "guarded", key: ["a"] } }),
    );
    const byId = await resolve(endpoint, structured({ getForId: { actorId } }));
    const fresh = await resolve(endpoint, structured({ create: { name: "guarded", key: ["b"] } }));
    expect([byKey.body.actorId, byId.body.actorId]).toEqual([actorId, actorId]);
    expect(fresh.body.actorId).not.toBe(actorId);
    expect(authCalls.map((c) => c.intents)).toEqual([
      ["create", "get"],
      ["get"],
      ["get"],
      ["create"],
    ]);
  });

  test("lookup failures are coded: missing key, unknown id, unknown name, taken key", async () => {
    const { endpoint } = await serveFixture();
    const missing = await resolve(
      endpoint,
      structured({ getForKey: { name: "guarded", key: ["x"] } }),
    );
    expect([missing.status, missing.body.code]).toEqual([404, "actor_not_found"]);
    expect(missing.body.message).toContain('["x"]');
    const unknownId = await resolve(endpoint, structured({ getForId: { actorId: "nope" } }));
    expect([unknownId.status, unknownId.body.code]).toEqual([404, "actor_not_found"]);
    const unknownName = await resolve(endpoint, structured(getOrCreate(["x"], "ghost")));
    expect([unknownName.status, unknownName.body.code]).toEqual([404, "actor_not_found"]);
    await resolve(endpoint, structured({ create: { name: "guarded", key: ["dup"] } }));
    const dup = await resolve(endpoint, structured({ create: { name: "guarded", key: ["dup"] } }));
    expect([dup.status, dup.body.code]).toEqual([409, "actor_already_exists"]);
  });

  test("malformed headers get coded errors (ERR-5)", async () => {
    const { endpoint } = await serveFixture();
    const cases: [Record<string, string>, number, string][] = [
      [{ "x-actor-encoding": "json" }, 400, "invalid_request"],
      [{ "x-actor-encoding": "json", "x-actor-query": "{bad" }, 400, "invalid_query"],
      [{ "x-actor-encoding": "json", "x-actor-query": '{"getForId":{}}' }, 400, "invalid_query"],
      [{ "x-actor-query": JSON.stringify(getOrCreate([])) }, 400, "invalid_encoding"],
      [{ ...structured(getOrCreate([])), "x-actor-encoding": "xml" }, 400, "invalid_encoding"],
      [{ ...structured(getOrCreate([])), "x-actor-conn-params": "{" }, 400, "invalid_params"],
      [
        { ...structured(getOrCreate([])), "x-actor-protocol-version": "2" },
        400,
        "unsupported_protocol_version",
      ],
      [
        structured({ getForKey: { name: "guarded", key: [1 as unknown as string] } }),
        400,
        "invalid_key",
      ],
    ];
    for (const [headers, status, code] of cases) {
      const res = await resolve(endpoint, headers);
      expect([res.status, res.body.code], JSON.stringify(headers)).toEqual([status, code]);
    }
  });

  test("an unknown route is a coded 404", async () => {
    const { endpoint } = await serveFixture();
    const res = await fetch(`${endpoint}/actors/nowhere`);
    expect([res.status, (await res.json()).code]).toEqual([404, "invalid_request"]);
  });
});

describe("manager router: actions", () => {
  test("json and cbor actions return their output; state persists between calls", async () => {
    const { endpoint } = await serveFixture();
    const first = await action(endpoint, "increment", [2], structured(getOrCreate(["c"])));
    expect(first).toEqual({ status: 200, body: { output: 2 } });
    const res = await fetch(`${endpoint}/actors/actions/echo`, {
      method: "POST",
      headers: structured(getOrCreate(["c"]), { encoding: "cbor" }),
      body: encodeCbor({ args: [new Uint8Array([1, 2]), 2n ** 70n, new Date(5)] }) as BodyInit,
    });
    expect(res.headers.get("content-type")).toBe("application/cbor");
    const body = decodeCbor(new Uint8Array(await res.arrayBuffer())) as { output: unknown[] };
    expect(body.output).toEqual([new Uint8Array([1, 2]), 2n ** 70n, new Date(5)]);
    const again = await action(endpoint, "increment", [3], structured(getOrCreate(["c"])));
    expect(again.body.output).toBe(5);
  });

  test("params reach onAuth and the connection; onAuth's value is conn.auth exactly (AUTH-4)", async () => {
    const { endpoint, authCalls } = await serveFixture();
    for (const auth of [null, 0, "", { role: "admin" }]) {
      const headers = structured(getOrCreate(["w"]), { params: { auth } });
      const res = await action(endpoint, "whoami", [], headers);
      expect(res.body.output).toEqual({ auth, params: { auth } });
    }
    expect(authCalls.at(-1)?.intents).toEqual(["action", "create", "get"]);
    expect(authCalls.at(-1)?.params).toEqual({ auth: { role: "admin" } });
  });

  test("user errors keep code, message and metadata; internal errors are masked (ERR-2, ERR-3)", async () => {
    const { endpoint } = await serveFixture();
    const original = console.error;
    console.error = () => {};
    try {
      const failed = await action(endpoint, "fail", [], structured(getOrCreate(["e"])));
      expect(failed).toEqual({
        status: 400,
        body: { code: "my_code", message: "user failure", metadata: { why: 1 } },
      });
      // A public client cannot unmask errors by sending the internal header (AUTH-5).
      const masked = await action(endpoint, "boom", [], {
        ...structured(getOrCreate(["e"])),
        "x-actor-internal-expose-errors": "1",
      });
      expect(masked.status).toBe(500);
      expect(masked.body.code).toBe("internal_error");
      expect(masked.body.message).not.toContain("secret");
      const unknown = await action(endpoint, "nope", [], structured(getOrCreate(["e"])));
      expect([unknown.status, unknown.body.code]).toEqual([404, "action_not_found"]);
    } finally {
      console.error = original;
    }
  });

  test("onAuth refusing stops the request before the actor is created (AUTH-3)", async () => {
    const { endpoint } = await serveFixture();
    const denied = await action(
      endpoint,
      "increment",
      [1],
      structured(getOrCreate(["d"]), { params: { deny: "not_allowed" } }),
    );
    expect([denied.status, denied.body.code]).toEqual([400, "not_allowed"]);
    const lookup = await resolve(
      endpoint,
      structured({ getForKey: { name: "guarded", key: ["d"] } }),
    );
    expect(lookup.body.code).toBe("actor_not_found");
  });

  test("an actor without onAuth is forbidden on public paths (AUTH-2)", async () => {
    const { endpoint } = await serveFixture();
    const res = await action(endpoint, "ping", [], structured(getOrCreate([], "noAuth")));
    expect([res.status, res.body.code]).toEqual([403, "forbidden"]);
  });
});

describe("manager router: SSE connections", () => {
  test("init first; a connection message answers on the stream; a wrong token is refused", async () => {
    const { endpoint, authCalls } = await serveFixture();
    const res = await fetch(`${endpoint}/actors/connect/sse`, {
      headers: structured(getOrCreate(["s"]), { params: { auth: "sse-user" } }),
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const next = events(res);
    const init = JSON.parse((await next())!);
    expect(init.type).toBe("init");
    expect(authCalls.at(-1)?.intents).toEqual(["connect", "create", "get"]);
    const send = (token: string, body: string, actorId = init.actorId) =>
      fetch(`${endpoint}/actors/connections/message`, {
        method: "POST",
        headers: {
          "x-actor-encoding": "json",
          "x-actor-id": actorId,
          "x-actor-conn-id": init.connectionId,
          "x-actor-conn-token": token,
        },
        body,
      });
    const message = JSON.stringify({ type: "action", id: 1, name: "whoami", args: [] });
    const ok = await send(init.connectionToken, message);
    expect([ok.status, await ok.json()]).toEqual([200, {}]);
    expect(JSON.parse((await next())!)).toEqual({
      type: "action_response",
      id: 1,
      output: { auth: "sse-user", params: { auth: "sse-user" } },
    });
    const wrong = await send("wrong-token", message);
    expect([wrong.status, (await wrong.json()).code]).toEqual([403, "incorrect_conn_token"]);
    const unknown = await send(init.connectionToken, message, "no-such-actor");
    expect([unknown.status, (await unknown.json()).code]).toEqual([404, "conn_not_found"]);
    const missing = await fetch(`${endpoint}/actors/connections/message`, {
      method: "POST",
      headers: { "x-actor-encoding": "json" },
      body: message,
    });
    expect([missing.status, (await missing.json()).code]).toEqual([400, "invalid_request"]);
  });

  test("cbor SSE events carry base64 CBOR", async () => {
    const { endpoint } = await serveFixture();
    const res = await fetch(`${endpoint}/actors/connect/sse`, {
      headers: structured(getOrCreate(["s"]), { encoding: "cbor" }),
    });
    const next = events(res);
    const bytes = Uint8Array.from(atob((await next())!), (c) => c.charCodeAt(0));
    expect(decodeCbor(bytes)).toMatchObject({ type: "init" });
  });

  test("the client going away closes the connection: onDisconnect runs once (CONN-9)", async () => {
    const { endpoint, disconnects } = await serveFixture();
    const abort = new AbortController();
    const res = await fetch(`${endpoint}/actors/connect/sse`, {
      headers: structured(getOrCreate(["gone"])),
      signal: abort.signal,
    });
    const next = events(res);
    expect(JSON.parse((await next())!).type).toBe("init");
    const disconnected = disconnects.next();
    abort.abort();
    await disconnected;
    expect(disconnects.count).toBe(1);
  });

  test("setup errors are plain HTTP errors", async () => {
    const { endpoint } = await serveFixture();
    const res = await fetch(`${endpoint}/actors/connect/sse`, {
      headers: structured(getOrCreate([], "noAuth")),
    });
    expect([res.status, (await res.json()).code]).toEqual([403, "forbidden"]);
  });
});

describe("manager router: raw HTTP", () => {
  const paths: [string, string][] = [
    ["/actors/raw/http", "http://actor/"],
    ["/actors/raw/http/", "http://actor/"],
    ["/actors/raw/http/api/items/", "http://actor/api/items/"],
    ["/actors/raw/http/a%2Fb?x=%2F&y=1&y=2", "http://actor/a%2Fb?x=%2F&y=1&y=2"],
    [
      "/actors/raw/http/caf%C3%A9/%E2%9C%93?q=%E2%9C%93",
      "http://actor/caf%C3%A9/%E2%9C%93?q=%E2%9C%93",
    ],
    ["/actors/raw/http/x?", "http://actor/x?"],
    ["/actors/raw/http/a%2fb%20/", "http://actor/a%2fb%20/"],
    // Dot segments are the client's bytes too: never resolved, never a way out of the route.
    ["/actors/raw/http/a/%2e%2e/b", "http://actor/a/%2e%2e/b"],
    ["/actors/raw/http/a/../b?", "http://actor/a/../b?"],
    ["/actors/raw/http/./%2E/c", "http://actor/./%2E/c"],
    ["/actors/raw/http/%2e%2e/resolve", "http://actor/%2e%2e/resolve"],
    ["/actors/raw/http/../../actors/resolve", "http://actor/../../actors/resolve"],
  ];
  for (const [path, expected] of paths) {
    test(`${path} reaches onFetch as ${expected} (ROUTE-6)`, async () => {
      const { endpoint } = await serveFixture();
      const res = await rawGet(endpoint, path, structured(getOrCreate(["r"])));
      expect(JSON.parse(res.text).url).toBe(expected);
    });
  }

  test("method, body and client headers arrive; internal headers never do (AUTH-5, RAWHTTP-1)", async () => {
    const { endpoint, authCalls } = await serveFixture();
    const res = await fetch(`${endpoint}/actors/raw/http/upload`, {
      method: "PUT",
      headers: {
        ...structured(getOrCreate(["r"]), { params: { auth: "raw-user" } }),
        "x-client-header": "kept",
        "x-actor-internal-auth-data": "Zm9yZ2Vk",
        "x-actor-internal-expose-errors": "1",
      },
      body: new Uint8Array([0, 200, 7]),
    });
    const seen = await res.json();
    expect(seen.method).toBe("PUT");
    expect(seen.body).toEqual([0, 200, 7]);
    expect(seen.headers["x-client-header"]).toBe("kept");
    expect(Object.keys(seen.headers).filter((h) => h.startsWith("x-actor-internal-"))).toEqual([]);
    expect(seen.auth).toBe("raw-user");
    expect(authCalls.at(-1)?.intents).toEqual(["action", "create", "get"]);
    expect(
      Object.keys(authCalls.at(-1)!.headers).some((h) => h.startsWith("x-actor-internal-")),
    ).toBe(false);
  });

  test("the actor's status, headers and binary body reach the client unchanged (RAWHTTP-2)", async () => {
    const { endpoint } = await serveFixture();
    const res = await fetch(`${endpoint}/actors/raw/http/binary`, {
      headers: structured(getOrCreate(["r"])),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-from-actor")).toBe("yes");
    expect([...new Uint8Array(await res.arrayBuffer())]).toEqual([0, 1, 254, 255]);
  });

  test("an actor without onFetch answers fetch_handler_not_defined (RAWHTTP-3)", async () => {
    const { endpoint } = await serveFixture();
    const res = await fetch(`${endpoint}/actors/raw/http/`, {
      headers: structured(getOrCreate([], "bare")),
    });
    expect([res.status, (await res.json()).code]).toEqual([404, "fetch_handler_not_defined"]);
  });
});
