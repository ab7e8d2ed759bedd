/**
 * Manager suite: finding and creating actors through the client (get, getOrCreate, create,
 * getForId, resolve), creation input, the ManagerDriver called directly, and the key rules
 * (clauses MGR-1..MGR-7, KEY-1..KEY-4). Client tests run per client type; driver-level tests
 * (manager-direct.ts) and key rules (manager-keys.ts) register into this suite.
 */
import { describeValue } from "../fixtures/core/value-samples.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { BULK_MS, clientOf, expectCode, oneTo, show, untyped, where } from "./core-support.ts";
import { registerDirectManagerTests } from "./manager-direct.ts";
import { registerKeyRuleTests } from "./manager-keys.ts";

const CLIENT = ["client"] as const;

/** `counter[key].getCount()` through a fresh `get` handle. */
function countOf(t: TestContext, key: string[]): Promise<number> {
  return t.step(`counter${show(key)}.getCount`, clientOf(t).counter.get(key).getCount());
}

/** Sorted copy, for comparing the replies of concurrent calls. */
function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export const managerSuite = defineSuite("manager", (s) => {
  s.test({
    id: "get-or-create-creates-then-finds",
    title: "getOrCreate creates an actor on first use and later handles reach the same actor",
    clause: "MGR-4",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("goc");
      t.expect(
        await t.step("first increment", c.counter.getOrCreate(key).increment(5)),
        `${where(t)}`,
      ).toBe(5);
      t.expect(
        await t.step("second handle", c.counter.getOrCreate(key).increment(0)),
        "a second getOrCreate handle reaches the same actor",
      ).toBe(5);
      const twoPart = [...t.uniqueKey("goc-b"), "testing"];
      t.expect(await t.step("two-part key", c.counter.getOrCreate(twoPart).increment(10))).toBe(10);
      t.expect(
        await countOf(t, twoPart),
        `get(${show(twoPart)}) finds the actor getOrCreate made`,
      ).toBe(10);
      t.expect(await countOf(t, key), "the first actor is unaffected").toBe(5);
    },
  });

  s.test({
    id: "get-never-creates",
    title: "get on a missing key fails with actor_not_found and creates nothing",
    clause: "MGR-3",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("missing");
      await expectCode(
        t,
        "get(missing).resolve()",
        c.counter.get(key).resolve(),
        "actor_not_found",
      );
      await expectCode(
        t,
        "get(missing).getCount()",
        c.counter.get(key).getCount(),
        "actor_not_found",
      );
      const stillMissing = await t.step(
        "manager.getWithKey",
        t.manager.getWithKey({ name: "counter", key }),
      );
      t.expect(
        stillMissing,
        `the failed get must not have created counter${show(key)}`,
      ).toBeUndefined();
      t.expect(
        await t.step("getOrCreate", c.counter.getOrCreate(key[0]).increment(3)),
        "a string key is the one-element key",
      ).toBe(3);
      t.expect(
        await t.step("get", c.counter.get(key).increment(0)),
        "get now finds the actor",
      ).toBe(3);
    },
  });

  s.test({
    id: "create-duplicate-rejected",
    title: "create on a taken key fails with actor_already_exists and leaves the actor unchanged",
    clause: "MGR-5",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("dup");
      t.expect(await t.step("getOrCreate", c.counter.getOrCreate(key).increment(5))).toBe(5);
      const id = await t.step("resolve", c.counter.get(key).resolve());
      await expectCode(t, "create(taken key)", c.counter.create(key), "actor_already_exists");
      t.expect(await countOf(t, key), "the existing actor keeps its state").toBe(5);
      t.expect(
        await t.step("resolve again", c.counter.get(key).resolve()),
        "the key still names the first actor",
      ).toBe(id);
    },
  });

  s.test({
    id: "create-returns-a-handle",
    title: "create returns a handle to the new actor, addressed by its id",
    clause: "MGR-1",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("created");
      const handle = await t.step("create", c.counter.create(key));
      t.expect(await t.step("increment", handle.increment(9))).toBe(9);
      const id = await t.step("resolve", handle.resolve());
      t.expect(
        await t.step("get(key).resolve", c.counter.get(key).resolve()),
        "create's handle and the key name one actor",
      ).toBe(id);
      const who = await t.step("whoAmI", c.counter.getForId(id).whoAmI());
      t.expect(who, "getForId reaches the actor created under this name and key").toEqual({
        actorId: id,
        name: "counter",
        key,
      });
    },
  });

  s.test({
    id: "concurrent-creates-one-wins",
    title:
      "ten concurrent creates on one key: one succeeds, the rest fail with actor_already_exists",
    clause: "MGR-5",
    timeoutMs: 30_000,
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("race");
      const results = await t.step(
        "10 concurrent creates",
        Promise.allSettled(Array.from({ length: 10 }, () => c.counter.create(key))),
        BULK_MS,
      );
      const won = results.filter((r) => r.status === "fulfilled");
      const codes = results.flatMap((r) =>
        r.status === "rejected" ? [(r.reason as { code?: unknown }).code] : [],
      );
      t.expect(won.length, `exactly one create wins; codes of the others: ${show(codes)}`).toBe(1);
      t.expect(codes, "every losing create fails with actor_already_exists").toEqual(
        Array(9).fill("actor_already_exists"),
      );
    },
  });

  s.test({
    id: "get-for-id",
    title: "getForId reaches the actor a handle resolved, and resolve returns a stable id",
    clause: "MGR-1",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("by-id");
      const handle = c.counter.getOrCreate(key);
      t.expect(await t.step("increment", handle.increment(3))).toBe(3);
      const id = await t.step("resolve", handle.resolve());
      t.expect(
        typeof id === "string" && id.length > 0,
        `resolve() gives a non-empty id, got ${show(id)}`,
      ).toBe(true);
      const byId = c.counter.getForId(id);
      t.expect(await t.step("getForId.getCount", byId.getCount())).toBe(3);
      t.expect(await t.step("getForId.increment", byId.increment(4))).toBe(7);
      t.expect(
        await t.step("handle.getCount", handle.getCount()),
        "the original handle sees the change",
      ).toBe(7);
      t.expect(
        await t.step("resolve again", c.counter.getOrCreate(key).resolve()),
        "the key keeps resolving to the same id",
      ).toBe(id);
    },
  });

  s.test({
    id: "get-for-id-unknown",
    title: "getForId with an id no actor has fails with actor_not_found",
    clause: "MGR-2",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const unknown = `no-such-actor-${t.uniqueKey()[0]}`;
      await expectCode(
        t,
        "getForId(unknown).getCount()",
        c.counter.getForId(unknown).getCount(),
        "actor_not_found",
      );
      await expectCode(
        t,
        "getForId(unknown).action",
        c.twinCounter.getForId(unknown).action("increment", 1),
        "actor_not_found",
      );
    },
  });

  s.test({
    id: "unknown-actor-name",
    title:
      "an actor name that is not registered fails with actor_not_found on get, getOrCreate and create",
    clause: "ERR-1",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("ghost");
      await expectCode(
        t,
        "noSuchActor.getOrCreate().action",
        untyped(c).noSuchActor.getOrCreate(key).action("getCount"),
        "actor_not_found",
      );
      await expectCode(
        t,
        "noSuchActor.get().resolve",
        untyped(c).noSuchActor.get(key).resolve(),
        "actor_not_found",
      );
      await expectCode(
        t,
        "noSuchActor.create()",
        untyped(c).noSuchActor.create(key),
        "actor_not_found",
      );
    },
  });

  s.test({
    id: "concurrent-get-or-create",
    title: "twenty concurrent getOrCreate calls on one new key yield one actor",
    clause: "MGR-4",
    timeoutMs: 30_000,
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("stampede");
      const ids = await t.step(
        "20 concurrent resolves",
        Promise.all(Array.from({ length: 20 }, () => c.counter.getOrCreate(key).resolve())),
        BULK_MS,
      );
      t.expect(
        new Set(ids).size,
        `all 20 callers get one actor id, got ${show([...new Set(ids)])}`,
      ).toBe(1);
      const key2 = t.uniqueKey("stampede-calls");
      const replies: number[] = await t.step(
        "20 concurrent increments through new handles",
        Promise.all(Array.from({ length: 20 }, () => c.counter.getOrCreate(key2).increment(1))),
        BULK_MS,
      );
      t.expect(
        sorted(replies),
        "one actor served all 20 increments (replies 1..20, none lost)",
      ).toEqual(oneTo(20));
    },
  });

  s.test({
    id: "create-with-input",
    title: "create passes its input to createState and onCreate",
    clause: "MGR-6",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const input = { name: "test-actor", value: 42, nested: { foo: "bar", list: [1, "two"] } };
      const handle = await t.step(
        "create with input",
        c.inputActor.create(t.uniqueKey("input"), { input }),
      );
      const got = await t.step("getInputs", handle.getInputs());
      t.expect(got.initialInput, "createState saw the input").toEqual(input);
      t.expect(got.onCreateInput, "onCreate saw the input").toEqual(input);
      t.expect(got.onCreateRuns, "onCreate ran once").toBe(1);
    },
  });

  s.test({
    id: "create-without-input",
    title: "an actor created without input sees undefined in createState and onCreate",
    clause: "MGR-6",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const handle = await t.step("create", c.inputActor.create(t.uniqueKey("no-input")));
      const got = await t.step("getInputs", handle.getInputs());
      t.expect(got.initialInputDefined, `createState got ${show(got.initialInput)}`).toBe(false);
      t.expect(got.onCreateInputDefined, `onCreate got ${show(got.onCreateInput)}`).toBe(false);
    },
  });

  s.test({
    id: "get-or-create-input-once",
    title: "getOrCreate passes its input when it creates, and a later call's input is ignored",
    clause: "MGR-6",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("goc-input");
      const first = { name: "getorcreate-test", value: 100, nested: { baz: "qux" } };
      const got = await t.step(
        "getInputs",
        c.inputActor.getOrCreate(key, { input: first }).getInputs(),
      );
      t.expect([got.initialInput, got.onCreateInput], "both hooks saw the creating input").toEqual([
        first,
        first,
      ]);
      const later = await t.step(
        "getInputs again",
        c.inputActor.getOrCreate(key, { input: { other: true } }).getInputs(),
      );
      t.expect(
        later.initialInput,
        "the second getOrCreate's input does not reach the existing actor",
      ).toEqual(first);
      t.expect(later.onCreateRuns, "onCreate did not run again").toBe(1);
    },
  });

  s.test({
    id: "input-beyond-json",
    title: "a creation input with Date, Map, Set, BigInt and bytes reaches the actor exactly",
    clause: "MGR-6",
    axes: CLIENT,
    run: async (t) => {
      const c = clientOf(t);
      const input = {
        when: new Date(1_700_000_000_123),
        lookup: new Map<unknown, unknown>([
          [1, "one"],
          ["k", new Set(["v"])],
        ]),
        big: 2n ** 70n,
        blob: new Uint8Array([0, 255, 7]),
      };
      const handle = await t.step(
        "create",
        c.inputActor.create(t.uniqueKey("rich-input"), { input }),
      );
      const got = await t.step("describeInputs", handle.describeInputs());
      t.expect(got, "createState and onCreate received the exact input").toEqual({
        initialInput: describeValue(input),
        onCreateInput: describeValue(input),
      });
    },
  });

  registerDirectManagerTests(s);
  registerKeyRuleTests(s);
});
