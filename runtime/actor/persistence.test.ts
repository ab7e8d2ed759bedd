import { describe, expect, test } from "vitest";
import { encodeCbor } from "../protocol/values.ts";
import { ActorError } from "./errors.ts";
import {
  createInitialPersistedData,
  decodePersistedData,
  encodePersistedData,
  type PersistedActor,
} from "./persistence.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ActorError ? error.code : `not an ActorError: ${String(error)}`;
  }
  return undefined;
}

describe("persisted blob", () => {
  test("createInitialPersistedData() stores the input, uninitialized, with an empty schedule (MGR-6)", () => {
    const input = {
      when: new Date(5),
      big: 10n,
      bytes: new Uint8Array([1, 2]),
      tags: new Set(["a"]),
    };
    const blob = decodePersistedData(createInitialPersistedData(input), "a1");
    expect(blob).toEqual({ version: 1, input, initialized: false, state: undefined, schedule: [] });
    expect(blob.input).toStrictEqual(input);
  });

  test("a blob round-trips Map, Set, BigInt, Date, bytes, undefined and NaN in state exactly (PERSIST-4)", () => {
    const data: PersistedActor = {
      version: 1,
      input: undefined,
      initialized: true,
      state: {
        m: new Map([["k", 1n]]),
        s: new Set([1]),
        d: new Date(7),
        b: new Uint8Array([9]),
        u: undefined,
        n: NaN,
      },
      schedule: [{ id: "e1", timestamp: 10, action: "tick", args: [1, "x"] }],
    };
    expect(decodePersistedData(encodePersistedData(data), "a1")).toStrictEqual(data);
  });

  test("bytes that are not a blob are persisted_data_corrupt naming the actor (PERSIST-5)", () => {
    expect(codeOf(() => decodePersistedData(new Uint8Array([0xff, 0x00, 0x13]), "a1"))).toBe(
      "persisted_data_corrupt",
    );
    expect(codeOf(() => decodePersistedData(new Uint8Array(), "a1"))).toBe(
      "persisted_data_corrupt",
    );
    expect(codeOf(() => decodePersistedData(encodeCbor({ hello: 1 }), "a1"))).toBe(
      "persisted_data_corrupt",
    );
    const future = encodeCbor({
      version: 2,
      input: null,
      initialized: true,
      state: null,
      schedule: [],
    });
    expect(() => decodePersistedData(future, "a1")).toThrow(
      /actor a1 .*not a version 1 actor blob/,
    );
  });

  test("a state the encoding cannot carry is invalid_state_type naming its path", () => {
    const data: PersistedActor = {
      version: 1,
      input: undefined,
      initialized: true,
      state: { cb: () => 1 },
      schedule: [],
    };
    expect(codeOf(() => encodePersistedData(data))).toBe("invalid_state_type");
    expect(() => encodePersistedData(data)).toThrow(/state\.cb is a function/);
  });
});
