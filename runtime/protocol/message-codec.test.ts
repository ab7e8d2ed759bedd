import fc from "fast-check";
import { describe, expect, test } from "vitest";
import type { z } from "zod";
import { ActorError } from "../actor/errors.ts";
import { bytesToBase64 } from "./base64.ts";
import { decodeValue, encodeValue } from "./encoding.ts";
import { MAX_MESSAGE_BYTES } from "./limits.ts";
import {
  decodeToClient,
  decodeToServer,
  encodeToClient,
  encodeToServer,
  fromSseData,
  toSseData,
} from "./message-codec.ts";
import {
  type Encoding,
  type ToClientMessage,
  type ToServerMessage,
  toClientMessageSchemas,
  toServerMessageSchemas,
} from "./messages.ts";
import { encodeCbor } from "./values.ts";

const ENCODINGS: Encoding[] = ["json", "cbor"];

function thrown(fn: () => unknown): ActorError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ActorError) return error;
    throw new Error(`expected an ActorError, got ${String(error)}`);
  }
  throw new Error("expected an ActorError, nothing was thrown");
}

const toServer: ToServerMessage[] = [
  { type: "action", id: 0, name: "increment", args: [1, "two", { three: [3] }] },
  { type: "action", id: 42, name: "noArgs", args: [] },
  { type: "subscribe", event: "changed" },
  { type: "unsubscribe", event: "changed" },
];

const toClient: ToClientMessage[] = [
  { type: "init", actorId: "a1", connectionId: "c1", connectionToken: "t1", protocolVersion: 1 },
  { type: "action_response", id: 7, output: { count: 3 } },
  { type: "action_response", id: 8, output: null },
  { type: "error", code: "user_error", message: "nope", metadata: { why: "x" }, actionId: 7 },
  { type: "error", code: "actor_not_found", message: "gone" },
  { type: "event", name: "changed", args: [1, [2]] },
];

describe.each(ENCODINGS)("messages in %s", (encoding) => {
  test.each(toServer)("to-server $type round-trips", (msg) => {
    const frame = encodeToServer(msg, encoding);
    expect(typeof frame).toBe(encoding === "json" ? "string" : "object");
    expect(decodeToServer(frame, encoding)).toStrictEqual(msg);
  });

  test.each(toClient)("to-client $type round-trips", (msg) => {
    expect(decodeToClient(encodeToClient(msg, encoding), encoding)).toStrictEqual(msg);
  });

  test("through SSE framing too", () => {
    for (const msg of toClient) {
      const data = toSseData(encodeToClient(msg, encoding));
      expect(data).not.toMatch(/[\r\n]/);
      expect(decodeToClient(fromSseData(data, encoding), encoding)).toStrictEqual(msg);
    }
  });

  test("unknown fields are dropped", () => {
    const frame = encodeValue({ type: "subscribe", event: "e", extra: 1 }, encoding);
    expect(decodeToServer(frame, encoding)).toStrictEqual({ type: "subscribe", event: "e" });
  });

  test.each<[string, unknown, string]>([
    ["an unknown type", { type: "foo" }, 'unknown to-server message type "foo"'],
    ["a missing type", { id: 1 }, 'no string "type"'],
    ["an array", [1, 2], "is an array"],
    ["a string", "action", "is a string"],
    ["null", null, "is null"],
    ["a non-integer id", { type: "action", id: 1.5, name: "a", args: [] }, "id"],
    ["a negative id", { type: "action", id: -1, name: "a", args: [] }, "id"],
    ["a missing name", { type: "action", id: 1, args: [] }, "name"],
    ["args not an array", { type: "action", id: 1, name: "a", args: {} }, "args"],
    ["a subscribe without event", { type: "subscribe" }, "event"],
  ])("%s is malformed_message naming the problem", (_name, value, part) => {
    const error = thrown(() => decodeToServer(encodeValue(value, encoding), encoding));
    expect(error.code).toBe("malformed_message");
    expect(error.message).toContain(part);
  });

  test("a message over the limit is message_too_large, naming size and limit", () => {
    const msg: ToServerMessage = {
      type: "action",
      id: 1,
      name: "a",
      args: ["x".repeat(MAX_MESSAGE_BYTES)],
    };
    const frame = encodeToServer(msg, encoding);
    const error = thrown(() => decodeToServer(frame, encoding));
    expect(error.code).toBe("message_too_large");
    const size = typeof frame === "string" ? Buffer.byteLength(frame) : frame.byteLength;
    expect(error.message).toContain(`${size} bytes`);
    expect(error.message).toContain(`${MAX_MESSAGE_BYTES} bytes`);
  });

  test("a message exactly at a custom limit passes; one byte over fails", () => {
    const frame = encodeToServer({ type: "subscribe", event: "e" }, encoding);
    const size = typeof frame === "string" ? Buffer.byteLength(frame) : frame.byteLength;
    expect(decodeToServer(frame, encoding, size).type).toBe("subscribe");
    expect(thrown(() => decodeToServer(frame, encoding, size - 1)).code).toBe("message_too_large");
  });

  test("to-client decoding rejects a to-server message", () => {
    const frame = encodeToServer({ type: "subscribe", event: "e" }, encoding);
    expect(thrown(() => decodeToClient(frame, encoding)).message).toContain('"subscribe"');
  });
});

describe("size is checked before decoding", () => {
  test("oversized garbage is message_too_large, not malformed_message", () => {
    expect(thrown(() => decodeToServer("{".repeat(MAX_MESSAGE_BYTES + 1), "json")).code).toBe(
      "message_too_large",
    );
    const bytes = new Uint8Array(MAX_MESSAGE_BYTES + 1).fill(0xff);
    expect(thrown(() => decodeToServer(bytes, "cbor")).code).toBe("message_too_large");
  });

  test("text size counts UTF-8 bytes, not characters", () => {
    const text = JSON.stringify({ type: "subscribe", event: "é".repeat(40) });
    expect(thrown(() => decodeToServer(text, "json", text.length + 10)).code).toBe(
      "message_too_large",
    );
  });
});

describe("malformed frames", () => {
  test.each<[string, string | Uint8Array, Encoding]>([
    ["bad JSON", '{"type":', "json"],
    ["invalid UTF-8 in a json binary frame", new Uint8Array([0xc3, 0x28]), "json"],
    ["bad CBOR bytes", new Uint8Array([0xff, 0xff]), "cbor"],
    ["truncated CBOR", encodeCbor({ type: "subscribe", event: "e" }).subarray(0, 8), "cbor"],
    ["a text frame on cbor", '{"type":"subscribe","event":"e"}', "cbor"],
    ["a CBOR Map instead of an object", encodeCbor(new Map([["type", "subscribe"]])), "cbor"],
  ])("%s is malformed_message", (_name, frame, encoding) => {
    expect(thrown(() => decodeToServer(frame, encoding)).code).toBe("malformed_message");
  });

  test("a json message in a binary frame is read as UTF-8 text", () => {
    const bytes = new TextEncoder().encode('{"type":"subscribe","event":"é"}');
    expect(decodeToServer(bytes, "json")).toStrictEqual({ type: "subscribe", event: "é" });
  });
});

describe("values inside messages", () => {
  test("cbor carries rich args and outputs exactly", () => {
    const args = [
      new Date(5),
      2n ** 80n,
      new Map([[1, new Set([undefined])]]),
      new Uint8Array([1]),
      -0,
      Number.NaN,
      undefined,
    ];
    const back = decodeToServer(
      encodeToServer({ type: "action", id: 1, name: "a", args }, "cbor"),
      "cbor",
    );
    expect(back).toStrictEqual({ type: "action", id: 1, name: "a", args });
    const out = decodeToClient(
      encodeToClient({ type: "action_response", id: 1, output: args }, "cbor"),
      "cbor",
    );
    expect(out).toStrictEqual({ type: "action_response", id: 1, output: args });
  });

  test("json names the path of a value it cannot carry", () => {
    const error = thrown(() =>
      encodeToClient({ type: "event", name: "e", args: [{ when: new Date() }] }, "json"),
    );
    expect(error.code).toBe("serialization_error");
    expect(error.message).toContain("args[0].when is a Date");
    const out = thrown(() =>
      encodeToClient({ type: "action_response", id: 1, output: { n: 1n } }, "json"),
    );
    expect(out.message).toContain("output.n is a BigInt");
  });

  test("an undefined output is omitted in json and kept in cbor", () => {
    const json = decodeToClient(
      encodeToClient({ type: "action_response", id: 1, output: undefined }, "json"),
      "json",
    );
    expect(json.type === "action_response" && json.output).toBeUndefined();
    const cbor = decodeToClient(
      encodeToClient({ type: "action_response", id: 1, output: undefined }, "cbor"),
      "cbor",
    );
    expect(cbor).toStrictEqual({ type: "action_response", id: 1, output: undefined });
  });
});

describe("SSE framing", () => {
  test("binary frames become standard padded base64", () => {
    expect(toSseData(new Uint8Array([0xfb, 0xff]))).toBe("+/8=");
    expect(fromSseData("+/8=", "cbor")).toStrictEqual(new Uint8Array([0xfb, 0xff]));
  });

  test("json frames pass through unchanged", () => {
    expect(toSseData('{"a":1}')).toBe('{"a":1}');
    expect(fromSseData('{"a":1}', "json")).toBe('{"a":1}');
  });

  test.each(["not base64!", "+/8", "-_8="])(
    "cbor data %j that is not padded base64 is malformed_message",
    (data) => {
      expect(thrown(() => fromSseData(data, "cbor")).code).toBe("malformed_message");
    },
  );

  test("base64 of a whole CBOR message decodes", () => {
    const msg: ToClientMessage = { type: "event", name: "e", args: [1n] };
    const data = bytesToBase64(encodeCbor(msg));
    expect(decodeToClient(fromSseData(data, "cbor"), "cbor")).toStrictEqual(msg);
  });
});

describe("decoding agrees with the message schemas", () => {
  // The decoders check the common messages by hand; whatever a schema accepts must decode to
  // exactly what the schema produces, and whatever it refuses must be malformed_message.
  // A message valid for every type at once, then one field replaced by any value (edge numbers
  // weighted up) and one field perhaps removed, plus an unknown field.
  const field = fc.oneof(
    {
      arbitrary: fc.constantFrom(0, -0, -1, 1.5, 2 ** 53, Number.MAX_SAFE_INTEGER, Number.NaN),
      weight: 4,
    },
    fc.constant(undefined),
    fc.integer(),
    fc.string({ maxLength: 4 }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 2 }),
    fc.dictionary(fc.string({ maxLength: 2 }), fc.integer(), { maxKeys: 2 }),
  );
  const valid = {
    id: fc.nat(),
    actionId: fc.nat(),
    name: fc.string(),
    event: fc.string(),
    code: fc.string(),
    message: fc.string(),
    reason: fc.string(),
    args: fc.array(fc.integer(), { maxLength: 2 }),
    output: field,
    metadata: field,
    extra: field,
  };
  const keys = Object.keys(valid);
  const fields = fc
    .tuple(
      fc.record(valid),
      fc.option(fc.tuple(fc.constantFrom(...keys), field)),
      fc.option(fc.constantFrom(...keys)),
    )
    .map(([base, replaced, removed]) => {
      const value: Record<string, unknown> = { ...base };
      if (replaced) value[replaced[0]] = replaced[1];
      if (removed) delete value[removed];
      return value;
    });
  type Schemas = Record<string, { safeParse(value: unknown): z.ZodSafeParseResult<unknown> }>;
  const cases: [string, Schemas, (frame: Uint8Array, encoding: Encoding) => unknown][] = [
    ["to-server", toServerMessageSchemas, decodeToServer],
    ["to-client", toClientMessageSchemas, decodeToClient],
  ];

  test.each(cases)("%s messages, in cbor", (_direction, schemas, decode) => {
    const type = fc.constantFrom(...Object.keys(schemas));
    fc.assert(
      fc.property(type, fields, (name, rest) => {
        const frame = encodeCbor({ ...rest, type: name });
        // The schema judges the value as the decoder sees it (plain objects after a round trip).
        const expected = schemas[name].safeParse(decodeValue(frame, "cbor"));
        if (expected.success) {
          expect(decode(frame, "cbor")).toStrictEqual(expected.data);
        } else {
          expect(thrown(() => decode(frame, "cbor")).code).toBe("malformed_message");
        }
      }),
      { numRuns: 1000 },
    );
  });
});
