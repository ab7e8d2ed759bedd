/**
 * Manager suite, key rules: whole-array comparison, separators, empty keys, unicode, limits,
 * and one key under two actor names (clauses KEY-1..KEY-4, MGR-7). Run per client type.
 */
import type { SuiteBuilder } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { clientOf, expectCode, show } from "./core-support.ts";

const CLIENT = ["client"] as const;

/** `<name>[key].getCount()` through a fresh `get` handle. */
function countOf(
  t: TestContext,
  key: string[],
  name: "counter" | "twinCounter" = "counter",
): Promise<number> {
  return t.step(`${name}${show(key)}.getCount`, clientOf(t)[name].get(key).getCount());
}

/** Registers the key-rule tests into the manager suite. */
export function registerKeyRuleTests(s: SuiteBuilder): void {
  s.test({
    id: "key-exact-match",
    title: "keys match as whole arrays: neither a prefix nor an extension of a key names its actor",
    clause: "KEY-1",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const base = t.uniqueKey("match")[0];
      const key = [base, "test", "us-east"];
      t.expect(await t.step("increment", c.counter.getOrCreate(key).increment(10))).toBe(10);
      t.expect(await countOf(t, key), "the same key finds the actor").toBe(10);
      for (const other of [[base, "test"], [base], [...key, "extra"], [base, "us-east", "test"]]) {
        const count = await t.step(
          `getOrCreate(${show(other)})`,
          c.counter.getOrCreate(other).getCount(),
        );
        t.expect(count, `key ${show(other)} must be a different actor from ${show(key)}`).toBe(0);
      }
    },
  });

  s.test({
    id: "key-separators",
    title: "keys that would collide if joined with a separator are different actors",
    clause: "KEY-2",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const u = t.uniqueKey("sep")[0];
      const keys = [
        [u, "a", "b"],
        [u, "a/b"],
        [u, "a,b"],
        [u, "b", "a"],
        [u, "a\\", "b"],
        [u, "a\\,b"],
        [u, "a%2Fb"],
        [`${u}/a`, "b"],
        [u, "a", "b", ""],
      ];
      for (const [i, key] of keys.entries()) {
        t.expect(
          await t.step(`increment ${show(key)}`, c.counter.getOrCreate(key).increment(i + 1)),
          `key ${show(key)} is a new actor`,
        ).toBe(i + 1);
      }
      for (const [i, key] of keys.entries()) {
        t.expect(await countOf(t, key), `key ${show(key)} kept its own count`).toBe(i + 1);
      }
    },
  });

  s.test({
    id: "key-empty",
    title: 'no key and [] are one actor; [""] and ["", ""] are others',
    clause: "KEY-3",
    axes: CLIENT,
    run: async (t) => {
      // A fresh driver per test: the empty key is not shared with other tests.
      const c = clientOf(t);
      t.expect(await t.step("no key", c.twinCounter.getOrCreate().increment(12))).toBe(12);
      t.expect(
        await t.step("[]", c.twinCounter.getOrCreate([]).getCount()),
        "[] is the same actor as no key",
      ).toBe(12);
      t.expect(await t.step("get()", c.twinCounter.get().getCount()), "get() finds it too").toBe(
        12,
      );
      t.expect(
        await t.step('[""]', c.twinCounter.getOrCreate([""]).increment(1)),
        '[""] is a different actor from []: a fresh counter incremented by 1 must read 1 (a higher count means [""] reached the [] actor, which holds 12)',
      ).toBe(1);
      t.expect(
        await t.step('["",""]', c.twinCounter.getOrCreate(["", ""]).increment(2)),
        '["",""] is a different actor from [""]',
      ).toBe(2);
      t.expect(await t.step('[""] again', c.twinCounter.get([""]).getCount())).toBe(1);
      t.expect(await t.step("[] again", c.twinCounter.get([]).getCount())).toBe(12);
      const keyed = t.uniqueKey("with-keys");
      t.expect(
        await t.step("keyed", c.twinCounter.getOrCreate(keyed).getCount()),
        "a keyed actor does not match the no-key actor",
      ).toBe(0);
    },
  });

  s.test({
    id: "key-unicode",
    title: "unicode key components are valid and round-trip exactly, without normalisation",
    clause: "KEY-4",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const u = t.uniqueKey("uni")[0];
      // "é" precomposed and decomposed are different strings; so are the two quote forms.
      const keys = [
        [u, "ключ", "🔑"],
        [u, "\u00e9"],
        [u, "e\u0301"],
        [u, "\"'`"],
        [u, "中文 空格"],
        [u, "\u{1F600}\u200d"],
      ];
      const ids: string[] = [];
      for (const [i, key] of keys.entries()) {
        const handle = c.counter.getOrCreate(key);
        t.expect(
          await t.step(`increment ${show(key)}`, handle.increment(i + 1)),
          `key ${show(key)} is its own actor`,
        ).toBe(i + 1);
        const id = await t.step("resolve", handle.resolve());
        ids.push(id);
        const who = await t.step("whoAmI", c.counter.getForId(id).whoAmI());
        t.expect(who.key, "the actor sees its key exactly").toEqual(key);
        const found = await t.step("manager.getForId", t.manager.getForId({ actorId: id }));
        t.expect(found && [...found.key], "the driver reports the key exactly").toEqual(key);
      }
      t.expect(new Set(ids).size, "every key is a different actor").toBe(keys.length);
    },
  });

  s.test({
    id: "key-limits",
    title: "keys up to 16 components of 256 UTF-8 bytes work; longer ones fail with invalid_key",
    clause: "KEY-4",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const u = t.uniqueKey("lim")[0];
      const widest = [u, "é".repeat(128)]; // 256 UTF-8 bytes
      const longest = [u, ...Array.from({ length: 15 }, (_, i) => `p${i}`)];
      t.expect(await t.step("256-byte component", c.counter.getOrCreate(widest).increment(1))).toBe(
        1,
      );
      t.expect(await t.step("16 components", c.counter.getOrCreate(longest).increment(2))).toBe(2);
      await expectCode(
        t,
        "a 257-byte component",
        c.counter.getOrCreate([u, `${"é".repeat(128)}x`]).increment(1),
        "invalid_key",
      );
      await expectCode(
        t,
        "17 components",
        c.counter.getOrCreate([...longest, "p15"]).increment(1),
        "invalid_key",
      );
    },
  });

  s.test({
    id: "key-same-under-two-names",
    title: "one key under two actor names names two actors with separate state",
    clause: "MGR-7",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("shared");
      t.expect(await t.step("counter", c.counter.getOrCreate(key).increment(3))).toBe(3);
      t.expect(
        await t.step("twinCounter", c.twinCounter.getOrCreate(key).increment(5)),
        "twinCounter with the same key starts from 0",
      ).toBe(5);
      const [a, b] = await t.step(
        "resolve both",
        Promise.all([c.counter.get(key).resolve(), c.twinCounter.get(key).resolve()]),
      );
      t.expect(a, "the two names hold different actor ids").not.toBe(b);
      t.expect(await countOf(t, key), "counter kept its own count").toBe(3);
      t.expect(await countOf(t, key, "twinCounter"), "twinCounter kept its own count").toBe(5);
      const fresh = t.uniqueKey("fresh");
      await t.step("counter.create(fresh)", c.counter.create(fresh));
      const twin = await t.step(
        "twinCounter.create(same key) is not a duplicate",
        c.twinCounter.create(fresh),
      );
      t.expect(
        await t.step("twin increment", twin.increment(1)),
        "the twin created under the same key is a new actor",
      ).toBe(1);
    },
  });
}
