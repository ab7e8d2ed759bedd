/**
 * Harness errors are recognised by brand and code, so one raised by another copy of the harness
 * modules (the CLI loads suite and driver modules through tsx, which evaluates them again) still
 * prints as a one-line start error rather than as a harness crash.
 */
import { describe, expect, test } from "vitest";
import { secondCopy } from "../tests/support/second-copy.ts";
import {
  DriverLoadError,
  DriverStartError,
  formatStartError,
  HarnessError,
  HarnessTimeoutError,
  isHarnessError,
  isKnownStartError,
  UsageError,
} from "./errors.ts";

type ErrorsModule = typeof import("./errors.ts");

async function otherCopy(): Promise<ErrorsModule> {
  const copy = await secondCopy<ErrorsModule>(
    new URL("./errors.ts", import.meta.url),
    import.meta.url,
  );
  expect(copy.HarnessError).not.toBe(HarnessError);
  return copy;
}

describe("harness errors across copies", () => {
  test("each class recognises its own code from another copy, and no other", async () => {
    const copy = await otherCopy();
    const foreign = [
      [new copy.DriverLoadError("load"), DriverLoadError],
      [new copy.DriverStartError("start"), DriverStartError],
      [new copy.UsageError("usage"), UsageError],
      [new copy.HarnessTimeoutError("getForId", 5000), HarnessTimeoutError],
    ] as const;
    const classes = foreign.map(([, cls]) => cls);
    for (const [error, own] of foreign) {
      expect(isHarnessError(error)).toBe(true);
      expect(error instanceof HarnessError).toBe(true);
      for (const cls of classes)
        expect(error instanceof cls, `${error.name} vs ${cls.name}`).toBe(cls === own);
    }
    const broken = new copy.HarnessError("harness_broken", "x");
    expect(broken instanceof HarnessError).toBe(true);
    expect(classes.some((cls) => broken instanceof cls)).toBe(false);
  });

  test("a foreign DriverLoadError prints as one line with its hint, not as a crash", async () => {
    const copy = await otherCopy();
    const error = new copy.DriverLoadError(
      "driver module ./d.ts has no default export",
      "export one",
    );
    expect(isKnownStartError(error)).toBe(true);
    expect(formatStartError(error)).toBe(
      "driver-cert: driver module ./d.ts has no default export\n  hint: export one\n",
    );
  });

  test("errors without the brand are not harness errors", () => {
    const lookalike = Object.assign(new Error("x"), { code: "driver_load_failed" });
    expect(isHarnessError(lookalike)).toBe(false);
    expect(lookalike instanceof DriverLoadError).toBe(false);
    expect(formatStartError(lookalike)).toContain("the harness crashed");
  });
});
