import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  base64ToBytes,
  base64UrlToBytes,
  bytesToBase64,
  bytesToBase64Url,
  utf8ByteLength,
} from "./base64.ts";

// Node's Buffer is the oracle here; the codec itself must not need it (it runs in workerd).
describe("base64 codecs without Buffer", () => {
  it("encode and decode as Node does, for every length around a chunk", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const b64 = bytesToBase64(bytes);
        expect(b64).toBe(Buffer.from(bytes).toString("base64"));
        expect(base64ToBytes(b64)).toEqual(bytes);
        const url = bytesToBase64Url(bytes);
        expect(url).toBe(Buffer.from(bytes).toString("base64url"));
        expect(base64UrlToBytes(url)).toEqual(bytes);
      }),
    );
    const big = new Uint8Array(0x8000 * 2 + 1).map((_, i) => i % 251);
    expect(base64ToBytes(bytesToBase64(big))).toEqual(big);
  });

  it("refuses text outside the alphabet or of an impossible length", () => {
    for (const bad of ["A", "AB=", "A===", "AB!C", "ABC=D", " QQ=="]) {
      expect(base64ToBytes(bad), bad).toBeUndefined();
    }
    for (const bad of ["A", "AB+C", "AB/C", "AB=C", "ABCDE"]) {
      expect(base64UrlToBytes(bad), bad).toBeUndefined();
    }
    expect(base64ToBytes("")).toEqual(new Uint8Array(0));
  });

  it("measures UTF-8 as Node does, lone surrogates included", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary" }),
        fc.string({
          unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
        }),
        (text, surrogates) => {
          expect(utf8ByteLength(text)).toBe(Buffer.byteLength(text, "utf8"));
          expect(utf8ByteLength(surrogates + text)).toBe(
            Buffer.byteLength(surrogates + text, "utf8"),
          );
        },
      ),
    );
  });
});
