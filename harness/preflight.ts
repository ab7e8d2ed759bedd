/**
 * The start check `driver-cert run` makes once, after validation and before vitest: the driver is
 * started the way each test starts it (a fresh temp `dataDir`, a unique `namespace`, bounded by
 * START_TIMEOUT_MS) and stopped again (bounded by TEARDOWN_TIMEOUT_MS). A driver that cannot do
 * this would fail every test with the same error; one line says so instead (exit code 2).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DriverDefinition,
  type DriverInstance,
  isActorError,
} from "../runtime/driver/index.ts";
import { DriverStartError, HarnessTimeoutError, withTimeout } from "./errors.ts";
import type { RuntimeBindings } from "./runtime-bindings.ts";
import {
  checkStarted,
  driverStartContext,
  newNamespace,
  START_TIMEOUT_MS,
  TEARDOWN_TIMEOUT_MS,
} from "./test-context.ts";

/** Bounds of the check, in ms; default the test context's own. */
export interface PreflightTimeouts {
  startMs?: number;
  stopMs?: number;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value !== "object") return typeof value;
  const keys = Object.keys(value);
  return keys.length > 0 ? `an object with ${keys.join(", ")}` : "an empty object";
}

function failure(name: string, verb: "started" | "stopped", error: unknown): DriverStartError {
  let message: string;
  let detail: string | undefined;
  if (error instanceof HarnessTimeoutError) {
    message = error.message;
  } else if (isActorError(error)) {
    message = `${error.message} [${error.code}]`;
  } else if (error instanceof Error) {
    message = `${error.name === "Error" ? "" : `${error.name}: `}${error.message.split("\n")[0]}`;
    detail = error.stack;
  } else {
    message = `it threw a non-error value: ${String(error)}`;
  }
  return new DriverStartError(`driver "${name}" could not be ${verb}: ${message}`, {
    detail,
    cause: error,
  });
}

/**
 * Starts `definition` once and stops it. Resolves when both succeeded; throws DriverStartError
 * ("driver "<name>" could not be started: ..." or "... could not be stopped: ...") when
 * `start(ctx)` throws, times out or resolves to something that is not an instance, or when
 * `stop()` throws or times out. The temp data dir is removed either way.
 */
export async function preflightDriver(
  definition: DriverDefinition,
  bindings: () => Promise<RuntimeBindings>,
  timeouts: PreflightTimeouts = {},
): Promise<void> {
  const loaded = await bindings();
  const dataDir = await mkdtemp(join(tmpdir(), "driver-cert-preflight-"));
  try {
    const ctx = driverStartContext(loaded, dataDir, newNamespace());
    const starting = Promise.resolve().then(() => definition.start(ctx));
    let started: unknown;
    try {
      started = await withTimeout("start", starting, timeouts.startMs ?? START_TIMEOUT_MS);
    } catch (error) {
      // A start that answers after the deadline is stopped, so it holds nothing open.
      starting.then((late) => late?.stop?.()).catch(() => {});
      throw failure(definition.name, "started", error);
    }
    try {
      checkStarted(definition, started);
    } catch {
      throw new DriverStartError(
        `driver "${definition.name}" could not be started: start(ctx) resolved to ${describe(started)}, expected { manager, stop(), restart?() }`,
      );
    }
    const instance: DriverInstance = started;
    try {
      await withTimeout(
        "stop",
        Promise.resolve().then(() => instance.stop()),
        timeouts.stopMs ?? TEARDOWN_TIMEOUT_MS,
      );
    } catch (error) {
      throw failure(definition.name, "stopped", error);
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true }).catch(() => {});
  }
}
