/**
 * Generated-input suite: clauses with an input domain checked on inputs fast-check draws from
 * the test's seed (harness/properties.ts), a fixed few per property: key sets made of
 * components real storage engines confuse (case, accents, normalisation, trailing spaces,
 * separators, empty strings: KEY-1), any unicode key (KEY-4), values of every kind the encoding
 * carries (ACT-2), header sets (RAWHTTP-1), subpaths and query strings (ROUTE-6), and body and
 * frame sizes around the limits real stacks cut at (RAWHTTP-2, RAWWS-2).
 */
import { createHash } from "node:crypto";
import type { RequestView } from "../fixtures/connectivity/raw-http.ts";
import { fc, forAll, limitSizes, sizeAroundLimits } from "../properties.ts";
import { defineSuite } from "../suite-api.ts";
import { clientOf, SocketInbox } from "./connectivity-wire.ts";

const CLIENT_AXIS = ["client"] as const;

/** Key components SQL collations, normalisation and separators are known to confuse. */
const CONFUSABLE = [
  "a",
  "A",
  "á",
  "a\u0301",
  "a ",
  " a",
  "",
  "/",
  ",",
  "a/b",
  "ß",
  "ss",
  "ﬁ",
  "fi",
  "İ",
  "i",
  "%2F",
  "\u0000",
];

/** One set holding every confusable: a collation, normalisation or trim merges two of them. */
const CONFUSABLE_SET: string[][] = [
  ...["a", "A", "á", "a\u0301", "a ", " a", "ß", "ss", "ﬁ", "fi", "İ", "i", "", "%2F", "/"].map(
    (part) => [part],
  ),
  ["a/b"],
  ["a", "b"],
];

/**
 * Keys at the limits real stores cut at: NUL (C strings), 255 and 256 characters (VARCHAR(255)),
 * the runtime's own limit of 256 UTF-8 bytes a component in two-byte characters.
 */
const KEY_EXAMPLES: string[][] = [
  ["\u0000"],
  ["a\u0000b"],
  ["x".repeat(255), "y"],
  ["x".repeat(256)],
  ["é".repeat(128)],
  ["", ""],
  ["😀", " "],
];

/** Empty and edge values every stack must keep apart from null, absent and each other. */
const JSON_EXAMPLES: unknown[] = [
  "",
  [],
  {},
  { "": "" },
  [[], {}],
  ["", null],
  "\u0000",
  Number.MAX_SAFE_INTEGER,
  -1.5e-300,
];
const CBOR_EXAMPLES: unknown[] = [
  new Uint8Array(0),
  new Map(),
  new Set(),
  0n,
  -(2n ** 64n),
  new Date(0),
  new Map<unknown, unknown>([["", new Uint8Array(0)]]),
];

/** An empty header value; two headers where one name is a prefix of the other. */
const HEADER_EXAMPLES: [string, string][][] = [
  [["x-gen-empty", ""]],
  [
    ["x-gen-a", "1"],
    ["x-gen-a-b", "2"],
  ],
];

/** Empty segments (a slash run proxies merge), `+` and `%20`, repeated and empty query keys. */
const URL_EXAMPLES: { segments: string[]; query: [string, string][] }[] = [
  { segments: ["", ""], query: [] },
  {
    segments: ["a+b", "%20", ""],
    query: [
      ["a", "1"],
      ["a", "2"],
      ["b", "+"],
      ["c", "%2B"],
      ["", ""],
    ],
  },
];

/** A key suffix: one or two components, each one or two confusable pieces (or none). */
const confusableKey = fc.array(
  fc.array(fc.constantFrom(...CONFUSABLE), { maxLength: 2 }).map((parts) => parts.join("")),
  { minLength: 1, maxLength: 2 },
);

/** Any unicode text, grapheme by grapheme (no lone surrogates: they are not text). */
const unicodeText = (maxLength: number) => fc.string({ unit: "grapheme", maxLength });
/** Object property names: any text but `__proto__`, which JavaScript objects cannot hold as data. */
const propertyName = unicodeText(6).filter((name) => name !== "__proto__");

/** Values the json encoding carries exactly (-0 is sent as 0, so it is drawn as 0). */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    unicodeText(12),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(propertyName, tie("value"), { maxKeys: 3 }),
  ),
})).value;

/** Values the cbor encoding carries exactly: JSON values plus BigInt, bytes, Date, Map and Set. */
const cborValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    jsonValue,
    fc.bigInt(),
    fc.uint8Array({ maxLength: 40 }),
    fc.date({ noInvalidDate: true }),
    fc.array(tie("value"), { maxLength: 3 }),
    fc
      .dictionary(propertyName, tie("value"), { maxKeys: 3 })
      .map((o) => new Map(Object.entries(o))),
    fc.uniqueArray(fc.oneof(fc.integer(), unicodeText(6)), { maxLength: 3 }).map((a) => new Set(a)),
  ),
})).value;

/** Header names (RFC 9110 tokens) that are no internal or hop-by-hop header. */
const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,14}$/).map((name) => `x-gen-${name}`);
/** Header values: visible ASCII and inner spaces (RFC 9110 field-value), empty included. */
const headerValue = fc.stringMatching(/^(?:[!-~](?:[ !-~]{0,20}[!-~])?)?$/);

/** A path segment: unreserved characters and percent-encoded bytes, sometimes empty. */
const pathSegment = fc
  .stringMatching(/^(?:[A-Za-z0-9._~-]|%[0-9A-F]{2}){0,8}$/)
  // "." and ".." are dot-segments: URL parsing removes them before any driver sees the path.
  .filter((segment) => segment !== "." && segment !== "..");
/** A query pair's part: unreserved characters, `+` and percent-encoded bytes. */
const queryPart = fc.stringMatching(/^(?:[A-Za-z0-9._~+-]|%[0-9A-F]{2}){0,8}$/);

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** `size` bytes that are not all alike (a ramp from `seed`), so a shifted byte shows. */
function bytesOf(size: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) % 256);
}

function show(value: unknown): string {
  return fc.stringify(value);
}

export const inputDomainsSuite = defineSuite("input-domains", (s) => {
  s.test({
    id: "confusable-keys-are-distinct-actors",
    title:
      "keys that differ only in case, accents, normalisation, spaces or separators are different actors",
    clause: "KEY-1",

    timeoutMs: 20_000,
    run: async (t) => {
      const keySets = fc.uniqueArray(confusableKey, {
        minLength: 2,
        maxLength: 3,
        selector: (key) => JSON.stringify(key),
      });
      await forAll(
        t,
        "each key of a set names its own actor",
        keySets,
        async (keys) => {
          const base = t.uniqueKey("confusable")[0];
          const client = clientOf(t);
          for (const [i, key] of keys.entries()) {
            await t.step(
              `+${i + 1} at ${show(key)}`,
              client.counter.getOrCreate([base, ...key]).increment(i + 1),
            );
          }
          for (const [i, key] of keys.entries()) {
            const count = await t.step(
              `count at ${show(key)}`,
              client.counter.get([base, ...key]).getCount(),
            );
            t.expect(count, `${show(key)} holds only its own increment among ${show(keys)}`).toBe(
              i + 1,
            );
          }
        },
        { examples: [CONFUSABLE_SET] },
      );
    },
  });

  s.test({
    id: "any-unicode-key-round-trips",
    title: "any unicode key, empty components included, round-trips exactly",
    clause: "KEY-4",

    timeoutMs: 20_000,
    run: async (t) => {
      const keys = fc.array(unicodeText(8), { maxLength: 3 });
      await forAll(
        t,
        "the key the actor sees is the key it was made with",
        keys,
        async (suffix) => {
          const key = [t.uniqueKey("unicode")[0], ...suffix];
          const who = (await t.step(
            `whoAmI at ${show(key)}`,
            clientOf(t).counter.getOrCreate(key).whoAmI(),
          )) as { actorId: string; key: string[] };
          t.expect(who.key, "c.key").toEqual(key);
          const found = await t.step(
            "manager.getForId",
            t.manager.getForId({ actorId: who.actorId }),
          );
          t.expect(found && [...found.key], "getForId's key").toEqual(key);
        },
        { examples: KEY_EXAMPLES },
      );
    },
  });

  s.test({
    id: "generated-values-round-trip",
    title: "generated values of every kind the encoding carries round-trip through an action",
    clause: "ACT-2",
    axes: ["encoding"],
    timeoutMs: 20_000,
    run: async (t) => {
      const values = t.cell.encoding === "json" ? jsonValue : cborValue;
      const echo = clientOf(t).valuesActor.getOrCreate(t.uniqueKey("values"));
      await forAll(
        t,
        `a value comes back exactly (${t.cell.encoding})`,
        values,
        async (value) => {
          t.expect(await t.step("echo", echo.echo(value)), "the echoed value").toEqual(value);
        },
        {
          examples:
            t.cell.encoding === "json" ? JSON_EXAMPLES : [...JSON_EXAMPLES, ...CBOR_EXAMPLES],
        },
      );
    },
  });

  s.test({
    id: "generated-header-sets-reach-on-fetch",
    title:
      "generated header sets, empty values and two headers with one prefix included, reach onFetch exactly",
    clause: "RAWHTTP-1",

    timeoutMs: 20_000,
    run: async (t) => {
      const headerSets = fc.uniqueArray(fc.tuple(headerName, headerValue), {
        minLength: 1,
        maxLength: 6,
        selector: ([name]) => name,
      });
      const handle = clientOf(t).rawHttpRequest.getOrCreate(t.uniqueKey("headers"));
      await forAll(
        t,
        "every header arrives with its value",
        headerSets,
        async (headers) => {
          const response: Response = await t.step(
            "GET /headers",
            handle.fetch("/headers", { headers }),
          );
          t.expect(response.status).toBe(200);
          const view = (await response.json()) as RequestView;
          const got = view.headers.filter(([name]) => name.startsWith("x-gen-"));
          t.expect(got, "the x-gen- headers onFetch saw").toEqual(
            [...headers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
          );
        },
        { examples: HEADER_EXAMPLES },
      );
    },
  });

  s.test({
    id: "generated-paths-and-queries-exact",
    title:
      "generated subpaths and query strings (empty segments, percent-encoding, repeated keys) reach onFetch exactly",
    clause: "ROUTE-6",

    timeoutMs: 20_000,
    run: async (t) => {
      const urls = fc.record({
        segments: fc.array(pathSegment, { maxLength: 4 }),
        query: fc.array(fc.tuple(queryPart, queryPart), { maxLength: 4 }),
      });
      const handle = clientOf(t).rawHttpRequest.getOrCreate(t.uniqueKey("paths"));
      await forAll(
        t,
        "the subpath and query string arrive unchanged",
        urls,
        async ({ segments, query }) => {
          const path = `/${segments.join("/")}`;
          const search = query.length > 0 ? `?${query.map(([k, v]) => `${k}=${v}`).join("&")}` : "";
          const response: Response = await t.step(
            `GET ${path}${search}`,
            handle.fetch(`${path}${search}`),
          );
          t.expect(response.status).toBe(200);
          const view = (await response.json()) as RequestView;
          t.expect({ pathname: view.pathname, search: view.search }, `${path}${search}`).toEqual({
            pathname: path,
            search,
          });
        },
        { examples: URL_EXAMPLES },
      );
    },
  });

  s.test({
    id: "body-sizes-around-limits",
    title:
      "request and response bodies of sizes around chunk and buffer limits come back byte for byte",
    clause: "RAWHTTP-2",
    axes: CLIENT_AXIS,
    timeoutMs: 20_000,
    run: async (t) => {
      const handle = clientOf(t).rawHttpRequest.getOrCreate(t.uniqueKey("sizes"));
      await forAll(
        t,
        "a body of this size comes back unchanged",
        sizeAroundLimits(140_000),
        async (size) => {
          const body = bytesOf(size, size);
          const response: Response = await t.step(
            `POST /bytes with ${size} bytes`,
            handle.fetch("/bytes", { method: "POST", body }),
          );
          t.expect(response.status).toBe(200);
          const back = new Uint8Array(await response.arrayBuffer());
          t.expect({ length: back.length, sha256: sha256(back) }, `${size} bytes`).toEqual({
            length: size,
            sha256: sha256(body),
          });
        },
        { examples: limitSizes(140_000), numRuns: 4 },
      );
    },
  });

  s.test({
    id: "frame-sizes-around-limits",
    title:
      "binary frames of sizes around WebSocket and buffer limits, empty included, stay binary and exact",
    clause: "RAWWS-2",
    requires: ["websocket"],
    axes: CLIENT_AXIS,
    timeoutMs: 20_000,
    run: async (t) => {
      const socket = (await t.step(
        "raw WebSocket opens",
        clientOf(t).rawWs.getOrCreate(t.uniqueKey("frames")).websocket(""),
      )) as unknown as { send(data: Uint8Array): void; close(): void };
      const inbox = new SocketInbox(socket as never);
      t.defer(() => socket.close());
      await inbox.nextJson("the welcome");
      await forAll(
        t,
        "a binary frame of this size comes back reversed",
        sizeAroundLimits(140_000),
        async (size) => {
          const bytes = bytesOf(size, size + 7);
          socket.send(bytes);
          const frame = await inbox.next(`the reply to ${size} binary bytes`);
          t.expect(frame.binary, `${size} bytes came back as a binary frame`).toBe(true);
          const back = frame.data as Uint8Array;
          t.expect({ length: back.length, sha256: sha256(back) }, `${size} bytes reversed`).toEqual(
            {
              length: size,
              sha256: sha256(bytes.slice().reverse()),
            },
          );
        },
        { examples: limitSizes(140_000), numRuns: 4 },
      );
      // Two frames back to back, the first empty: two replies, neither merged nor dropped.
      socket.send(new Uint8Array(0));
      socket.send(bytesOf(3, 1));
      const first = await inbox.next("the reply to the empty frame");
      const second = await inbox.next("the reply to the 3-byte frame");
      t.expect([first, second], "two frames sent back to back come back as two").toEqual([
        { binary: true, data: new Uint8Array(0) },
        { binary: true, data: bytesOf(3, 1).reverse() },
      ]);
    },
  });
});
