/**
 * The value rules of the two encodings (docs/protocol.md, "Values"): one walk that finds the
 * first value an encoding cannot carry exactly and names it by path.
 */
import { ActorError } from "../actor/errors.ts";
import { MAX_BIGNUM_BYTES } from "./decode-policy.ts";

/** Which encoding's rules a walk applies. */
export type ValueRules = "json" | "cbor";

/** What a successful walk learned about the value. */
export interface WalkFacts {
  /** True when a `-0` occurs anywhere; CBOR then writes numbers as floats to keep its sign. */
  negativeZero: boolean;
}

/** Typed arrays CBOR carries with their RFC 8746 tags, so they decode back to their own class. */
const CBOR_TYPED_ARRAYS = new Set<unknown>([
  Uint8Array,
  Uint8ClampedArray,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
]);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const JSON_ONLY = "the json encoding carries JSON values only (use cbor)";

/**
 * Walks `value` under the rules of one encoding and returns what it found. Throws
 * `serialization_error` naming the path and kind of the first value the encoding cannot carry
 * exactly: for both, functions, symbols (as values or keys), class instances and cycles; for
 * json also BigInt, Date, Map, Set, binary data, `undefined` inside an array, NaN and ±Infinity;
 * for cbor also ArrayBuffer/DataView (send a Uint8Array) and own `__proto__` keys.
 * `path` is the name of the root; "" names children without a prefix (`args[0]`, not `.args[0]`).
 */
export function walkValue(value: unknown, path: string, rules: ValueRules): WalkFacts {
  const facts: WalkFacts = { negativeZero: false };
  try {
    visit(value, path, rules, new Map(), facts);
  } catch (error) {
    // Nesting deep enough to exhaust the stack cannot be encoded by either encoder anyway.
    if (error instanceof RangeError) {
      throw new ActorError("serialization_error", `${label(path)} is nested too deeply to encode`);
    }
    throw error;
  }
  return facts;
}

function visit(
  value: unknown,
  path: string,
  rules: ValueRules,
  ancestors: Map<object, string>,
  facts: WalkFacts,
): void {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
      return;
    case "number":
      if (rules === "json" && !Number.isFinite(value)) fail(path, `is ${value}; ${JSON_ONLY}`);
      if (Object.is(value, -0)) facts.negativeZero = true;
      return;
    case "bigint":
      if (rules === "json") fail(path, `is a BigInt; ${JSON_ONLY}`);
      if (bignumBytes(value) > MAX_BIGNUM_BYTES) {
        fail(
          path,
          `is a BigInt of ${bignumBytes(value)} bytes; the limit is ${MAX_BIGNUM_BYTES} bytes`,
        );
      }
      return;
    case "function":
      fail(path, "is a function; no encoding carries functions");
      return;
    case "symbol":
      fail(path, "is a symbol; no encoding carries symbols");
      return;
  }
  if (value === null) return;
  const object = value as object;
  const seenAt = ancestors.get(object);
  if (seenAt !== undefined) {
    fail(path, `refers back to ${label(seenAt)} (a cycle); values must be trees`);
  }
  ancestors.set(object, path);
  try {
    visitObject(object, path, rules, ancestors, facts);
  } finally {
    ancestors.delete(object);
  }
}

function visitObject(
  object: object,
  path: string,
  rules: ValueRules,
  ancestors: Map<object, string>,
  facts: WalkFacts,
): void {
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      const item = object[i];
      const itemPath = `${path}[${i}]`;
      if (item === undefined && rules === "json")
        fail(itemPath, `is undefined inside an array; ${JSON_ONLY}`);
      visit(item, itemPath, rules, ancestors, facts);
    }
    return;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto === Object.prototype || proto === null) {
    if (Object.getOwnPropertySymbols(object).length > 0) {
      fail(path, "has a symbol-keyed property; no encoding carries symbol keys");
    }
    for (const key of Object.keys(object)) {
      if (key === "__proto__" && rules === "cbor") {
        fail(path, 'has an own "__proto__" property, which cbor cannot decode back exactly');
      }
      visit((object as Record<string, unknown>)[key], child(path, key), rules, ancestors, facts);
    }
    return;
  }
  if (rules === "json") fail(path, `is ${describe(object)}; ${JSON_ONLY}`);
  if (object instanceof Date) return;
  if (object instanceof Map) {
    let i = 0;
    for (const [key, item] of object) {
      visit(key, `${path}.keys()[${i}]`, rules, ancestors, facts);
      visit(item, `${path}.get(${keyLabel(key, i)})`, rules, ancestors, facts);
      i++;
    }
    return;
  }
  if (object instanceof Set) {
    let i = 0;
    for (const item of object) visit(item, `${path}.values()[${i++}]`, rules, ancestors, facts);
    return;
  }
  if (ArrayBuffer.isView(object) && !(object instanceof DataView)) {
    // Buffer and other Uint8Array subclasses decode as Uint8Array; other subclasses would not.
    if (object instanceof Uint8Array || CBOR_TYPED_ARRAYS.has(object.constructor)) return;
  }
  if (object instanceof ArrayBuffer || object instanceof DataView) {
    fail(path, `is ${describe(object)}; cbor carries binary data as a Uint8Array (wrap it)`);
  }
  fail(
    path,
    `is ${describe(object)}; only plain objects, arrays, Map, Set, Date and typed arrays are carried`,
  );
}

/** Bytes of the tag 2/3 byte string cbor writes for `value` (0 when it fits 64 bits). */
function bignumBytes(value: bigint): number {
  const magnitude = value < 0n ? -1n - value : value;
  if (magnitude <= 0xffff_ffff_ffff_ffffn) return 0;
  return Math.ceil(magnitude.toString(16).length / 2);
}

/** `a Date`, `a Map`, `an instance of Point`, `an object with a custom prototype`. */
function describe(object: object): string {
  if (object instanceof Date) return "a Date";
  if (object instanceof Map) return "a Map";
  if (object instanceof Set) return "a Set";
  if (object instanceof ArrayBuffer) return "an ArrayBuffer";
  if (object instanceof DataView) return "a DataView";
  if (ArrayBuffer.isView(object)) return `a ${object.constructor?.name ?? "typed array"}`;
  const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name === "string" && name !== "" && name !== "Object") return `an instance of ${name}`;
  return "an object with a custom prototype";
}

function child(path: string, key: string): string {
  if (IDENTIFIER.test(key)) return path === "" ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function keyLabel(key: unknown, index: number): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "number" || typeof key === "boolean") return String(key);
  if (typeof key === "bigint") return `${key}n`;
  return `<key ${index}>`;
}

function label(path: string): string {
  return path === "" ? "the value" : path;
}

function fail(path: string, what: string): never {
  throw new ActorError("serialization_error", `${label(path)} ${what}`);
}
