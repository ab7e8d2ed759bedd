import { randomUUID } from "node:crypto";
import { relative, sep } from "node:path";
import { describe, expect, test } from "vitest";
import { HOSTILE_KEYS } from "../test-support.ts";
import { createLayout, encodeKeyIdentity, isActorId, keyDigest } from "./layout.ts";

const layout = createLayout("/data/run");

describe("actor ids (never a path unless valid)", () => {
  test("accepts the ids this driver issues", () => {
    for (let i = 0; i < 50; i++) expect(isActorId(randomUUID())).toBe(true);
  });

  test.each(
    [
      "",
      "..",
      "../actors/x",
      "a/b",
      "abc\u0000",
      randomUUID().toUpperCase(),
      `${randomUUID()}/`,
      `${randomUUID()}\u0000`,
      "x".repeat(10_000),
      "00000000-0000-0000-0000-000000000000",
    ].map((id) => [
      id.length > 60 ? `${id.slice(0, 20)}... (${id.length} chars)` : JSON.stringify(id),
      id,
    ]),
  )("rejects %s: no actor path at all", (_label, id) => {
    expect(isActorId(id)).toBe(false);
    expect(layout.actorFile(id)).toBeUndefined();
    expect(layout.alarmFile(id)).toBeUndefined();
  });
});

describe("key index names (KEY-1..KEY-4)", () => {
  test("hostile names and keys stay inside keys/ as a fixed-size hex name", () => {
    for (const [name, key] of HOSTILE_KEYS) {
      const path = layout.keyFile(name, key);
      const rel = relative(layout.keysDir, path);
      expect(rel.includes(sep)).toBe(false);
      expect(rel).toMatch(/^[0-9a-f]{64}\.key$/);
    }
  });

  test("no two of the hostile pairs share an encoding or a file", () => {
    const encodings = new Set(HOSTILE_KEYS.map(([n, k]) => encodeKeyIdentity(n, k)));
    const digests = new Set(HOSTILE_KEYS.map(([n, k]) => keyDigest(n, k)));
    expect(encodings.size).toBe(HOSTILE_KEYS.length);
    expect(digests.size).toBe(HOSTILE_KEYS.length);
  });

  test("the encoding separates components: a/b, a,b, [a,b], [] and [''] differ", () => {
    expect(encodeKeyIdentity("n", ["a", "b"])).toBe('["n",["a","b"]]');
    expect(encodeKeyIdentity("n", ["a/b"])).toBe('["n",["a/b"]]');
    expect(encodeKeyIdentity("n", ["a,b"])).toBe('["n",["a,b"]]');
    expect(encodeKeyIdentity("n", [])).toBe('["n",[]]');
    expect(encodeKeyIdentity("n", [""])).toBe('["n",[""]]');
    // JSON decoding inverts the encoding, which is what makes it injective.
    for (const [name, key] of HOSTILE_KEYS) {
      expect(JSON.parse(encodeKeyIdentity(name, key))).toEqual([name, key]);
    }
  });
});
