/**
 * The decoder policy (docs/protocol.md, "Values" and "Decoding limits"): what a peer may put in
 * a payload before any decoder builds a value from it. A CBOR item is pre-scanned (a linear walk
 * of its heads, no values built): only the tags the protocol lists, bignums of bounded size,
 * only the simple values false/true/null/undefined, and bounded nesting. JSON text is scanned
 * for its nesting depth. Each rule fails with `malformed_message` naming the rule, before
 * cbor-x or JSON.parse run, so an adversarial payload costs time linear in its size.
 */
import { ActorError } from "../actor/errors.ts";

/**
 * Deepest nesting accepted in a decoded payload: arrays and maps (objects, `Map`, `Set`), each
 * counting one level, the payload's own envelope included (an action body `{ args: [...] }`
 * uses two). Deeper payloads fail with `malformed_message` (ERR-5).
 */
export const MAX_NESTING_DEPTH = 128;

/**
 * Largest bignum accepted, in bytes of its CBOR tag 2/3 byte string (8,192 bits). cbor-x turns a
 * bignum into a BigInt in time quadratic in its length, so larger ones are refused unread.
 */
export const MAX_BIGNUM_BYTES = 1024;

/** RFC 8746 typed-array tags cbor-x decodes to the matching typed array (both byte orders). */
const TYPED_ARRAY_TAGS = [
  64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 77, 78, 79, 81, 82, 85, 86,
];

/** What each allowed tag must wrap: a number, a byte string, an array or a map. */
type TagContent = "number" | "bytes" | "array" | "map";

/**
 * Every tag a payload may carry, with what it wraps (docs/protocol.md, "Values"): 1 (epoch Date),
 * 2/3 (bignums), 258 (Set), 259 (Map) and the typed arrays. Anything else (27 builds RegExp and
 * Error objects in cbor-x, 28/29 share values, unknown tags give library objects) is refused.
 */
const ALLOWED_TAGS = new Map<number, TagContent>([
  [1, "number"],
  [2, "bytes"],
  [3, "bytes"],
  [258, "array"],
  [259, "map"],
  ...TYPED_ARRAY_TAGS.map((tag): [number, TagContent] => [tag, "bytes"]),
]);

const MAJOR_NAMES = [
  "an unsigned integer",
  "a negative integer",
  "a byte string",
  "a text string",
  "an array",
  "a map",
  "a tag",
  "a simple value or float",
];

function refuse(why: string): never {
  throw new ActorError("malformed_message", `cbor message is refused: ${why}`);
}

/**
 * The state of one pre-scan: the input, the read offset, and the open containers as a stack of
 * item counts still expected (Infinity for an indefinite container, which ends with a break).
 * Plain methods rather than closures, so a scan allocates nothing per call beyond this object.
 */
class PolicyScan {
  readonly bytes: Uint8Array;
  readonly maxDepth: number;
  offset = 0;
  readonly remaining: number[] = [];

  constructor(bytes: Uint8Array, maxDepth: number) {
    this.bytes = bytes;
    this.maxDepth = maxDepth;
  }

  need(count: number): void {
    if (this.offset + count > this.bytes.length) refuse(`truncated at byte ${this.offset}`);
  }

  /** The argument of a head with additional info `info`; -1 for indefinite length. */
  argument(info: number): number {
    if (info < 24) return info;
    const bytes = this.bytes;
    const at = this.offset;
    if (info === 24) {
      this.need(1);
      this.offset += 1;
      return bytes[at];
    }
    if (info === 25) {
      this.need(2);
      this.offset += 2;
      return (bytes[at] << 8) | bytes[at + 1];
    }
    if (info === 26) {
      this.need(4);
      this.offset += 4;
      return readUint32(bytes, at);
    }
    if (info === 27) {
      this.need(8);
      this.offset += 8;
      const high = readUint32(bytes, at);
      // Lengths this large cannot fit the payload; integers keep their value elsewhere.
      if (high > 0x1fffff) return Number.MAX_SAFE_INTEGER;
      return high * 0x1_0000_0000 + readUint32(bytes, at + 4);
    }
    if (info === 31) return -1;
    return refuse(`reserved additional information ${info} at byte ${this.offset - 1}`);
  }

  /** One item finished: count it against its container, closing containers that are full. */
  finished(): void {
    const stack = this.remaining;
    while (stack.length > 0) {
      const top = stack.length - 1;
      if (stack[top] === Number.POSITIVE_INFINITY) return;
      stack[top]--;
      if (stack[top] > 0) return;
      stack.pop();
    }
  }

  open(items: number, indefinite: boolean): void {
    if (this.remaining.length + 1 > this.maxDepth) {
      refuse(`nesting is deeper than ${this.maxDepth} levels`);
    }
    if (!indefinite && items === 0) {
      this.finished();
      return;
    }
    this.remaining.push(indefinite ? Number.POSITIVE_INFINITY : items);
  }
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) >>> 0) + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}

/**
 * Checks that `bytes` hold exactly one CBOR item (RFC 8949) within the policy: tags from the
 * allowed list wrapping what they must, bignums of at most {@link MAX_BIGNUM_BYTES} bytes,
 * simple values 20..23 only, definite-length strings only (cbor-x reads no others), nesting
 * at most `maxDepth` (default {@link MAX_NESTING_DEPTH}); indefinite arrays and maps are fine.
 * Runs in time linear in `bytes.length` with no recursion. Throws `malformed_message` naming
 * the first violation, truncation or trailing bytes.
 */
export function checkCborPolicy(bytes: Uint8Array, maxDepth = MAX_NESTING_DEPTH): void {
  const scan = new PolicyScan(bytes, maxDepth);
  const stack = scan.remaining;
  // What the enclosing tag requires of the next item, if any.
  let tagNeeds: { tag: number; content: TagContent } | undefined;

  let done = false;
  while (!done) {
    scan.need(1);
    const head = bytes[scan.offset++];
    const major = head >> 5;
    const info = head & 31;
    if (major === 7 && info === 31) {
      const top = stack.length === 0 ? undefined : stack[stack.length - 1];
      if (top !== Number.POSITIVE_INFINITY || tagNeeds !== undefined) {
        refuse(`unexpected break code at byte ${scan.offset - 1}`);
      }
      stack.pop();
      scan.finished();
      done = stack.length === 0;
      continue;
    }
    const required = tagNeeds;
    tagNeeds = undefined;
    if (required !== undefined) checkTagContent(required, major, info);
    const arg = scan.argument(info);
    switch (major) {
      case 0:
      case 1:
        if (arg === -1)
          refuse(`an integer cannot have indefinite length (byte ${scan.offset - 1})`);
        scan.finished();
        break;
      case 2:
      case 3: {
        // cbor-x reads definite-length strings only.
        if (arg === -1) {
          refuse(`indefinite-length strings are not supported (byte ${scan.offset - 1})`);
        }
        scan.need(arg);
        scan.offset += arg;
        if (required !== undefined && (required.tag === 2 || required.tag === 3)) {
          if (arg > MAX_BIGNUM_BYTES) {
            refuse(
              `a bignum (tag ${required.tag}) of ${arg} bytes exceeds the limit of ${MAX_BIGNUM_BYTES} bytes`,
            );
          }
        }
        scan.finished();
        break;
      }
      case 4:
        scan.open(arg, arg === -1);
        break;
      case 5:
        scan.open(arg === -1 ? 0 : arg * 2, arg === -1);
        break;
      case 6: {
        const content = ALLOWED_TAGS.get(arg);
        if (content === undefined) {
          refuse(`tag ${arg} is not allowed (allowed: 1, 2, 3, 258, 259 and typed arrays)`);
        }
        tagNeeds = { tag: arg, content };
        break;
      }
      default:
        // Major 7: 20..23 are false, true, null, undefined; 25..27 are floats.
        if (info < 20 || info === 24) {
          refuse(
            `simple value ${info === 24 ? "(one byte)" : info} at byte ${scan.offset - 1} is not allowed`,
          );
        }
        scan.finished();
    }
    if (stack.length === 0 && tagNeeds === undefined && major !== 6) done = true;
  }
  if (scan.offset !== bytes.length) {
    refuse(`${bytes.length - scan.offset} trailing bytes after the item`);
  }
}

function checkTagContent(
  required: { tag: number; content: TagContent },
  major: number,
  info: number,
): void {
  const { tag, content } = required;
  const ok =
    (content === "number" &&
      (major === 0 || major === 1 || (major === 7 && info >= 25 && info <= 27))) ||
    (content === "bytes" && major === 2) ||
    (content === "array" && major === 4) ||
    (content === "map" && major === 5);
  if (!ok) {
    const wants =
      content === "number"
        ? "a number"
        : content === "bytes"
          ? "a byte string"
          : `${content === "array" ? "an array" : "a map"}`;
    refuse(`tag ${tag} must wrap ${wants}, not ${MAJOR_NAMES[major]}`);
  }
}

/**
 * Checks the nesting depth of JSON text without parsing it: `[` and `{` outside strings open a
 * level, `]` and `}` close one. Linear in the text; malformed JSON is left to JSON.parse. Throws
 * `malformed_message` when the depth exceeds `maxDepth` (default {@link MAX_NESTING_DEPTH}).
 */
export function checkJsonDepth(text: string, maxDepth = MAX_NESTING_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
      continue;
    }
    if (ch === 0x22) inString = true;
    else if (ch === 0x5b || ch === 0x7b) {
      depth++;
      if (depth > maxDepth) {
        throw new ActorError(
          "malformed_message",
          `json payload is refused: nesting is deeper than ${maxDepth} levels`,
        );
      }
    } else if (ch === 0x5d || ch === 0x7d) depth--;
  }
}
