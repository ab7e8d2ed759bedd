import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { ActorError } from "../actor/errors.ts";
import {
  checkCborPolicy,
  checkJsonDepth,
  MAX_BIGNUM_BYTES,
  MAX_NESTING_DEPTH,
} from "./decode-policy.ts";
import { decodeValue } from "./encoding.ts";
import { decodeCbor, encodeCbor } from "./values.ts";

function refusal(run: () => unknown): ActorError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ActorError);
    return error as ActorError;
  }
  throw new Error("expected a refusal");
}

/** `depth` nested arrays around 0, as CBOR: 0x81 is a one-item array head. */
function nestedCbor(depth: number): Uint8Array {
  const bytes = new Uint8Array(depth + 1).fill(0x81);
  bytes[depth] = 0x00;
  return bytes;
}

/** A tag 2 bignum whose byte string holds `length` bytes of 0xff. */
function bignum(length: number): Uint8Array {
  const head =
    length < 24
      ? [0xc2, 0x40 | length]
      : length < 256
        ? [0xc2, 0x58, length]
        : [0xc2, 0x59, length >> 8, length & 0xff];
  const bytes = new Uint8Array(head.length + length).fill(0xff);
  bytes.set(head);
  return bytes;
}

/** Every kind docs/protocol.md lists for CBOR, nested at most `MAX_NESTING_DEPTH - 1` deep. */
const protocolValue = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.integer(),
    fc.double(),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.bigInt({ min: -(2n ** 8000n), max: 2n ** 8000n }),
    fc.date({ noInvalidDate: true }),
    fc.uint8Array({ maxLength: 16 }),
    fc.float64Array({ maxLength: 4 }),
  ),
  node: fc.oneof(
    { depthSize: "small", maxDepth: 6 },
    tie("leaf"),
    fc.array(tie("node"), { maxLength: 4 }),
    fc.dictionary(
      fc.string({ maxLength: 4 }).filter((key) => key !== "__proto__"),
      tie("node"),
      { maxKeys: 4, noNullPrototype: true },
    ),
    fc.array(fc.tuple(fc.string(), tie("node")), { maxLength: 3 }).map((e) => new Map(e)),
    fc.array(fc.integer(), { maxLength: 3 }).map((e) => new Set(e)),
  ),
})).node;

/** True when `value` holds only kinds the protocol lists (no Tag, RegExp, Error, ...). */
function onlyProtocolKinds(value: unknown): boolean {
  if (value === null || typeof value !== "object") return typeof value !== "function";
  if (Array.isArray(value)) return value.every(onlyProtocolKinds);
  if (value instanceof Date || ArrayBuffer.isView(value)) return true;
  if (value instanceof Map)
    return [...value].every(([k, v]) => onlyProtocolKinds(k) && onlyProtocolKinds(v));
  if (value instanceof Set) return [...value].every(onlyProtocolKinds);
  return (
    Object.getPrototypeOf(value) === Object.prototype &&
    Object.values(value).every(onlyProtocolKinds)
  );
}

describe("checkCborPolicy(): the decoder policy for CBOR", () => {
  test("every value the protocol carries passes and decodes back exactly", () => {
    fc.assert(
      fc.property(protocolValue, (value) => {
        const bytes = encodeCbor(value);
        checkCborPolicy(bytes);
        expect(decodeCbor(bytes)).toStrictEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  test("whatever random bytes pass the policy decode to protocol kinds only", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (bytes) => {
        let decoded: unknown;
        try {
          decoded = decodeCbor(bytes);
        } catch (error) {
          expect((error as ActorError).code).toBe("malformed_message");
          return;
        }
        expect(onlyProtocolKinds(decoded)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  test.each<[string, number[], string]>([
    [
      "tag 27 (cbor-x builds RegExp and Error from it)",
      [0xd8, 0x1b, 0x82, 0x66, ...Buffer.from("RegExp"), 0x61, 0x78],
      "tag 27",
    ],
    ["an unknown tag", [0xd8, 0x64, 0x00], "tag 100"],
    ["tag 0 (date strings are not in the protocol)", [0xc0, 0x61, 0x78], "tag 0"],
    ["a record extension tag", [0xd9, 0xdf, 0xff, 0x00], "tag 57343"],
    ["tag 258 around a map", [0xd9, 0x01, 0x02, 0xa0], "tag 258 must wrap an array"],
    ["tag 2 around an integer", [0xc2, 0x01], "tag 2 must wrap a byte string"],
    ["a tag around a tag", [0xc1, 0xc1, 0x00], "tag 1 must wrap a number"],
    ["a one-byte simple value", [0xf8, 0x20], "simple value"],
    ["simple value 16", [0xf0], "simple value 16"],
    ["an indefinite-length string", [0x7f, 0x61, 0x78, 0xff], "indefinite-length strings"],
    ["a break outside any container", [0x80, 0xff], "trailing"],
    ["an indefinite integer", [0x1f], "indefinite length"],
    ["a reserved additional information value", [0x1c], "reserved"],
    ["a length past the end", [0x5a, 0xff, 0xff, 0xff, 0xff, 0x00], "truncated"],
    [
      "an array shorter than declared",
      [0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00],
      "truncated",
    ],
  ])("%s is malformed_message", (_name, bytes, part) => {
    const error = refusal(() => decodeCbor(new Uint8Array(bytes)));
    expect(error.code).toBe("malformed_message");
    expect(error.message).toContain(part);
  });

  test(`a bignum of ${MAX_BIGNUM_BYTES} bytes passes; one byte more is refused before decoding`, () => {
    expect(typeof decodeCbor(bignum(MAX_BIGNUM_BYTES))).toBe("bigint");
    const error = refusal(() => decodeCbor(bignum(MAX_BIGNUM_BYTES + 1)));
    expect(error.message).toContain(`${MAX_BIGNUM_BYTES + 1} bytes exceeds the limit`);
    // The 65 KB bignum that cost cbor-x about a second is refused by the linear scan.
    expect(refusal(() => decodeCbor(bignum(65_000))).code).toBe("malformed_message");
  });

  test(`nesting of ${MAX_NESTING_DEPTH} levels passes; one more is refused`, () => {
    expect(() => checkCborPolicy(nestedCbor(MAX_NESTING_DEPTH))).not.toThrow();
    expect(refusal(() => decodeCbor(nestedCbor(MAX_NESTING_DEPTH + 1))).message).toContain(
      `deeper than ${MAX_NESTING_DEPTH} levels`,
    );
    // Indefinite-length containers count the same.
    const indefinite = [
      ...new Uint8Array(MAX_NESTING_DEPTH + 1).fill(0x9f),
      ...new Uint8Array(MAX_NESTING_DEPTH + 1).fill(0xff),
    ];
    expect(refusal(() => decodeCbor(new Uint8Array(indefinite))).message).toContain("deeper than");
  });

  test("indefinite-length arrays and maps within the policy decode", () => {
    // [_ 1, {_ "a": [_ ]}]
    const bytes = new Uint8Array([0x9f, 0x01, 0xbf, 0x61, 0x61, 0x9f, 0xff, 0xff, 0xff]);
    expect(decodeCbor(bytes)).toStrictEqual([1, { a: [] }]);
  });

  test("persisted data may nest deeper than the wire limit", () => {
    const deep = nestedCbor(MAX_NESTING_DEPTH + 10);
    expect(() => decodeCbor(deep, { maxDepth: Number.POSITIVE_INFINITY })).not.toThrow();
  });

  test("a BigInt beyond the bignum limit is refused when it is sent, too", () => {
    const error = refusal(() => encodeCbor({ n: 2n ** BigInt(8 * MAX_BIGNUM_BYTES) }));
    expect([error.code, error.message]).toEqual([
      "serialization_error",
      `n is a BigInt of ${MAX_BIGNUM_BYTES + 1} bytes; the limit is ${MAX_BIGNUM_BYTES} bytes`,
    ]);
    expect(decodeCbor(encodeCbor(2n ** BigInt(8 * MAX_BIGNUM_BYTES) - 1n))).toBe(
      2n ** BigInt(8 * MAX_BIGNUM_BYTES) - 1n,
    );
  });
});

describe("checkJsonDepth(): the decoder policy for JSON", () => {
  const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;

  test(`nesting of ${MAX_NESTING_DEPTH} levels passes; one more is refused`, () => {
    expect(decodeValue(nested(MAX_NESTING_DEPTH), "json")).toBeDefined();
    const error = refusal(() => decodeValue(nested(MAX_NESTING_DEPTH + 1), "json"));
    expect([error.code, error.message]).toEqual([
      "malformed_message",
      `json payload is refused: nesting is deeper than ${MAX_NESTING_DEPTH} levels`,
    ]);
    // The 30,000-deep argument that wedged an actor is refused at the boundary.
    expect(refusal(() => decodeValue(`{"args":[${nested(30_000)}]}`, "json")).code).toBe(
      "malformed_message",
    );
  });

  test("brackets inside strings, escaped quotes included, do not count", () => {
    const text = JSON.stringify({ s: `\\"${"[".repeat(500)}`, t: "{".repeat(500) });
    expect(() => checkJsonDepth(text)).not.toThrow();
  });

  test("the depth it measures is JSON.parse's depth", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), (value) => {
        const text = JSON.stringify(value);
        const depth = jsonDepth(value);
        expect(() => checkJsonDepth(text, depth)).not.toThrow();
        if (depth > 0) expect(() => checkJsonDepth(text, depth - 1)).toThrow(ActorError);
      }),
      { numRuns: 300 },
    );
  });
});

function jsonDepth(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(jsonDepth));
}
