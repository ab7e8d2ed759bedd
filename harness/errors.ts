/**
 * The harness's own errors: a stable code each, a message naming the value, and for start errors
 * a hint. Known start errors print as one line (exit 2); anything else is a harness crash.
 */

/** Codes of errors the harness raises itself (never a driver's catalogue code). */
export type HarnessErrorCode =
  | "harness_timeout"
  | "driver_load_failed"
  | "driver_start_failed"
  | "invalid_option"
  | "invalid_suite"
  | "harness_broken";

/** The brand on every HarnessError's prototype; `Symbol.for` keys are shared by the process. */
const HARNESS_ERROR_BRAND = Symbol.for("driver-cert.HarnessError");

/**
 * True for a HarnessError from any copy of driver-cert in the process (the CLI loads driver and
 * suite modules through tsx, which gives them their own copy of the harness modules): the value
 * carries the HarnessError brand and a string `code`.
 */
export function isHarnessError(value: unknown): value is HarnessError {
  if (typeof value !== "object" || value === null) return false;
  const fields = value as Record<PropertyKey, unknown>;
  return fields[HARNESS_ERROR_BRAND] === true && typeof fields.code === "string";
}

/**
 * An error raised by the harness, with a stable `code` and an optional `hint` on how to fix it.
 * `instanceof` is decided by brand and code, not by prototype, so errors of another copy of the
 * package are recognised: `instanceof HarnessError` is isHarnessError, and `instanceof` a subclass
 * also needs the subclass's code (`driver_load_failed` for DriverLoadError, and so on).
 */
export class HarnessError extends Error {
  /** The code every instance of the class has; undefined for HarnessError itself (any code). */
  static readonly classCode: HarnessErrorCode | undefined = undefined;

  static {
    Object.defineProperty(HarnessError.prototype, HARNESS_ERROR_BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // `this` is the class right of `instanceof`; its classCode narrows the check.
    // biome-ignore lint/complexity/noThisInStatic: the receiver decides which code applies
    const code = (this as typeof HarnessError).classCode;
    return isHarnessError(value) && (code === undefined || value.code === code);
  }

  readonly code: HarnessErrorCode;
  readonly hint: string | undefined;

  constructor(
    code: HarnessErrorCode,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "HarnessError";
    this.code = code;
    this.hint = options.hint;
  }
}

/**
 * Something the driver did not answer in time: "driver did not answer createActor within
 * 5000 ms". Code `harness_timeout`; the test's status becomes "timeout".
 */
export class HarnessTimeoutError extends HarnessError {
  static override readonly classCode = "harness_timeout";
  /** What was awaited, as given to `step()`. */
  readonly awaited: string;
  /** The deadline that passed, in ms. */
  readonly timeoutMs: number;

  constructor(awaited: string, timeoutMs: number, message?: string) {
    super("harness_timeout", message ?? `driver did not answer ${awaited} within ${timeoutMs} ms`);
    this.name = "HarnessTimeoutError";
    this.awaited = awaited;
    this.timeoutMs = timeoutMs;
  }
}

/** The driver module could not be imported or its default export breaks the contract (DRV-1). */
export class DriverLoadError extends HarnessError {
  static override readonly classCode = "driver_load_failed";
  constructor(message: string, hint?: string, cause?: unknown) {
    super("driver_load_failed", message, { hint, cause });
    this.name = "DriverLoadError";
  }
}

/**
 * The driver could not be started (or stopped) once before the tests: `start(ctx)` threw, timed
 * out or resolved to something else than an instance, or `stop()` threw or timed out. `detail`
 * is the driver's own stack, printed under the line (absent for an ActorError or a timeout).
 */
export class DriverStartError extends HarnessError {
  static override readonly classCode = "driver_start_failed";
  readonly detail: string | undefined;

  constructor(message: string, options: { detail?: string; cause?: unknown } = {}) {
    super("driver_start_failed", message, { cause: options.cause });
    this.name = "DriverStartError";
    this.detail = options.detail;
  }
}

/** A bad command-line or library option (unknown suite, invalid --grep pattern...). */
export class UsageError extends HarnessError {
  static override readonly classCode = "invalid_option";
  constructor(message: string, hint?: string) {
    super("invalid_option", message, { hint });
    this.name = "UsageError";
  }
}

/** True for errors that print as one line with a hint rather than with a stack. */
export function isKnownStartError(
  error: unknown,
): error is DriverLoadError | DriverStartError | UsageError {
  return (
    error instanceof DriverLoadError ||
    error instanceof DriverStartError ||
    error instanceof UsageError
  );
}

/**
 * Formats an error that stopped a run before or outside the tests: known start errors as one
 * line plus an optional hint line (and, for a driver that could not start, the driver's stack);
 * anything else (a harness crash) with its stack.
 */
export function formatStartError(error: unknown): string {
  if (isKnownStartError(error)) {
    const hint = error.hint ? `\n  hint: ${error.hint}` : "";
    const detail = error instanceof DriverStartError && error.detail ? `\n${error.detail}` : "";
    return `driver-cert: ${error.message}${hint}${detail}\n`;
  }
  const text =
    error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return `driver-cert: the harness crashed; this is a bug in driver-cert, not in the driver.\n${text}\n`;
}

/**
 * Waits for `promise` at most `ms` milliseconds. Rejects with a HarnessTimeoutError naming
 * `what` when the deadline passes first; the timer never outlives the wait.
 */
export async function withTimeout<T>(what: string, promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HarnessTimeoutError(what, ms)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
