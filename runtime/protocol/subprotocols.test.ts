import { describe, expect, test } from "vitest";
import { ActorError } from "../actor/errors.ts";
import type { ActorQuery } from "./query.ts";
import { buildSubprotocols, parseSubprotocols, SUBPROTOCOL_MARKER } from "./subprotocols.ts";

function thrown(fn: () => unknown): ActorError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ActorError) return error;
    throw new Error(`expected an ActorError, got ${String(error)}`);
  }
  throw new Error("expected an ActorError, nothing was thrown");
}

/** What a server sees: the list joined the way a WebSocket client sends it. */
function header(list: string[]): string {
  return list.join(", ");
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

describe("buildSubprotocols()/parseSubprotocols()", () => {
  test("the marker comes first and every entry is an HTTP token", () => {
    const list = buildSubprotocols({
      encoding: "json",
      query: { getForKey: { name: "c", key: ["日本", "a b", "=/+"] } },
      params: { token: "ü=/+" },
      extra: ["chat.v2"],
    });
    expect(list[0]).toBe(SUBPROTOCOL_MARKER);
    for (const entry of list) expect(entry).toMatch(TOKEN);
  });

  test.each<[string, ActorQuery]>([
    ["a unicode key", { getForKey: { name: "counter", key: ["日本", "🎉", "é"] } }],
    ["an empty key", { getForKey: { name: "counter", key: [] } }],
    ["an id", { getForId: { actorId: "id-1" } }],
    ["a rich input", { create: { name: "c", key: ["k"], input: new Map([[1n, new Date(3)]]) } }],
  ])("round-trips a query with %s", (_name, query) => {
    const parsed = parseSubprotocols(header(buildSubprotocols({ encoding: "cbor", query })));
    expect(parsed).toStrictEqual({ hasMarker: true, encoding: "cbor", query, extra: [] });
  });

  test("round-trips params and keeps extra entries in order", () => {
    const params = { user: "zoë", n: [1, null] };
    const list = buildSubprotocols({ encoding: "json", params, extra: ["b", "a"] });
    expect(parseSubprotocols(header(list))).toStrictEqual({
      hasMarker: true,
      encoding: "json",
      params,
      extra: ["b", "a"],
    });
  });

  test("params of null, 0 and empty string survive", () => {
    for (const params of [null, 0, ""]) {
      const parsed = parseSubprotocols(header(buildSubprotocols({ encoding: "json", params })));
      expect(parsed.params).toStrictEqual(params);
    }
  });

  test("a header without our entries reports no marker and only extras", () => {
    expect(parseSubprotocols("chat, superchat")).toStrictEqual({
      hasMarker: false,
      extra: ["chat", "superchat"],
    });
    expect(parseSubprotocols(null)).toStrictEqual({ hasMarker: false, extra: [] });
  });

  test("extra entries that are not tokens or use the actor. prefix are refused", () => {
    expect(() => buildSubprotocols({ encoding: "json", extra: ["has space"] })).toThrow(TypeError);
    expect(() => buildSubprotocols({ encoding: "json", extra: ["actor.mine"] })).toThrow(TypeError);
  });
});

describe("parseSubprotocols() errors", () => {
  test.each<[string, string, string]>([
    ["an unknown encoding", "actor.v1, actor.encoding.xml", "invalid_encoding"],
    ["a query that is not base64url", "actor.v1, actor.query.!!", "invalid_query"],
    [
      "a query that is not JSON",
      `actor.query.${Buffer.from("{x").toString("base64url")}`,
      "invalid_query",
    ],
    [
      "a query with a bad key",
      `actor.query.${Buffer.from('{"getForKey":{"name":"c","key":[1]}}').toString("base64url")}`,
      "invalid_key",
    ],
    [
      "params that are not JSON",
      `actor.params.${Buffer.from("{x").toString("base64url")}`,
      "invalid_params",
    ],
    [
      "params that are not UTF-8",
      `actor.params.${Buffer.from([0xff]).toString("base64url")}`,
      "invalid_params",
    ],
    [
      "oversized params",
      `actor.params.${Buffer.from(JSON.stringify("x".repeat(5000))).toString("base64url")}`,
      "invalid_params",
    ],
    ["a repeated encoding", "actor.encoding.json, actor.encoding.cbor", "invalid_request"],
  ])("%s is %s", (_name, value, code) => {
    expect(thrown(() => parseSubprotocols(value)).code).toBe(code);
  });
});
