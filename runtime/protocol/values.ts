/**
 * Value rules and the CBOR codec (docs/protocol.md, "Values"; clauses ACT-2, EVT-4). JSON carries
 * JSON values only; CBOR carries every value kind the runtime promises, exactly.
 */
import { addExtension, Encoder } from "cbor-x";
import { ActorError } from "../actor/errors.ts";
import { plainBytes } from "./base64.ts";
import { checkCborPolicy, MAX_NESTING_DEPTH } from "./decode-policy.ts";
import { walkValue } from "./value-walk.ts";

/**
 * Throws `serialization_error` unless `value` is carried exactly by the json encoding: `null`,
 * booleans, finite numbers, strings, arrays and plain objects. Object properties holding
 * `undefined` are allowed (they are omitted on the wire), and so is `undefined` at the root
 * (the value is absent); `-0` is allowed (sent as `0`). The message names the path and kind,
 * e.g. `args[0].when is a Date; the json encoding carries JSON values only (use cbor)`.
 * Rejected: BigInt, Date, Map, Set, typed arrays, ArrayBuffer, `undefined` inside an array,
 * NaN, ±Infinity, functions, symbols, class instances and cycles.
 */
export function assertJsonEncodable(value: unknown, path = "value"): void {
  walkValue(value, path, "json");
}

/** True when {@link assertJsonEncodable} would accept `value`. Never throws. */
export function isJsonEncodable(value: unknown): boolean {
  try {
    walkValue(value, "", "json");
    return true;
  } catch {
    return false;
  }
}

/**
 * Throws `serialization_error` unless `value` is carried exactly by the cbor encoding: it rejects
 * functions, symbols, class instances, ArrayBuffer/DataView (send a Uint8Array), own
 * `__proto__` keys and cycles, naming the path like {@link assertJsonEncodable}.
 */
export function assertCborEncodable(value: unknown, path = "value"): void {
  walkValue(value, path, "cbor");
}

const COMMON_OPTIONS = {
  // Records and structured clone are cbor-x extensions other decoders cannot read.
  useRecords: false,
  structuredClone: false,
  pack: false,
  bundleStrings: false,
  // Plain objects decode as objects; Maps are written with tag 259 and decode as Maps.
  mapsAsObjects: true,
  useTag259ForMaps: true,
  // A Uint8Array is a plain byte string (major type 2), not tag 64.
  tagUint8Array: false,
  // Copies byte strings out of the frame, as plain Uint8Arrays (never Buffer views of it).
  copyBuffers: true,
  variableMapSize: true,
  largeBigIntToFloat: false,
  int64AsNumber: false,
} as const;

/**
 * The encoder for values without `-0`: integers up to 32 bits are CBOR integers, other numbers
 * float64, BigInts 64-bit integers or bignums (tags 2/3), so each decodes to its own type.
 */
const encoder = new Encoder(COMMON_OPTIONS);
/** cbor-x writes `-0` as the integer 0; writing every number as a float keeps its sign. */
const floatEncoder = new Encoder({ ...COMMON_OPTIONS, alwaysUseFloat: true });

/**
 * Tag 1 (epoch seconds, RFC 8949 section 3.4.2) decoded to the exact millisecond. cbor-x's own
 * decoder rounds `seconds * 1000`, which is off by one for some dates far from 1970; the float
 * seconds of two different millisecond times always differ, so the neighbour that maps back to
 * the same seconds is the original.
 */
addExtension({
  // Decode-only: cbor-x's built-in encoder for Date already writes tag 1.
  tag: 1,
  decode(value: unknown): Date {
    // Other encoders may write whole seconds as a 64-bit integer, which decodes as a BigInt.
    const seconds = typeof value === "bigint" ? Number(value) : value;
    if (typeof seconds !== "number") throw new Error("tag 1 must hold a number of seconds");
    const guess = Math.round(seconds * 1000);
    for (const ms of [guess, guess - 1, guess + 1]) {
      if (ms / 1000 === seconds) return new Date(ms);
    }
    return new Date(guess);
  },
} as unknown as Parameters<typeof addExtension>[0]);

/**
 * Tags 28/29 (value sharing) let a peer build cycles and aliases; the protocol carries trees
 * only, so they are refused at decode time instead of reaching actor code.
 */
for (const tag of [28, 29]) {
  addExtension({
    tag,
    decode(): never {
      throw new Error(`tag ${tag} (shared values) is not allowed; values must be trees`);
    },
  } as unknown as Parameters<typeof addExtension>[0]);
}

/**
 * Encodes any CBOR-carried value (see {@link assertCborEncodable}) as RFC 8949 bytes. Values
 * never pass through JSON. Throws `serialization_error` naming the path of a value that cannot
 * be carried. Returns a plain Uint8Array (not a Buffer).
 */
export function encodeCbor(value: unknown): Uint8Array {
  const facts = walkValue(value, "", "cbor");
  try {
    return plainBytes((facts.negativeZero ? floatEncoder : encoder).encode(value));
  } catch (error) {
    throw new ActorError(
      "serialization_error",
      `value cannot be encoded as cbor: ${reason(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** Options of {@link decodeCbor}. */
export interface DecodeCborOptions {
  /**
   * Deepest nesting accepted (see MAX_NESTING_DEPTH, the default for payloads from a peer).
   * Persisted state, which the runtime wrote itself, is read with `Infinity`.
   */
  maxDepth?: number;
}

/**
 * Decodes one complete CBOR item. Byte strings come back as plain Uint8Arrays, tag 259 maps as
 * Map, tag 258 as Set, tag 1 as Date, 64-bit integers and bignums as BigInt. Before cbor-x runs,
 * the item passes the decoder policy (`checkCborPolicy`: allowed tags only, bignums of at most
 * 1024 bytes, no simple values beyond false/true/null/undefined, nesting at most `maxDepth`).
 * Throws `malformed_message` for bytes that are not exactly one well-formed item within that
 * policy (truncated, trailing bytes, bad tokens, a refused tag, too deep).
 */
export function decodeCbor(
  bytes: Uint8Array | ArrayBuffer,
  options: DecodeCborOptions = {},
): unknown {
  const input = plainBytes(bytes);
  if (input.byteLength === 0) throw new ActorError("malformed_message", "cbor message is empty");
  checkCborPolicy(input, options.maxDepth ?? MAX_NESTING_DEPTH);
  try {
    return encoder.decode(input);
  } catch (error) {
    throw new ActorError("malformed_message", `cbor message cannot be decoded: ${reason(error)}`, {
      cause: error,
    });
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
