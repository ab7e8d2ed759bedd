import { afterEach, describe, expect, test, vi } from "vitest";
import { AlarmTimers, MAX_TIMER_DELAY_MS } from "./alarms.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("AlarmTimers (SCHED-1, SCHED-4)", () => {
  test("a delay beyond setTimeout's limit waits in chunks and fires once, at the due time", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    const fired: [string, number][] = [];
    const timers = new AlarmTimers(async (id, at) => {
      fired.push([id, at]);
    });
    const day = 86_400_000;
    const at = Date.now() + 30 * day; // more than 2^31-1 ms (~24.8 days)
    expect(30 * day).toBeGreaterThan(MAX_TIMER_DELAY_MS);
    timers.arm("a", at);
    await vi.advanceTimersByTimeAsync(MAX_TIMER_DELAY_MS + 1);
    expect(fired).toEqual([]);
    expect(timers.pending("a")).toBe(at);
    await vi.advanceTimersByTimeAsync(30 * day - MAX_TIMER_DELAY_MS);
    expect(fired).toEqual([["a", at]]);
    expect(timers.pending("a")).toBeUndefined();
    await vi.advanceTimersByTimeAsync(60 * day);
    expect(fired).toHaveLength(1);
  });

  test("re-arming replaces; a past time fires on the next turn; stop clears and refuses", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    const fired: string[] = [];
    const timers = new AlarmTimers(async (id) => {
      fired.push(id);
    });
    timers.arm("a", Date.now() + 1000);
    timers.arm("a", Date.now() + 3000);
    timers.arm("b", Date.now() - 5000);
    await vi.advanceTimersByTimeAsync(0);
    expect(fired).toEqual(["b"]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(fired).toEqual(["b"]);
    timers.stop();
    timers.arm("c", Date.now());
    await vi.advanceTimersByTimeAsync(10_000);
    expect(fired).toEqual(["b"]);
    expect(timers.pending("a")).toBeUndefined();
  });

  test("idle waits for a due callback still running; its rejection is contained", async () => {
    let finish!: () => void;
    const timers = new AlarmTimers(
      () => new Promise<void>((_, reject) => (finish = () => reject(new Error("boom")))),
    );
    timers.arm("a", 0);
    await vi.waitFor(() => expect(finish).toBeTypeOf("function"));
    let idle = false;
    const waiting = timers.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    finish();
    await waiting;
    expect(idle).toBe(true);
  });
});
