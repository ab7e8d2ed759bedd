/**
 * Raw HTTP request-property suite: what `onFetch` receives is what the client sent (method,
 * URL with its exact subpath and query string, headers, body in every form and size), also for
 * concurrent requests (clauses RAWHTTP-1, ROUTE-4, ROUTE-6). Runs per client type.
 */
import { createHash, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import type { RequestView } from "../fixtures/connectivity/raw-http.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { clientOf, getOrCreate } from "./connectivity-wire.ts";

const CLIENT_AXIS = ["client"] as const;

/** A handle on `rawHttpRequest` at a fresh key. */
function echoActor(t: TestContext): any {
  return clientOf(t).rawHttpRequest.getOrCreate(t.uniqueKey("request"));
}

/** Sends one request and returns what onFetch saw, asserting a 200 first. */
async function seen(
  t: TestContext,
  handle: any,
  path: string,
  init: RequestInit = {},
): Promise<RequestView> {
  const response: Response = await handle.fetch(path, init);
  t.expect(response.status, `${init.method ?? "GET"} ${JSON.stringify(path)}: status`).toBe(200);
  return (await response.json()) as RequestView;
}

/** A header's value as onFetch saw it, `undefined` when absent. */
function header(view: RequestView, name: string): string | undefined {
  return view.headers.find(([key]) => key === name)?.[1];
}

function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The raw HTTP request-property suite (RAWHTTP-1, ROUTE-4, ROUTE-6). */
export const rawHttpRequestSuite = defineSuite("raw-http-request", (s) => {
  s.test({
    id: "all-properties",
    title: "onFetch receives method, exact URL, query, headers and body of a POST",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const body = JSON.stringify({ test: "data", unicode: "✓" });
      const view = await seen(t, echoActor(t), "test/path?foo=bar&baz=qux", {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-Custom-Header": "custom-value",
          Authorization: "Bearer test-token",
        },
        body,
      });
      expect(view.method, "method").toBe("POST");
      expect(view.url, "the URL onFetch sees").toBe("http://actor/test/path?foo=bar&baz=qux");
      expect([view.pathname, view.search], "path and query").toEqual([
        "/test/path",
        "?foo=bar&baz=qux",
      ]);
      expect(view.query, "query pairs").toEqual([
        ["foo", "bar"],
        ["baz", "qux"],
      ]);
      expect(header(view, "content-type"), "content-type").toBe("application/json");
      expect(header(view, "x-custom-header"), "custom header").toBe("custom-value");
      expect(header(view, "authorization"), "authorization header").toBe("Bearer test-token");
      expect([view.bodyText, view.bodySha256], "body").toEqual([body, sha256(body)]);
    },
  });

  s.test({
    id: "get-without-body",
    title: "a GET reaches onFetch without a body",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const view = await seen(t, echoActor(t), "test");
      t.expect(
        { method: view.method, hasBody: view.hasBody, length: view.bodyLength },
        "GET",
      ).toEqual({
        method: "GET",
        hasBody: false,
        length: 0,
      });
    },
  });

  s.test({
    id: "content-types",
    title: "form, text and untyped bodies arrive byte for byte with their content type or none",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = echoActor(t);
      const cases: Array<[string | undefined, string]> = [
        ["application/x-www-form-urlencoded", "field1=value1&field2=value2"],
        ["text/plain", "Hello, World! ✓"],
        ["text/csv; charset=utf-8", "a,b\n1,2\n"],
      ];
      for (const [type, text] of cases) {
        const view = await seen(t, handle, "form", {
          method: "POST",
          headers: { "content-type": type! },
          body: text,
        });
        expect([header(view, "content-type"), view.bodyText], `a ${type} body`).toEqual([
          type,
          text,
        ]);
      }
      const bytes = new TextEncoder().encode("no content type here");
      const untyped = await seen(t, handle, "untyped", { method: "POST", body: bytes });
      expect(
        [header(untyped, "content-type"), untyped.bodyText],
        "a body sent without content-type",
      ).toEqual([undefined, "no content type here"]);
      const form = new FormData();
      form.append("field1", "value1");
      form.append("field2", "välue ✓");
      const multipart = await seen(t, handle, "multipart", { method: "POST", body: form });
      const type = header(multipart, "content-type") ?? "";
      expect(type, "multipart content type").toMatch(/^multipart\/form-data; ?boundary=/);
      const boundary = type.split("boundary=")[1]!;
      expect(multipart.bodyText, "the multipart body uses the boundary of its header").toContain(
        `--${boundary}`,
      );
      expect(multipart.bodyText, "the fields").toMatch(
        /name="field1"\r\n\r\nvalue1\r\n[\s\S]*name="field2"\r\n\r\nvälue ✓/,
      );
    },
  });

  s.test({
    id: "header-values",
    title: "request headers arrive with exact values, cookies and repeated headers included",
    clause: "ROUTE-4",
    axes: CLIENT_AXIS,
    async run(t) {
      const headers = new Headers({
        Accept: "application/json",
        "Accept-Language": "en-US,en;q=0.9",
        "Cache-Control": "no-cache",
        "X-Request-ID": "12345",
        Cookie: "session=abc123; user=test; preferences=dark_mode",
      });
      headers.append("X-Repeated", "one");
      headers.append("X-Repeated", "two");
      const view = await seen(t, echoActor(t), "headers", { headers });
      for (const [name, value] of [
        ["accept", "application/json"],
        ["accept-language", "en-US,en;q=0.9"],
        ["cache-control", "no-cache"],
        ["x-request-id", "12345"],
        ["cookie", "session=abc123; user=test; preferences=dark_mode"],
        ["x-repeated", "one, two"],
      ] as const) {
        t.expect(header(view, name), `header ${name}`).toBe(value);
      }
    },
  });

  s.test({
    id: "empty-subpath-and-trailing-slash",
    title: "an empty subpath reaches onFetch as / and a trailing slash is kept",
    clause: "ROUTE-6",
    axes: CLIENT_AXIS,
    async run(t) {
      const handle = echoActor(t);
      const cases: Array<[string, string]> = [
        ["", "http://actor/"],
        ["/", "http://actor/"],
        ["?x=1", "http://actor/?x=1"],
        ["a/b", "http://actor/a/b"],
        ["a/b/", "http://actor/a/b/"],
        ["/a/b/?q=1", "http://actor/a/b/?q=1"],
      ];
      for (const [path, url] of cases) {
        t.expect((await seen(t, handle, path)).url, `subpath ${JSON.stringify(path)}`).toBe(url);
      }
    },
  });

  s.test({
    id: "encoded-and-unicode-paths",
    title: "percent-escapes, unicode and fragments in the subpath reach onFetch exactly as sent",
    clause: "ROUTE-6",
    axes: CLIENT_AXIS,
    async run(t) {
      const handle = echoActor(t);
      const cases: Array<[string, string]> = [
        [
          "test/path%20with%20spaces/and%2Fslashes",
          "http://actor/test/path%20with%20spaces/and%2Fslashes",
        ],
        ["a%3Fb/c%23d", "http://actor/a%3Fb/c%23d"],
        ["ünï/✓", "http://actor/%C3%BCn%C3%AF/%E2%9C%93"],
        ["%E2%9C%93", "http://actor/%E2%9C%93"],
        ["test/path#fragment", "http://actor/test/path"],
      ];
      for (const [path, url] of cases) {
        t.expect((await seen(t, handle, path)).url, `subpath ${JSON.stringify(path)}`).toBe(url);
      }
    },
  });

  s.test({
    id: "query-string-exact",
    title:
      "query strings reach onFetch byte for byte: repeated keys, brackets, empty values, escapes, a lone ?",
    clause: "ROUTE-6",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = echoActor(t);
      const search =
        "?key=value1&key=value2&array[]=1&array[]=2&nested[prop]=val&empty=&flag&plus=a+b&enc=%26%3D%20";
      const view = await seen(t, handle, `q${search}`);
      expect(view.search, "the query string").toBe(search);
      expect(view.query, "the pairs, in order").toEqual([
        ["key", "value1"],
        ["key", "value2"],
        ["array[]", "1"],
        ["array[]", "2"],
        ["nested[prop]", "val"],
        ["empty", ""],
        ["flag", ""],
        ["plus", "a b"],
        ["enc", "&= "],
      ]);
      const unicode = await seen(
        t,
        handle,
        "q?special=%20!%40%23%24%25%5E%26&unicode=%E2%9C%93&email=test%40example.com&raw=✓",
      );
      expect(unicode.query, "escaped and raw unicode values").toEqual([
        ["special", " !@#$%^&"],
        ["unicode", "✓"],
        ["email", "test@example.com"],
        ["raw", "✓"],
      ]);
      const long = "x".repeat(1000);
      expect((await seen(t, handle, `q?long=${long}`)).search, "a 1000-character value").toBe(
        `?long=${long}`,
      );
    },
  });

  s.test({
    id: "methods-reach-actor",
    title:
      "GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD and non-standard methods reach onFetch as sent",
    clause: "ROUTE-4",
    axes: CLIENT_AXIS,
    async run(t) {
      const { expect } = t;
      const handle = echoActor(t);
      // PURGE and PROPFIND stand for custom methods: Node's HTTP parser, which serves the manager
      // here, refuses method names outside its registered list with a 400 of its own.
      for (const method of [
        "GET",
        "POST",
        "PUT",
        "DELETE",
        "PATCH",
        "OPTIONS",
        "PURGE",
        "PROPFIND",
      ]) {
        const init: RequestInit = { method };
        const body = `body of ${method}`;
        if (["POST", "PUT", "PATCH", "PROPFIND"].includes(method)) init.body = body;
        const response: Response = await handle.fetch("method", init);
        expect(response.status, `${method}: status`).toBe(200);
        expect(response.headers.get("x-echo-method"), `${method}: the actor's header`).toBe(method);
        const view = (await response.json()) as RequestView;
        expect(view.method, `${method}: request.method`).toBe(method);
        if (init.body) expect(view.bodyText, `${method}: body`).toBe(body);
      }
      const head: Response = await handle.fetch("method", { method: "HEAD" });
      expect(
        [head.status, head.headers.get("x-echo-method")],
        "HEAD: status and the actor's header",
      ).toEqual([200, "HEAD"]);
      expect((await head.arrayBuffer()).byteLength, "HEAD: no body").toBe(0);
    },
  });

  s.test({
    id: "empty-body",
    title: "a POST with an empty body reaches onFetch with zero bytes and its content type",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const view = await seen(t, echoActor(t), "empty", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "",
      });
      t.expect([view.bodyLength, header(view, "content-type")], "empty body").toEqual([
        0,
        "application/json",
      ]);
    },
  });

  s.test({
    id: "large-bodies",
    title: "a 1 MiB binary body and a 760 KB JSON body reach onFetch and come back byte for byte",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    timeoutMs: 30_000,
    async run(t) {
      const { expect } = t;
      const handle = echoActor(t);
      const bytes = new Uint8Array(randomBytes(1024 * 1024));
      const view = await seen(t, handle, "large", { method: "POST", body: bytes });
      expect([view.bodyLength, view.bodySha256], "1 MiB as onFetch saw it").toEqual([
        bytes.length,
        sha256(bytes),
      ]);
      const back: Response = await handle.fetch("bytes", { method: "POST", body: bytes });
      expect(back.status, "binary round trip status").toBe(200);
      const returned = new Uint8Array(await back.arrayBuffer());
      expect([returned.length, sha256(returned)], "1 MiB returned byte for byte").toEqual([
        bytes.length,
        sha256(bytes),
      ]);
      const json = JSON.stringify(
        Array.from({ length: 10_000 }, (_, i) => ({ id: i, value: `item-${i}`, ok: true })),
      );
      const big = await seen(t, handle, "large-json", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: json,
      });
      expect([big.bodyLength, big.bodySha256], "the JSON body").toEqual([
        Buffer.byteLength(json),
        sha256(json),
      ]);
    },
  });

  s.test({
    id: "concurrent-requests",
    title: "20 concurrent raw requests each reach onFetch with their own method, path and body",
    clause: "RAWHTTP-1",
    axes: CLIENT_AXIS,
    async run(t) {
      const handle = echoActor(t);
      const methods = ["POST", "PUT", "PATCH", "DELETE", "GET"];
      const results = await t.step(
        "20 concurrent requests",
        Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const method = methods[i % methods.length]!;
            const withBody = method !== "GET" && method !== "DELETE";
            const init: RequestInit = {
              method,
              ...(withBody ? { body: JSON.stringify({ request: i }) } : {}),
            };
            return { i, method, withBody, view: await seen(t, handle, `item/${i}?id=${i}`, init) };
          }),
        ),
        10_000,
      );
      for (const { i, method, withBody, view } of results) {
        t.expect(
          { method: view.method, url: view.url, body: view.bodyText },
          `request ${i}`,
        ).toEqual({
          method,
          url: `http://actor/item/${i}?id=${i}`,
          body: withBody ? JSON.stringify({ request: i }) : "",
        });
      }
    },
  });

  s.test({
    id: "wire-lone-question-mark",
    title: "an empty query string (a lone ?) reaches onFetch as sent on the wire",
    clause: "ROUTE-6",
    async run(t) {
      // fetch() drops a lone "?" before sending, so the request is written with node:http.
      const view = await wireGet(t, "/actors/raw/http/q?", "lone");
      t.expect(view.url, "the URL onFetch saw").toBe("http://actor/q?");
    },
  });

  s.test({
    id: "wire-dot-segments",
    title: "dot segments in a raw path reach onFetch as sent, never resolved by any hop",
    clause: "ROUTE-6",
    async run(t) {
      // fetch() resolves dot segments before sending; URL parsing on any hop would too, so the
      // exact path reaches the actor only if every hop forwards the request as it came (ROUTE-4).
      for (const [path, url] of [
        ["/actors/raw/http/a/%2e%2e/b/../c?x=1", "http://actor/a/%2e%2e/b/../c?x=1"],
        ["/actors/raw/http/%2E%2E/q", "http://actor/%2E%2E/q"],
      ]) {
        const view = await wireGet(t, path, "dots");
        t.expect(view.url, `the URL onFetch saw for ${path}`).toBe(url);
      }
    },
  });
});

/** A GET of `path` written byte for byte with node:http; resolves what onFetch saw. */
function wireGet(t: TestContext, path: string, key: string): Promise<RequestView> {
  const query = JSON.stringify(getOrCreate("rawHttpRequest", t.uniqueKey(key)));
  return new Promise<RequestView>((resolve, reject) => {
    const { hostname, port } = new URL(t.endpoint);
    const req = httpRequest(
      { hostname, port, path, headers: { "x-actor-query": query } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () => {
          try {
            resolve(JSON.parse(text) as RequestView);
          } catch (error) {
            reject(
              new Error(`${path} answered ${res.statusCode}: ${text.slice(0, 200)}`, {
                cause: error,
              }),
            );
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}
