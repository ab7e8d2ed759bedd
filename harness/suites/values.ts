/**
 * Values suite: the values matrix through actions and state (docs/protocol.md, "Values").
 * In CBOR every sample (bytes, BigInt, Date, Map, Set, undefined, NaN, ±Infinity, -0, nesting)
 * round-trips exactly; in JSON each one either arrives unchanged, changes in the one documented
 * way, or fails with serialization_error when it is sent, never silently (clauses ACT-2,
 * PERSIST-4). Each direction is checked on its own: client to actor (`describe`), actor to
 * client (`make`), both (`echo`), and state without the wire (`storeSample`).
 */
import {
  describeValue,
  VALUE_SAMPLE_NAMES,
  VALUE_SAMPLES,
  type ValueSample,
  type ValueSampleName,
} from "../fixtures/core/value-samples.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { clientOf, expectCode, openConnection, show, where } from "./core-support.ts";

/** What a call must give: a value with this description, or a rejection with this code. */
type Expected = { description: string } | { code: string };

/** What a call gave. */
type Outcome = { description: string } | { code: string; message: unknown };

function sample(name: ValueSampleName): ValueSample {
  return VALUE_SAMPLES[name];
}

/** The expectation for `name` in `encoding` (what JSON does comes from the sample's entry). */
function expected(name: ValueSampleName, encoding: string): Expected {
  const s = sample(name);
  if (encoding === "cbor" || s.json.kind === "same")
    return { description: describeValue(s.make()) };
  if (s.json.kind === "becomes") return { description: describeValue(s.json.value()) };
  return { code: "serialization_error" };
}

/** Calls `call` and settles its promise into an Outcome; `describes` marks results that already are descriptions. */
async function settle(
  t: TestContext,
  what: string,
  call: () => Promise<unknown>,
  describes = false,
): Promise<Outcome> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    // A client call must report failures through its promise, never by throwing.
    const e = error as { code?: unknown; message?: unknown };
    return {
      code: `thrown synchronously instead of rejected: ${String(e?.code)}`,
      message: e?.message,
    };
  }
  const result = await t.step(
    what,
    promise.then(
      (value) => ({ description: describes ? String(value) : describeValue(value) }),
      (error: { code?: unknown; message?: unknown }) => ({
        code: String(error?.code),
        message: error?.message,
      }),
    ),
  );
  return result;
}

/** A line describing a mismatch, or undefined when `got` meets `want`. */
function mismatch(name: string, want: Expected, got: Outcome): string | undefined {
  if ("description" in want) {
    if ("description" in got && got.description === want.description) return undefined;
    return `${name}: expected ${want.description}, got ${"description" in got ? got.description : `error ${got.code} (${show(got.message)})`}`;
  }
  if ("code" in got && got.code === want.code) return undefined;
  return `${name}: expected error ${want.code}, got ${"description" in got ? got.description : `error ${got.code}`}`;
}

/** Runs `call` for every sample and fails once, listing every sample that went wrong. */
async function checkAll(
  t: TestContext,
  direction: string,
  call: (name: ValueSampleName) => Promise<Outcome>,
): Promise<void> {
  const problems: string[] = [];
  for (const name of VALUE_SAMPLE_NAMES) {
    const problem = mismatch(name, expected(name, t.cell.encoding), await call(name));
    if (problem) problems.push(problem);
  }
  t.expect(
    problems,
    `${direction} ${where(t)}: samples that did not behave as documented: ${problems.join("; ")}`,
  ).toEqual([]);
}

export const valuesSuite = defineSuite("values", (s) => {
  s.test({
    id: "echo-round-trip",
    title:
      "every sample value sent to an action and returned comes back exactly or fails as documented",
    clause: "ACT-2",
    axes: ["client", "encoding"],
    timeoutMs: 20_000,
    run: async (t) => {
      const h = clientOf(t).valuesActor.getOrCreate(t.uniqueKey("echo"));
      await checkAll(t, "echo", (name) =>
        settle(t, `echo(${name})`, () => h.echo(sample(name).make())),
      );
    },
  });

  s.test({
    id: "client-to-actor",
    title:
      "the actor receives each sample argument exactly, or the client refuses to send it as documented",
    clause: "ACT-2",
    axes: ["client", "encoding"],
    timeoutMs: 20_000,
    run: async (t) => {
      const h = clientOf(t).valuesActor.getOrCreate(t.uniqueKey("to-actor"));
      await checkAll(t, "client to actor", (name) =>
        settle(t, `describe(${name})`, () => h.describe(sample(name).make()), true),
      );
    },
  });

  s.test({
    id: "actor-to-client",
    title:
      "each sample value an action returns reaches the client exactly, or fails with serialization_error as documented",
    clause: "ACT-2",
    axes: ["client", "encoding"],
    timeoutMs: 20_000,
    run: async (t) => {
      const h = clientOf(t).valuesActor.getOrCreate(t.uniqueKey("to-client"));
      await checkAll(t, "actor to client", (name) =>
        settle(t, `make(${name})`, () => h.make(name)),
      );
      t.expect(
        await t.step("make after failures", h.make("plainJson")),
        "the actor keeps answering",
      ).toEqual(sample("plainJson").make());
    },
  });

  s.test({
    id: "json-refuses-before-sending",
    title: "a JSON client refuses a value JSON cannot carry before anything reaches the actor",
    clause: "ACT-2",
    axes: ["client"],
    run: async (t) => {
      const json = clientOf(t, { encoding: "json" });
      const h = json.valuesActor.getOrCreate(t.uniqueKey("json-refuse"));
      t.expect(await t.step("store(plain)", h.store({ kept: true }))).toBe(true);
      await expectCode(t, "store(new Map())", h.store(new Map([["a", 1]])), "serialization_error");
      await expectCode(t, "store(10n)", h.store(10n), "serialization_error");
      await expectCode(
        t,
        "echo(undefined) (undefined inside the argument array)",
        h.echo(undefined),
        "serialization_error",
      );
      t.expect(await t.step("load", h.load()), "the refused calls never reached the actor").toEqual(
        { kept: true },
      );
    },
  });

  s.test({
    id: "state-keeps-values",
    title: "state holds every sample value exactly, whatever the wire encoding",
    clause: "PERSIST-4",
    axes: ["client", "encoding"],
    timeoutMs: 30_000,
    run: async (t) => {
      const h = clientOf(t).valuesActor.getOrCreate(t.uniqueKey("state"));
      const problems: string[] = [];
      for (const name of VALUE_SAMPLE_NAMES) {
        await t.step(`storeSample(${name})`, h.storeSample(name));
        const check = await t.step(`checkStored(${name})`, h.checkStored());
        if (check.expected !== check.got)
          problems.push(`${name}: expected ${check.expected}, state held ${check.got}`);
        if (t.cell.encoding === "cbor") {
          await t.step(`store(${name})`, h.store(sample(name).make()));
          const loaded = describeValue(await t.step(`load(${name})`, h.load()));
          const want = describeValue(sample(name).make());
          if (loaded !== want)
            problems.push(`${name} through store/load: expected ${want}, got ${loaded}`);
        }
      }
      t.expect(problems, `${where(t)}: state did not keep: ${problems.join("; ")}`).toEqual([]);
    },
  });

  s.test({
    id: "over-connection",
    title:
      "sample values cross a connection exactly in CBOR; in JSON they fail with serialization_error and the connection stays usable",
    clause: "ACT-2",
    axes: ["client", "transport", "encoding"],
    run: async (t) => {
      const conn = await openConnection(
        t,
        clientOf(t).valuesActor.getOrCreate(t.uniqueKey("conn-values")),
      );
      for (const name of ["nested", "bytes", "bigintLarge", "negativeZero", "plainJson"] as const) {
        const want = expected(name, t.cell.encoding);
        const echoed = await settle(t, `conn.echo(${name})`, () => conn.echo(sample(name).make()));
        const echoProblem = mismatch(name, want, echoed);
        t.expect(echoProblem, `conn.echo ${where(t)}: ${echoProblem}`).toBeUndefined();
        const made = await settle(t, `conn.make(${name})`, () => conn.make(name));
        const makeProblem = mismatch(name, want, made);
        t.expect(makeProblem, `conn.make ${where(t)}: ${makeProblem}`).toBeUndefined();
      }
      t.expect(
        await t.step("conn.echo after", conn.echo("still open")),
        "the connection still works",
      ).toBe("still open");
    },
  });
});
