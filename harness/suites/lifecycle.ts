/**
 * Lifecycle suite: createState and onCreate once per actor, onStart once per instance start and
 * before any action, and a failed start reported to every waiting caller and retried by the
 * next call (clauses LIFE-1..LIFE-3).
 */

import { MASKED_MESSAGE } from "../../runtime/actor/errors.ts";
import { START_REFUSED_MESSAGE } from "../fixtures/core/lifecycle.ts";
import { defineSuite } from "../suite-api.ts";
import { BULK_MS, clientOf, pollUntil, show, where } from "./core-support.ts";

/** How long the held start waits for the other callers to join it, in ms. */
const JOIN_GRACE_MS = 500;

export const lifecycleSuite = defineSuite("lifecycle", (s) => {
  s.test({
    id: "create-hooks-once",
    title: "createState and onCreate run once per actor, however many callers arrive at once",
    clause: "LIFE-1",
    timeoutMs: 30_000,
    axes: ["client"],
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("create-once");
      await t.step(
        "10 concurrent first calls",
        Promise.all(
          Array.from({ length: 10 }, () => c.counterWithLifecycle.getOrCreate(key).increment(1)),
        ),
        BULK_MS,
      );
      await t.step("a later call", c.counterWithLifecycle.get(key).increment(1));
      const runs = await t.step("getRuns", c.counterWithLifecycle.get(key).getRuns());
      t.expect(
        runs.createStateRuns,
        `${where(t)}: createState ran once (a rerun would reset state): ${show(runs)}`,
      ).toBe(1);
      t.expect(runs.onCreateRuns, "onCreate ran once").toBe(1);
      t.expect(
        await t.step("increment(0)", c.counterWithLifecycle.get(key).increment(0)),
        "no increment lost",
      ).toBe(11);
    },
  });

  s.test({
    id: "on-start-before-actions",
    title: "onStart runs once per start and before the first action",
    clause: "LIFE-2",
    timeoutMs: 30_000,
    axes: ["client"],
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("on-start");
      await t.step(
        "5 concurrent first calls",
        Promise.all(
          Array.from({ length: 5 }, () => c.counterWithLifecycle.getOrCreate(key).getEvents()),
        ),
        BULK_MS,
      );
      const runs = await t.step("getRuns", c.counterWithLifecycle.get(key).getRuns());
      t.expect(runs.onStartRuns, `onStart ran once for one start: ${show(runs)}`).toBe(1);
      t.expect(runs.actionsBeforeStart, "no action ran before onStart finished").toBe(0);
      const events = await t.step("getEvents", c.counterWithLifecycle.get(key).getEvents());
      t.expect(events, "the hook log holds one onStart").toEqual(["onStart"]);
    },
  });

  s.test({
    id: "hooks-across-restart",
    title: "after a restart onStart runs again while createState and onCreate do not",
    clause: "LIFE-1",
    requires: ["durable"],
    timeoutMs: 30_000,
    run: async (t) => {
      const key = t.uniqueKey("restart-hooks");
      t.expect(
        await t.step("increment(4)", t.client.counterWithLifecycle.getOrCreate(key).increment(4)),
      ).toBe(4);
      const input = { seed: "kept" };
      await t.step("create inputActor", t.client.inputActor.create(key, { input }));
      await t.restart();
      const runs = await t.step(
        "getRuns after restart",
        t.client.counterWithLifecycle.get(key).getRuns(),
      );
      t.expect(runs, "state kept; onStart once more; creation hooks not again").toEqual({
        createStateRuns: 1,
        onCreateRuns: 1,
        onStartRuns: 2,
        actionsBeforeStart: 0,
      });
      t.expect(await t.step("count", t.client.counterWithLifecycle.get(key).increment(0))).toBe(4);
      const inputs = await t.step(
        "getInputs after restart",
        t.client.inputActor.get(key).getInputs(),
      );
      t.expect(
        [inputs.initialInput, inputs.onCreateRuns],
        "the input actor was not re-created",
      ).toEqual([input, 1]);
    },
  });

  s.test({
    id: "start-failure-reaches-every-waiter",
    title:
      "a failed start rejects every caller waiting on it, and the next call starts the actor again",
    clause: "LIFE-3",
    axes: ["client"],
    timeoutMs: 30_000,
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("flaky");
      const gate = c.startGate.getOrCreate(key);
      await t.step("arm the gate: hold the next start and fail it", gate.arm(1, true));
      const waiters = Promise.allSettled(
        Array.from({ length: 5 }, () => c.flakyStartActor.getOrCreate(key).ping()),
      );
      await pollUntil(
        t,
        "the start to reach the gate",
        () => gate.getEntries(),
        (n) => n >= 1,
        10_000,
      );
      // No event says the other callers have arrived; give them a bounded moment to join.
      await new Promise((resolve) => setTimeout(resolve, JOIN_GRACE_MS));
      t.expect(await t.step("release the start", gate.release()), "one start was holding").toBe(1);
      const settled = await t.step("the 5 waiters", waiters, 15_000);
      const seen = settled.map((w) =>
        w.status === "rejected"
          ? {
              code: (w.reason as { code?: unknown }).code,
              message: (w.reason as { message?: unknown }).message,
            }
          : { resolved: w.value },
      );
      // Public callers see the start failure masked (ERR-3); the inline path shows it (ERR-4).
      const want =
        t.cell.client === "inline"
          ? { code: "actor_start_failed", message: START_REFUSED_MESSAGE }
          : { code: "internal_error", message: MASKED_MESSAGE };
      t.expect(seen, `${where(t)}: every waiter gets the start failure`).toEqual(
        Array(5).fill(want),
      );
      t.expect(
        await t.step("gate entries", gate.getEntries()),
        "the five waiters shared one start",
      ).toBe(1);
      const pong = await t.step("a later call", c.flakyStartActor.get(key).ping());
      t.expect(pong, "the next call retried the start, which succeeded").toEqual({
        pong: true,
        successfulStarts: 1,
      });
      t.expect(await t.step("gate entries after", gate.getEntries()), "exactly one retry").toBe(2);
    },
  });
});
