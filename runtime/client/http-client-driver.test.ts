/**
 * Unit tests of the HTTP client driver's request building and response handling, with an
 * injected fetch standing in for the manager router.
 */
import { describe, expect, it } from "vitest";
import { decodeValue, encodeValue } from "../protocol/encoding.ts";
import { parseConnParams, parseQuery } from "../protocol/query.ts";
import { createHttpClientDriver } from "./http-client-driver.ts";
import { joinSubpath } from "./sockets.ts";

interface Seen {
  url: string;
  method: string;
  headers: Headers;
  body: Uint8Array;
}

function fakeFetch(answer: (seen: Seen) => Response) {
  const calls: Seen[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const seen = {
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: new Uint8Array(await request.arrayBuffer()),
    };
    calls.push(seen);
    return answer(seen);
  }) as typeof fetch;
  return { calls, fetchFn };
}

const query = { getOrCreateForKey: { name: "counter", key: ["a", "ü"], input: new Date(5) } };

describe("createHttpClientDriver", () => {
  it.each(["json", "cbor"] as const)(
    "action() posts { args } with query, encoding and params headers (%s)",
    async (encoding) => {
      const { calls, fetchFn } = fakeFetch(
        () =>
          new Response(encodeValue({ output: 42 }, encoding) as BodyInit, {
            headers: { "content-type": `application/${encoding}` },
          }),
      );
      const driver = createHttpClientDriver("http://127.0.0.1:1/", { fetch: fetchFn });
      const out = await driver.action(query, "inc/x", [1, "two"], {
        encoding,
        params: { token: "t" },
      });
      expect(out).toBe(42);
      const [seen] = calls;
      expect(seen.url).toBe("http://127.0.0.1:1/actors/actions/inc%2Fx");
      expect(seen.method).toBe("POST");
      expect(seen.headers.get("x-actor-encoding")).toBe(encoding);
      expect(parseQuery(seen.headers.get("x-actor-query"))).toEqual(query);
      expect(parseConnParams(seen.headers.get("x-actor-conn-params"))).toEqual({ token: "t" });
      expect(decodeValue(seen.body, encoding)).toEqual({ args: [1, "two"] });
    },
  );

  it("an error body becomes a ClientActorError with code, message and metadata", async () => {
    const { fetchFn } = fakeFetch(
      () =>
        new Response(JSON.stringify({ code: "too_big", message: "no", metadata: { max: 3 } }), {
          status: 400,
          headers: { "content-type": "application/json" },
        }),
    );
    const driver = createHttpClientDriver("http://h", { fetch: fetchFn });
    // The error is JSON although cbor was asked for: the Content-Type decides.
    await expect(driver.action(query, "x", [], { encoding: "cbor" })).rejects.toMatchObject({
      name: "ClientActorError",
      code: "too_big",
      message: "no",
      metadata: { max: 3 },
      status: 400,
    });
  });

  it("a non-protocol error body is http_request_failed quoting the status and body", async () => {
    const { fetchFn } = fakeFetch(
      () => new Response("upstream exploded", { status: 502, statusText: "Bad Gateway" }),
    );
    const driver = createHttpClientDriver("http://h", { fetch: fetchFn });
    const error = await driver.resolve(query, { encoding: "json" }).catch((e) => e);
    expect(error.code).toBe("http_request_failed");
    expect(error.message).toContain("502");
    expect(error.message).toContain("upstream exploded");
  });

  it("a success body that does not decode is malformed_response", async () => {
    const { fetchFn } = fakeFetch(
      () => new Response("{oops", { headers: { "content-type": "application/json" } }),
    );
    const driver = createHttpClientDriver("http://h", { fetch: fetchFn });
    await expect(driver.resolve(query, { encoding: "json" })).rejects.toMatchObject({
      code: "malformed_response",
    });
  });

  it("a network failure is http_request_failed", async () => {
    const driver = createHttpClientDriver("http://h", {
      fetch: (async () => {
        throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") });
      }) as typeof fetch,
    });
    await expect(driver.action(query, "x", [], { encoding: "json" })).rejects.toMatchObject({
      code: "http_request_failed",
      message: expect.stringContaining("ECONNREFUSED"),
    });
  });

  it("rawFetch keeps the subpath and query string and returns error statuses as Responses", async () => {
    const { calls, fetchFn } = fakeFetch(() => new Response("nope", { status: 404 }));
    const driver = createHttpClientDriver("http://h", { fetch: fetchFn });
    const response = await driver.rawFetch(
      { getForKey: { name: "raw", key: [] } },
      "/api/a%2Fb/?x=1&y=%20",
      { method: "PUT", body: "hi", headers: { "x-custom": "1" } },
      { params: undefined },
    );
    expect(response.status).toBe(404);
    expect(calls[0].url).toBe("http://h/actors/raw/http/api/a%2Fb/?x=1&y=%20");
    expect(calls[0].method).toBe("PUT");
    expect(calls[0].headers.get("x-custom")).toBe("1");
    expect(calls[0].headers.has("x-actor-conn-params")).toBe(false);
    expect(new TextDecoder().decode(calls[0].body)).toBe("hi");
  });
});

describe("joinSubpath", () => {
  it.each([
    ["", "/raw/http/"],
    ["/", "/raw/http/"],
    ["a", "/raw/http/a"],
    ["/a/", "/raw/http/a/"],
    ["?q=1", "/raw/http/?q=1"],
    ["//double", "/raw/http//double"],
  ])("joins %j", (path, expected) => {
    expect(joinSubpath("/raw/http", path)).toBe(expected);
  });
});
