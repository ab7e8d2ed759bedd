/**
 * Raw HTTP suite: `onFetch` through `handle.fetch()` (routing, echo, status and headers passed
 * unchanged, binary bodies, a hono router held in vars, the missing and the broken handler, the
 * input forms of fetch) and through plain fetch on the wire (clauses RAWHTTP-1..3, ROUTE-4,
 * ROUTE-6, ERR-1). Client tests run per client type; wire tests run once.
 */
import { defineSuite, type SuiteBuilder } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { clientOf, getOrCreate, readWireError } from "./connectivity-wire.ts";

const CLIENT_AXIS = ["client"] as const;

/** A handle on fixture `name` at a fresh key. */
function fresh(t: TestContext, name: string, label = name): any {
  return clientOf(t)[name].getOrCreate(t.uniqueKey(label));
}

/** Asserts a 200 JSON response and returns its body. */
async function okJson(t: TestContext, response: Response, what: string): Promise<any> {
  t.expect(response.status, `${what}: status`).toBe(200);
  return response.json();
}

/** The bytes 0..n-1 modulo 256. */
function byteRamp(n: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length: n }, (_, i) => i % 256);
}

/** The raw HTTP suite (RAWHTTP-1..3, ROUTE-6); registered in harness/suites/index.ts. */
export const rawHttpSuite = defineSuite("raw-http", (s) => {
  s.test({
    id: "get-request",
    title: "a raw GET reaches onFetch and its JSON response comes back",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const body = await okJson(t, await fresh(t, "rawHttp").fetch("api/hello"), "GET api/hello");
      t.expect(body, "the actor's JSON").toEqual({ message: "Hello from actor!" });
    },
  });

  s.test({
    id: "post-echo",
    title: "a raw POST body and content type reach onFetch and its echo comes back unchanged",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const payload = { test: "data", number: 123, unicode: "ünï ✓ 名" };
      const response = await fresh(t, "rawHttp").fetch("api/echo", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(payload),
      });
      expect(await okJson(t, response, "POST api/echo"), "echoed body").toEqual(payload);
      expect(response.headers.get("content-type"), "echoed content type").toBe("application/json");
      expect(response.headers.get("x-echo-method"), "the actor saw POST").toBe("POST");
    },
  });

  s.test({
    id: "state-across-requests",
    title: "onFetch keeps actor state across raw requests and actions see it",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const handle = fresh(t, "rawHttp");
      await (await handle.fetch("api/hello")).arrayBuffer();
      await (await handle.fetch("api/hello")).arrayBuffer();
      t.expect(await okJson(t, await handle.fetch("api/state"), "state"), "third request").toEqual({
        requestCount: 3,
      });
      t.expect(await okJson(t, await handle.fetch("api/state"), "state"), "fourth request").toEqual(
        {
          requestCount: 4,
        },
      );
      t.expect(await handle.getRequestCount(), "the action sees the raw requests").toBe(4);
    },
  });

  s.test({
    id: "headers-reach-actor",
    title: "custom request headers reach onFetch with lower-case names and exact values",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const response = await fresh(t, "rawHttp").fetch("api/headers", {
        headers: { "X-Custom-Header": "custom-value", "X-Another-Header": "another, value; q=1" },
      });
      const seen = await okJson(t, response, "GET api/headers");
      t.expect(seen, "both headers as sent").toMatchObject({
        "x-custom-header": "custom-value",
        "x-another-header": "another, value; q=1",
      });
    },
  });

  s.test({
    id: "status-and-headers-unchanged",
    title: "the actor's status, headers and body reach the client unchanged, its 404 included",
    clause: "RAWHTTP-2",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = fresh(t, "rawHttp");
      for (const code of [201, 202, 204, 400, 418, 503]) {
        const response = await handle.fetch(`api/status/${code}`);
        expect(response.status, `status ${code}`).toBe(code);
        expect(response.headers.get("x-fixture-status"), `header of ${code}`).toBe(String(code));
        expect(await response.text(), `body of ${code}`).toBe(code === 204 ? "" : `status ${code}`);
      }
      const missing = await handle.fetch("api/nonexistent");
      expect(missing.status, "the actor's own 404").toBe(404);
      expect(await missing.text(), "the actor's own 404 body").toBe("Not Found");
    },
  });

  s.test({
    id: "methods-on-echo",
    title: "onFetch sees each method: POST is echoed, GET, PUT, DELETE and PATCH fall to its 404",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const handle = fresh(t, "rawHttp");
      const posted = await handle.fetch("api/echo", { method: "POST", body: '{"method":"POST"}' });
      t.expect(await okJson(t, posted, "POST"), "POST echoed").toEqual({ method: "POST" });
      for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
        const init: RequestInit = { method };
        if (method === "PUT" || method === "PATCH") init.body = "{}";
        const response = await handle.fetch("api/echo", init);
        t.expect(response.status, `${method} api/echo is the actor's 404`).toBe(404);
        t.expect(await response.text(), `${method}: the actor's body`).toBe("Not Found");
      }
    },
  });

  s.test({
    id: "binary-echo",
    title: "a binary body crosses both ways byte for byte",
    clause: "RAWHTTP-2",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = fresh(t, "rawHttp");
      for (const bytes of [
        new Uint8Array([1, 2, 3, 4, 5]),
        byteRamp(4096),
        new Uint8Array([0, 255, 0, 13, 10]),
      ]) {
        const response = await handle.fetch("api/echo", {
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
          body: bytes,
        });
        expect(response.status, "POST binary").toBe(200);
        expect(response.headers.get("content-type"), "binary content type").toBe(
          "application/octet-stream",
        );
        expect(
          new Uint8Array(await response.arrayBuffer()),
          `${bytes.length} bytes echoed exactly`,
        ).toEqual(bytes);
      }
    },
  });

  s.test({
    id: "hono-router-in-vars",
    title: "a hono router created in createVars serves every route with exact bodies and statuses",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = fresh(t, "rawHttpHono");
      const json = { "content-type": "application/json" };
      const checks: Array<[string, RequestInit, number, unknown]> = [
        ["", {}, 200, { message: "Welcome to Hono actor!" }],
        [
          "users",
          {},
          200,
          [
            { id: 1, name: "Alice" },
            { id: 2, name: "Bob" },
          ],
        ],
        ["users/1", {}, 200, { id: 1, name: "Alice" }],
        ["users/2", {}, 200, { id: 2, name: "Bob" }],
        [
          "users",
          { method: "POST", headers: json, body: '{"name":"Charlie"}' },
          201,
          { id: 3, name: "Charlie" },
        ],
        [
          "users/1",
          { method: "PUT", headers: json, body: '{"name":"Alicia"}' },
          200,
          { id: 1, name: "Alicia" },
        ],
        ["users/2", { method: "DELETE" }, 200, { message: "User 2 deleted" }],
      ];
      for (const [path, init, status, body] of checks) {
        const response = await handle.fetch(path, init);
        expect(response.status, `${init.method ?? "GET"} /${path}: status`).toBe(status);
        expect(await response.json(), `${init.method ?? "GET"} /${path}: body`).toEqual(body);
      }
      const unknown = await handle.fetch("api/unknown");
      expect(unknown.status, "hono's own 404 for an unknown route").toBe(404);
      await unknown.arrayBuffer();
    },
  });

  s.test({
    id: "leading-slash-and-no-double-slash",
    title:
      "a subpath with or without its leading slash reaches the same route, never with a double slash",
    clause: "ROUTE-6",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = fresh(t, "rawHttp");
      const a = await okJson(t, await handle.fetch("api/hello"), "api/hello");
      const b = await okJson(t, await handle.fetch("/api/hello"), "/api/hello");
      expect(b, "same response with a leading slash").toEqual(a);
      const hono = fresh(t, "rawHttpHono");
      const users = [
        { id: 1, name: "Alice" },
        { id: 2, name: "Bob" },
      ];
      expect(await okJson(t, await hono.fetch("/users"), "/users"), "hono matched /users").toEqual(
        users,
      );
    },
  });

  s.test({
    id: "fetch-input-forms",
    title: "fetch accepts a URL, a Request and a Request with init headers merged over its own",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = fresh(t, "rawHttp");
      const viaUrl = await handle.fetch(new URL("http://ignored.example/api/echo"), {
        method: "POST",
        body: '{"via":"url"}',
      });
      expect(await okJson(t, viaUrl, "a URL object"), "a URL's path is used").toEqual({
        via: "url",
      });
      const request = new Request("http://ignored.example/api/echo", {
        method: "POST",
        body: '{"via":"request"}',
      });
      expect(
        await okJson(t, await handle.fetch(request), "a Request object"),
        "a Request's method and body",
      ).toEqual({
        via: "request",
      });
      const withHeaders = new Request("http://ignored.example/api/headers", {
        headers: { "X-Original": "from-request" },
      });
      const merged = await okJson(
        t,
        await handle.fetch(withHeaders, { headers: { "X-Override": "from-init" } }),
        "merge",
      );
      expect(merged, "both the Request's and the init's headers arrive").toMatchObject({
        "x-original": "from-request",
        "x-override": "from-init",
      });
      const hono = fresh(t, "rawHttpHono");
      const byId = await okJson(
        t,
        await hono.fetch(new Request("http://example.com/users/1")),
        "Request for /users/1",
      );
      expect(byId, "only the Request's path is used").toEqual({ id: 1, name: "Alice" });
    },
  });

  s.test({
    id: "no-onfetch-is-404",
    title: "raw HTTP to an actor without onFetch is fetch_handler_not_defined with status 404",
    clause: "RAWHTTP-3",
    axes: CLIENT_AXIS,
    async run(t) {
      const error = await readWireError(await fresh(t, "rawHttpNoHandler").fetch("api/anything"));
      t.expect({ status: error.status, code: error.code }, "the coded 404").toEqual({
        status: 404,
        code: "fetch_handler_not_defined",
      });
    },
  });

  s.test({
    id: "void-onfetch-is-invalid-fetch-response",
    title: "onFetch returning no Response is invalid_fetch_response with status 500",
    clause: "ERR-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const error = await readWireError(await fresh(t, "rawHttpVoid").fetch("api/anything"));
      t.expect({ status: error.status, code: error.code }, "the coded 500").toEqual({
        status: 500,
        code: "invalid_fetch_response",
      });
      t.expect(typeof error.message, "the error has a message").toBe("string");
    },
  });

  registerWireTests(s);
});

/** Plain fetch to `/actors/raw/http/*` with only the query header: no client involved. */
function registerWireTests(s: SuiteBuilder): void {
  const raw = (
    t: TestContext,
    name: string,
    path: string,
    init: RequestInit = {},
    extra: Record<string, string> = {},
  ) =>
    fetch(`${t.endpoint}/actors/raw/http/${path}`, {
      ...init,
      headers: {
        ...Object.fromEntries(new Headers(init.headers)),
        "x-actor-query": JSON.stringify(getOrCreate(name, t.uniqueKey("wire"))),
        ...extra,
      },
    });

  s.test({
    id: "wire-get-post-headers",
    title:
      "plain fetch to the raw route with only x-actor-query reaches onFetch: GET, POST echo and headers",
    clause: "RAWHTTP-1",
    async run(t) {
      const { expect } = t;
      expect(await okJson(t, await raw(t, "rawHttp", "api/hello"), "GET"), "hello").toEqual({
        message: "Hello from actor!",
      });
      const echoed = await raw(t, "rawHttp", "api/echo", {
        method: "POST",
        body: '{"test":"direct","number":456}',
        headers: { "content-type": "application/json" },
      });
      expect(await okJson(t, echoed, "POST"), "echo").toEqual({ test: "direct", number: 456 });
      const headers = await okJson(
        t,
        await raw(t, "rawHttp", "api/headers", {
          headers: { "X-Custom-Header": "v1", "X-Another": "v2" },
        }),
        "headers",
      );
      expect(headers, "custom headers arrive").toMatchObject({
        "x-custom-header": "v1",
        "x-another": "v2",
      });
      const withParams = await raw(
        t,
        "rawHttp",
        "api/hello",
        {},
        { "x-actor-conn-params": JSON.stringify({ token: "t", userId: "u" }) },
      );
      expect(
        await okJson(t, withParams, "with params"),
        "params do not disturb the request",
      ).toEqual({ message: "Hello from actor!" });
      const binary = await raw(t, "rawHttp", "api/echo", {
        method: "POST",
        body: new Uint8Array([1, 2, 3, 4, 5]),
        headers: { "content-type": "application/octet-stream" },
      });
      expect(new Uint8Array(await binary.arrayBuffer()), "binary echoed").toEqual(
        new Uint8Array([1, 2, 3, 4, 5]),
      );
    },
  });

  s.test({
    id: "wire-methods-and-missing-handler",
    title:
      "plain fetch: GET, PUT, DELETE and PATCH reach the actor's 404, and an actor without onFetch is fetch_handler_not_defined",
    clause: "RAWHTTP-3",
    async run(t) {
      for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
        const init: RequestInit = { method, headers: { "content-type": "application/json" } };
        if (method !== "GET") init.body = "{}";
        const response = await raw(t, "rawHttp", "api/echo", init);
        t.expect([response.status, await response.text()], `${method} api/echo`).toEqual([
          404,
          "Not Found",
        ]);
      }
      const error = await readWireError(await raw(t, "rawHttpNoHandler", "api/x"));
      t.expect(
        { status: error.status, code: error.code, json: error.contentType.includes("json") },
        "no onFetch",
      ).toEqual({
        status: 404,
        code: "fetch_handler_not_defined",
        json: true,
      });
    },
  });
}
