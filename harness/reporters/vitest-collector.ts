/**
 * The vitest reporter of `driver-cert run`: maps finished vitest tests (through the metadata
 * each case attaches, `task.meta.driverCert`) to case outcomes, prints one progress line per
 * finished test, and collects errors outside the tests. It replaces vitest's own output.
 */
import { relative } from "node:path";
import type { Writable } from "node:stream";
import type { Reporter, TestCase, TestModule } from "vitest/node";
import type { CaseOutcome } from "../report/build.ts";
import type { TestStatus } from "../report/model.ts";
import { NOT_RUN_AFTER_BAIL, raiseBail } from "../run/bail-signal.ts";
import { type CaseMeta, idOfCaseName } from "../run-case.ts";
import type { Colors } from "./colors.ts";

type ConsoleLog = Parameters<NonNullable<Reporter["onUserConsoleLog"]>>[0];
type UnhandledErrors = Parameters<NonNullable<Reporter["onTestRunEnd"]>>[1];

/** Lines of console output kept per test. */
const MAX_LOG_LINES = 50;

const VITEST_TIMEOUT = /^Test timed out in \d+ms/;

export interface CollectorOptions {
  /** Where progress lines go; nothing is printed when omitted. */
  progress?: Writable;
  /** Number of registered cases, for the `[n/total]` counter. */
  total: number;
  /**
   * `--bail`: the run's flag file (run/bail-signal.ts), raised as soon as a failure is seen so
   * the other workers start no more cases.
   */
  bailFile?: string;
  /** Root for module paths in messages. */
  root: string;
  /** Colours for progress lines; none when omitted. */
  colors?: Colors;
}

/** Worse statuses first: the status of a repeated test is its worst attempt's. */
const SEVERITY: readonly TestStatus[] = ["timeout", "fail", "pass", "unsupported", "skipped"];

/** Merges the attempts of one repeated test: the worst status, its error, every status in order. */
function mergeAttempts(attempts: readonly CaseOutcome[]): CaseOutcome {
  const ran = attempts.filter((a) => a.status !== "skipped");
  const counted = ran.length > 0 ? ran : attempts;
  const worst = [...counted].sort(
    (a, b) => SEVERITY.indexOf(a.status) - SEVERITY.indexOf(b.status),
  )[0];
  return {
    ...worst,
    durationMs: counted.reduce((sum, a) => sum + a.durationMs, 0),
    attempts: counted.map((a) => a.status),
  };
}

function firstLine(text: string): string {
  return text.split("\n")[0];
}

/** Collects outcomes while vitest runs; read `outcomes` after the run ends. */
export class VitestCollector implements Reporter {
  /** Outcomes by test id, then attempt (1 unless --repeat). */
  readonly #attempts = new Map<string, Map<number, CaseOutcome>>();
  /** Errors of the harness (a test module that failed to load, a worker that died). */
  readonly harnessErrors: string[] = [];
  /** Errors thrown outside any test. */
  readonly unhandledErrors: string[] = [];
  /** Set when the run was interrupted (Ctrl-C): errors of stopped workers are not recorded. */
  interrupted = false;
  readonly #options: CollectorOptions;
  readonly #logs = new Map<string, string[]>();
  readonly #byTask = new Map<string, CaseOutcome>();
  #finished = 0;

  constructor(options: CollectorOptions) {
    this.#options = options;
  }

  /** Outcomes by test id; a repeated test's attempts merged (mergeAttempts). */
  get outcomes(): Map<string, CaseOutcome> {
    const merged = new Map<string, CaseOutcome>();
    for (const [id, byAttempt] of this.#attempts) {
      const attempts = [...byAttempt.entries()].sort(([a], [b]) => a - b).map(([, o]) => o);
      merged.set(id, attempts.length === 1 ? attempts[0] : mergeAttempts(attempts));
    }
    return merged;
  }

  onUserConsoleLog(log: ConsoleLog): void {
    if (!log.taskId) return;
    const lines = this.#logs.get(log.taskId) ?? [];
    for (const line of log.content.replace(/\n$/, "").split("\n")) {
      if (lines.length < MAX_LOG_LINES) lines.push(`[${log.type}] ${line}`);
    }
    this.#logs.set(log.taskId, lines);
    const outcome = this.#byTask.get(log.taskId);
    if (outcome) outcome.logs = lines;
  }

  onTestCaseResult(testCase: TestCase): void {
    const meta = testCase.meta().driverCert as CaseMeta | undefined;
    if (!meta) return;
    const result = testCase.result();
    const outcome: CaseOutcome = {
      id: meta.id,
      status: "pass",
      durationMs: Math.round(testCase.diagnostic()?.duration ?? 0),
    };
    if (meta.planned !== "run") {
      outcome.status = meta.planned;
      outcome.reason = meta.reason;
    } else if (result.state === "failed") {
      const error = result.errors[0];
      const message = error?.message ?? "failed without an error";
      const timedOut = meta.timedOut === true || VITEST_TIMEOUT.test(message);
      outcome.status = timedOut ? "timeout" : "fail";
      const code =
        typeof error?.code === "string" ? error.code : timedOut ? "harness_timeout" : undefined;
      outcome.error = code ? { code, message } : { message };
      if (meta.step) outcome.error.step = meta.step;
      if (typeof error?.expected === "string" && typeof error?.actual === "string") {
        outcome.error.expected = error.expected;
        outcome.error.actual = error.actual;
      }
      const frames = (error?.stacks ?? []).map((f) => `${f.file}:${f.line}`);
      if (frames.length > 0) outcome.frames = frames;
      if (meta.source) outcome.source = meta.source;
      if (meta.harnessError) outcome.harnessError = true;
    } else if (result.state === "skipped") {
      outcome.status = "skipped";
      // A case skips itself with NOT_RUN_AFTER_BAIL once the run's bail flag is up.
      const note = result.note;
      outcome.reason = note === NOT_RUN_AFTER_BAIL ? note : `not run${note ? `: ${note}` : ""}`;
    }
    if (meta.leaks?.length) outcome.leaks = meta.leaks;
    const logs = this.#logs.get(testCase.id);
    if (logs) outcome.logs = logs;
    if ((outcome.status === "fail" || outcome.status === "timeout") && this.#options.bailFile)
      raiseBail(this.#options.bailFile, meta.id);
    // Print an attempt once. A result that ran is never replaced by a later "not run" for it.
    const attempt = meta.attempt ?? 1;
    const byAttempt = this.#attempts.get(meta.id) ?? new Map<number, CaseOutcome>();
    this.#attempts.set(meta.id, byAttempt);
    const earlier = byAttempt.get(attempt);
    if (earlier && earlier.status !== "skipped" && outcome.status === "skipped") return;
    byAttempt.set(attempt, outcome);
    const seen = earlier !== undefined;
    this.#byTask.set(testCase.id, outcome);
    if (!seen)
      this.#progress(
        outcome,
        meta.attempts && meta.attempts > 1 ? attempt : undefined,
        meta.attempts,
      );
  }

  onTestModuleEnd(testModule: TestModule): void {
    if (this.interrupted) return;
    for (const error of testModule.errors()) {
      const where = relative(this.#options.root, testModule.moduleId) || testModule.moduleId;
      this.harnessErrors.push(
        `${where} (${testModule.project.name || "default"}): ${error.message}`,
      );
    }
  }

  onTestRunEnd(_modules: readonly TestModule[], unhandled: UnhandledErrors): void {
    if (this.interrupted) return;
    for (const error of unhandled) {
      // vitest names the test that was running when the error surfaced; ours start with the id.
      const during =
        typeof error.VITEST_TEST_NAME === "string" ? error.VITEST_TEST_NAME : undefined;
      const where = during ? ` (while ${idOfCaseName(during)} ran)` : "";
      const frames =
        typeof error.stack === "string"
          ? error.stack.split("\n").filter((l) => /^\s+at /.test(l))
          : [];
      const stack = frames.length > 0 ? `\n${frames.join("\n")}` : "";
      this.unhandledErrors.push(`${error.name ?? "Error"}: ${error.message}${where}${stack}`);
    }
  }

  #progress(outcome: CaseOutcome, attempt?: number, attempts?: number): void {
    this.#finished += 1;
    const out = this.#options.progress;
    if (!out) return;
    const width = String(this.#options.total).length;
    const counter = `[${String(this.#finished).padStart(width)}/${this.#options.total}]`;
    const c = this.#options.colors;
    const paint = (text: string, color?: (s: string) => string) =>
      c && color ? color(text) : text;
    const label: Record<TestStatus, string> = {
      pass: paint("pass       ", c?.green),
      fail: paint("FAIL       ", c && ((s: string) => c.bold(c.red(s)))),
      timeout: paint("TIMEOUT    ", c && ((s: string) => c.bold(c.red(s)))),
      unsupported: paint("unsupported", c?.yellow),
      skipped: paint("skipped    ", c?.dim),
    };
    let detail = "";
    if (outcome.status === "pass") detail = ` (${outcome.durationMs} ms)`;
    else if (outcome.error) detail = `: ${firstLine(outcome.error.message)}`;
    else if (outcome.reason) detail = `: ${outcome.reason}`;
    const leaks = outcome.leaks?.length
      ? ` [left open: ${outcome.leaks.map((l) => `${l.count} ${l.kind}`).join(", ")}]`
      : "";
    const repeat = attempt ? ` (attempt ${attempt}/${attempts})` : "";
    out.write(
      `${paint(counter, c?.dim)} ${label[outcome.status]} ${outcome.id}${repeat}${outcome.status === "pass" ? paint(detail, c?.dim) : detail}${leaks}\n`,
    );
  }
}
