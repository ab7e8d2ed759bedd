import { describe, expect, test } from "vitest";
import { ActorError, MASKED_MESSAGE, UserError } from "../actor/errors.ts";
import { decodeBody, encodeBody, errorResponse } from "./http-body.ts";
import { decodeCbor } from "./values.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ActorError ? error.code : `not an ActorError: ${String(error)}`;
  }
  return undefined;
}

describe("encodeBody()/decodeBody()", () => {
  test("json bodies are text with application/json", () => {
    const { body, contentType } = encodeBody({ args: [1, "a"] }, "json");
    expect(contentType).toBe("application/json");
    expect(decodeBody(body, "json")).toStrictEqual({ args: [1, "a"] });
    expect(
      decodeBody(new TextEncoder().encode(body as string).buffer as ArrayBuffer, "json"),
    ).toStrictEqual({
      args: [1, "a"],
    });
  });

  test("cbor bodies are bytes with application/cbor and carry rich values", () => {
    const value = { output: [new Date(1), 3n, new Map([["k", -0]])] };
    const { body, contentType } = encodeBody(value, "cbor");
    expect(contentType).toBe("application/cbor");
    expect(body).toBeInstanceOf(Uint8Array);
    expect(decodeBody(body, "cbor")).toStrictEqual(value);
  });

  test("an empty body, a text cbor body and bad bytes are malformed_message", () => {
    expect(codeOf(() => decodeBody("", "json"))).toBe("malformed_message");
    expect(codeOf(() => decodeBody(new Uint8Array(0), "cbor"))).toBe("malformed_message");
    expect(codeOf(() => decodeBody("a0", "cbor"))).toBe("malformed_message");
    expect(codeOf(() => decodeBody(new Uint8Array([0x82]), "cbor"))).toBe("malformed_message");
  });

  test("a body over the limit is message_too_large", () => {
    expect(codeOf(() => decodeBody('"xxxx"', "json", 5))).toBe("message_too_large");
    expect(decodeBody('"xxxx"', "json", 6)).toBe("xxxx");
  });
});

describe("errorResponse()", () => {
  test("a public error keeps code, message, metadata and status, in json", async () => {
    const res = errorResponse(
      new UserError("nope", { code: "bad_thing", metadata: { n: 1 } }),
      "json",
      false,
    );
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toStrictEqual({
      code: "bad_thing",
      message: "nope",
      metadata: { n: 1 },
    });
  });

  test("the body is cbor when the encoding is cbor, and metadata keeps rich values", async () => {
    const res = errorResponse(
      new UserError("nope", { metadata: { at: new Date(2) } }),
      "cbor",
      false,
    );
    expect(res.headers.get("content-type")).toBe("application/cbor");
    const body = decodeCbor(new Uint8Array(await res.arrayBuffer()));
    expect(body).toStrictEqual({
      code: "user_error",
      message: "nope",
      metadata: { at: new Date(2) },
    });
  });

  test("catalogue statuses are used and a missing encoding answers json", async () => {
    const res = errorResponse(new ActorError("actor_not_found", "no actor x"), undefined, false);
    expect(res.status).toBe(404);
    expect(await res.json()).toStrictEqual({ code: "actor_not_found", message: "no actor x" });
  });

  test("internal errors are masked unless exposeInternal (ERR-3, ERR-4)", async () => {
    const masked = errorResponse(new Error("db password wrong"), "json", false);
    expect(masked.status).toBe(500);
    expect(await masked.json()).toStrictEqual({ code: "internal_error", message: MASKED_MESSAGE });
    const exposed = errorResponse(new Error("db password wrong"), "json", true);
    expect(await exposed.json()).toStrictEqual({
      code: "internal_error",
      message: "db password wrong",
    });
  });

  test("metadata json cannot carry is dropped rather than failing the response", async () => {
    const res = errorResponse(new UserError("nope", { metadata: { big: 1n } }), "json", false);
    expect(res.status).toBe(400);
    expect(await res.json()).toStrictEqual({ code: "user_error", message: "nope" });
  });
});
