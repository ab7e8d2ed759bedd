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

/** How a step from a container to one of its items is named in a path. */
const INDEX = 0;
const KEY = 1;
const MAP_KEY = 2;
const MAP_VALUE = 3;
const SET_VALUE = 4;

/**
 * Stacks deeper than this look ancestors up in a Map rather than by a scan of the stack, so a
 * deep value costs linear time while a shallow one (every message) allocates no Map.
 */
const SCAN_DEPTH = 16;

/**
 * One walk's state. The path of the value being visited is kept as a stack of steps and turned
 * into text only when a value fails, so a walk that succeeds builds no strings.
 */
class Walk {
  readonly rules: ValueRules;
  readonly root: string;
  negativeZero = false;
  /**
   * The objects being visited, outermost first, each followed by the number of path steps at
   * which it was entered (two entries per object).
   */
  readonly ancestors: unknown[] = [];
  /** Object to its index in `ancestors`, kept once the stack passed SCAN_DEPTH objects. */
  ancestorIndex: Map<object, number> | undefined;
  /** The path, three entries per step: its kind, its key (property, Map key), its position. */
  readonly steps: unknown[] = [];

  constructor(rules: ValueRules, root: string) {
    this.rules = rules;
    this.root = root;
  }

  push(kind: number, key: unknown, position: number): void {
    this.steps.push(kind, key, position);
  }

  pop(): void {
    this.steps.length -= 3;
  }

  /** The first `depth` steps of the path as text (all of them by default). */
  path(depth = this.steps.length / 3): string {
    let path = this.root;
    for (let i = 0; i < depth; i++) {
      const kind = this.steps[3 * i];
      const key = this.steps[3 * i + 1];
      const position = this.steps[3 * i + 2] as number;
      switch (kind) {
        case INDEX:
          path = `${path}[${position}]`;
          break;
        case KEY:
          path = child(path, key as string);
          break;
        case MAP_KEY:
          path = `${path}.keys()[${position}]`;
          break;
        case MAP_VALUE:
          path = `${path}.get(${keyLabel(key, position)})`;
          break;
        default:
          path = `${path}.values()[${position}]`;
      }
    }
    return path;
  }

  /** The path depth at which `object` was entered, if it is an ancestor; -1 otherwise. */
  ancestorDepth(object: object): number {
    const index =
      this.ancestorIndex !== undefined
        ? (this.ancestorIndex.get(object) ?? -1)
        : this.ancestors.indexOf(object);
    return index === -1 ? -1 : (this.ancestors[index + 1] as number);
  }

  enter(object: object): void {
    const index = this.ancestors.length;
    this.ancestors.push(object, this.steps.length / 3);
    if (this.ancestorIndex !== undefined) this.ancestorIndex.set(object, index);
    else if (index >= 2 * SCAN_DEPTH) {
      this.ancestorIndex = new Map();
      for (let i = 0; i < this.ancestors.length; i += 2) {
        this.ancestorIndex.set(this.ancestors[i] as object, i);
      }
    }
  }

  leave(): void {
    const object = this.ancestors[this.ancestors.length - 2] as object;
    this.ancestors.length -= 2;
    this.ancestorIndex?.delete(object);
  }

  fail(what: string): never {
    return fail(this.path(), what);
  }
}

/**
 * Walks `value` under the rules of one encoding and returns what it found. Throws
 * `serialization_error` naming the path and kind of the first value the encoding cannot carry
 * exactly: for both, functions, symbols (as values or keys), class instances and cycles; for
 * json also BigInt, Date, Map, Set, binary data, `undefined` inside an array, NaN and ±Infinity;
 * for cbor also ArrayBuffer/DataView (send a Uint8Array) and own `__proto__` keys.
 * `path` is the name of the root; "" names children without a prefix (`args[0]`, not `.args[0]`).
 */
export function walkValue(value: unknown, path: string, rules: ValueRules): WalkFacts {
  // Primitives, the common leaves, need no walk state.
  if (typeof value !== "object" || value === null) {
    if (typeof value === "number") {
      if (rules === "json" && !Number.isFinite(value)) fail(path, `is ${value}; ${JSON_ONLY}`);
      return { negativeZero: Object.is(value, -0) };
    }
    if (typeof value === "string" || typeof value === "boolean" || value == null) {
      return { negativeZero: false };
    }
  }
  const walk = new Walk(rules, path);
  try {
    visit(value, walk);
  } catch (error) {
    // Nesting deep enough to exhaust the stack cannot be encoded by either encoder anyway.
    if (error instanceof RangeError) {
      throw new ActorError("serialization_error", `${label(path)} is nested too deeply to encode`);
    }
    throw error;
  }
  return { negativeZero: walk.negativeZero };
}

function visit(value: unknown, walk: Walk): void {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
      return;
    case "number":
      if (walk.rules === "json" && !Number.isFinite(value)) walk.fail(`is ${value}; ${JSON_ONLY}`);
      if (value === 0 && 1 / value < 0) walk.negativeZero = true;
      return;
    case "bigint":
      if (walk.rules === "json") walk.fail(`is a BigInt; ${JSON_ONLY}`);
      if (bignumBytes(value) > MAX_BIGNUM_BYTES) {
        walk.fail(
          `is a BigInt of ${bignumBytes(value)} bytes; the limit is ${MAX_BIGNUM_BYTES} bytes`,
        );
      }
      return;
    case "function":
      walk.fail("is a function; no encoding carries functions");
      return;
    case "symbol":
      walk.fail("is a symbol; no encoding carries symbols");
      return;
  }
  if (value === null) return;
  const object = value as object;
  const seenDepth = walk.ancestorDepth(object);
  if (seenDepth !== -1) {
    const seenAt = walk.path(seenDepth);
    walk.fail(`refers back to ${label(seenAt)} (a cycle); values must be trees`);
  }
  walk.enter(object);
  visitObject(object, walk);
  walk.leave();
}

function visitObject(object: object, walk: Walk): void {
  const rules = walk.rules;
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      const item = object[i];
      walk.push(INDEX, undefined, i);
      if (item === undefined && rules === "json")
        walk.fail(`is undefined inside an array; ${JSON_ONLY}`);
      visit(item, walk);
      walk.pop();
    }
    return;
  }
  const proto = Object.getPrototypeOf(object);
  if (proto === Object.prototype || proto === null) {
    if (Object.getOwnPropertySymbols(object).length > 0) {
      walk.fail("has a symbol-keyed property; no encoding carries symbol keys");
    }
    for (const key of Object.keys(object)) {
      if (key === "__proto__" && rules === "cbor") {
        walk.fail('has an own "__proto__" property, which cbor cannot decode back exactly');
      }
      walk.push(KEY, key, 0);
      visit((object as Record<string, unknown>)[key], walk);
      walk.pop();
    }
    return;
  }
  if (rules === "json") walk.fail(`is ${describe(object)}; ${JSON_ONLY}`);
  if (object instanceof Date) return;
  if (object instanceof Map) {
    let i = 0;
    for (const [key, item] of object) {
      walk.push(MAP_KEY, undefined, i);
      visit(key, walk);
      walk.pop();
      walk.push(MAP_VALUE, key, i);
      visit(item, walk);
      walk.pop();
      i++;
    }
    return;
  }
  if (object instanceof Set) {
    let i = 0;
    for (const item of object) {
      walk.push(SET_VALUE, undefined, i++);
      visit(item, walk);
      walk.pop();
    }
    return;
  }
  if (ArrayBuffer.isView(object) && !(object instanceof DataView)) {
    // Buffer and other Uint8Array subclasses decode as Uint8Array; other subclasses would not.
    if (object instanceof Uint8Array || CBOR_TYPED_ARRAYS.has(object.constructor)) return;
  }
  if (object instanceof ArrayBuffer || object instanceof DataView) {
    walk.fail(`is ${describe(object)}; cbor carries binary data as a Uint8Array (wrap it)`);
  }
  walk.fail(
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
