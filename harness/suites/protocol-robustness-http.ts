/**
 * The HTTP half of the protocol robustness suite: every bad header or body on the public HTTP
 * routes gets its coded error and leaves the server, other actors and connections working
 * (clause ERR-5).
 */
import type { SuiteBuilder } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { encodeWire, getOrCreate, postAction } from "./connectivity-wire.ts";
import { asciiJson, expectError, hub, openSentinel } from "./protocol-robustness-support.ts";

/** One HTTP request that must fail with a code. */
interface HttpCase {
  what: string;
  send(t: TestContext): Promise<Response>;
  status: number;
  code: string;
}

function httpCases(): Array<{ id: string; title: string; cases: HttpCase[] }> {
  const action = (options: Partial<Parameters<typeof postAction>[1]>) => (t: TestContext) =>
    postAction(t.endpoint, {
      query: hub(t.uniqueKey("bad")),
      encoding: "json",
      name: "ping",
      ...options,
    });
  const withKey = (key: unknown) =>
    action({ query: asciiJson({ getOrCreateForKey: { name: "eventHub", key } }) });
  const big = "x".repeat(70_000);
  return [
    {
      id: "http-bad-encoding",
      title: "a missing or unknown encoding is invalid_encoding on every HTTP route",
      cases: [
        {
          what: "action with encoding xml",
          send: action({ encoding: "xml" }),
          status: 400,
          code: "invalid_encoding",
        },
        {
          what: "action without encoding",
          send: action({ encoding: undefined }),
          status: 400,
          code: "invalid_encoding",
        },
        {
          what: "resolve with encoding CBOR (wrong case)",
          send: (t) =>
            fetch(`${t.endpoint}/actors/resolve`, {
              method: "POST",
              headers: {
                "x-actor-query": JSON.stringify(hub(t.uniqueKey("r"))),
                "x-actor-encoding": "CBOR",
              },
            }),
          status: 400,
          code: "invalid_encoding",
        },
        {
          what: "SSE connect with encoding yaml",
          send: (t) =>
            fetch(`${t.endpoint}/actors/connect/sse`, {
              headers: {
                "x-actor-query": JSON.stringify(hub(t.uniqueKey("s"))),
                "x-actor-encoding": "yaml",
              },
            }),
          status: 400,
          code: "invalid_encoding",
        },
      ],
    },
    {
      id: "http-bad-query",
      title: "a missing actor query is invalid_request and a malformed one invalid_query",
      cases: [
        {
          what: "no x-actor-query",
          send: action({ query: undefined }),
          status: 400,
          code: "invalid_request",
        },
        {
          what: "query that is not JSON",
          send: action({ query: "{getForKey" }),
          status: 400,
          code: "invalid_query",
        },
        {
          what: "query that is an array",
          send: action({ query: "[]" }),
          status: 400,
          code: "invalid_query",
        },
        {
          what: "query of an unknown form",
          send: action({ query: '{"lookup":{"name":"eventHub"}}' }),
          status: 400,
          code: "invalid_query",
        },
        {
          what: "query with two forms",
          send: action({
            query:
              '{"getForKey":{"name":"eventHub","key":[]},"create":{"name":"eventHub","key":[]}}',
          }),
          status: 400,
          code: "invalid_query",
        },
        {
          what: "getForKey without a key",
          send: action({ query: '{"getForKey":{"name":"eventHub"}}' }),
          status: 400,
          code: "invalid_query",
        },
        {
          what: "unknown actor name",
          send: action({ query: JSON.stringify(getOrCreate("noSuchActorName", ["k"])) }),
          status: 404,
          code: "actor_not_found",
        },
        {
          what: "unknown actor id",
          send: action({ query: JSON.stringify({ getForId: { actorId: "no-such-actor-id" } }) }),
          status: 404,
          code: "actor_not_found",
        },
      ],
    },
    {
      id: "http-bad-key",
      title: "keys outside the key rules are invalid_key",
      cases: [
        { what: "key that is a string", send: withKey("a"), status: 400, code: "invalid_key" },
        {
          what: "key with a number component",
          send: withKey(["a", 1]),
          status: 400,
          code: "invalid_key",
        },
        {
          what: "key of 17 components",
          send: withKey(Array.from({ length: 17 }, (_, i) => `c${i}`)),
          status: 400,
          code: "invalid_key",
        },
        {
          what: "key component of 258 UTF-8 bytes",
          send: withKey(["é".repeat(129)]),
          status: 400,
          code: "invalid_key",
        },
        {
          what: "key component with a lone surrogate",
          send: withKey(["a\ud800b"]),
          status: 400,
          code: "invalid_key",
        },
      ],
    },
    {
      id: "http-bad-params",
      title: "connection params that are not JSON or over 4096 bytes are invalid_params",
      cases: [
        {
          what: "params that are not JSON",
          send: action({ headers: { "x-actor-conn-params": "{nope" } }),
          status: 400,
          code: "invalid_params",
        },
        {
          what: "params of 5000 bytes",
          send: action({ params: { pad: "p".repeat(5000) } }),
          status: 400,
          code: "invalid_params",
        },
      ],
    },
    {
      id: "http-bad-protocol-version",
      title: "a protocol version other than 1 is unsupported_protocol_version",
      cases: [
        {
          what: "x-actor-protocol-version 2",
          send: action({ headers: { "x-actor-protocol-version": "2" } }),
          status: 400,
          code: "unsupported_protocol_version",
        },
      ],
    },
    {
      id: "http-bad-body",
      title: "an action body that does not decode or is not { args } is malformed_message",
      cases: [
        {
          what: "bad JSON",
          send: action({ body: { raw: "{" } }),
          status: 400,
          code: "malformed_message",
        },
        {
          what: "empty JSON body",
          send: action({ body: { raw: "" } }),
          status: 400,
          code: "malformed_message",
        },
        {
          what: "JSON without args",
          send: action({ body: { raw: '{"arguments":[]}' } }),
          status: 400,
          code: "malformed_message",
        },
        {
          what: "JSON args not an array",
          send: action({ body: { raw: '{"args":5}' } }),
          status: 400,
          code: "malformed_message",
        },
        {
          what: "bad CBOR",
          send: action({ encoding: "cbor", body: { raw: new Uint8Array([0xff, 0xff, 0x1c]) } }),
          status: 400,
          code: "malformed_message",
        },
        {
          what: "CBOR args not an array",
          send: action({
            encoding: "cbor",
            body: { raw: encodeWire({ args: "x" }, "cbor") as Uint8Array<ArrayBuffer> },
          }),
          status: 400,
          code: "malformed_message",
        },
      ],
    },
    {
      id: "http-oversized-body",
      title: "an action body over 65536 bytes is message_too_large",
      cases: [
        {
          what: "JSON body of 70 KB",
          send: action({ body: { args: [big] } }),
          status: 413,
          code: "message_too_large",
        },
        {
          what: "CBOR body of 70 KB",
          send: action({ encoding: "cbor", body: { args: [big] } }),
          status: 413,
          code: "message_too_large",
        },
      ],
    },
  ];
}

/** Registers the HTTP robustness tests on the protocol-robustness suite. */
export function registerHttpRobustnessTests(s: SuiteBuilder): void {
  for (const group of httpCases()) {
    s.test({
      id: group.id,
      title: group.title,
      clause: "ERR-5",
      async run(t) {
        const sentinel = await openSentinel(t);
        for (const item of group.cases) {
          await expectError(
            t,
            await t.step(item.what, item.send(t)),
            item.status,
            item.code,
            item.what,
          );
          await sentinel.check(item.what);
        }
      },
    });
  }

  s.test({
    id: "http-key-limits-accepted",
    title: "a key of 16 components of 256 UTF-8 bytes each is accepted (the limits are inclusive)",
    clause: "ERR-5",
    async run(t) {
      const key = Array.from(
        { length: 16 },
        (_, i) => `${String(i).padStart(2, "0")}${"é".repeat(127)}`,
      );
      const response = await postAction(t.endpoint, {
        query: asciiJson(getOrCreate("eventHub", key)),
        encoding: "json",
        name: "ping",
      });
      t.expect(response.status, "a key at the limits").toBe(200);
      t.expect(await response.json(), "the action ran").toEqual({ output: "pong" });
    },
  });
}
