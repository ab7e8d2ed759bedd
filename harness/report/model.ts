/**
 * The certification report: a stable, versioned result model that every reporter reads (never
 * vitest internals). `reportSchema` is the published JSON schema (zod); `schemaVersion` rises
 * when a field changes meaning or is removed.
 */
import { z } from "zod";

/** The version of the report's shape. */
export const REPORT_SCHEMA_VERSION = 1;

/**
 * A test's outcome: `pass`, `fail`, `timeout` (the driver did not answer in time),
 * `unsupported` (the manifest lacks a capability the test needs, with the reason), `skipped`
 * (not selected by a filter, an absence check that does not apply, or not run after --bail).
 */
export const testStatusSchema = z.enum(["pass", "fail", "unsupported", "skipped", "timeout"]);
export type TestStatus = z.infer<typeof testStatusSchema>;

export const cellSchema = z.object({
  client: z.enum(["http", "inline"]),
  transport: z.enum(["websocket", "sse"]),
  encoding: z.enum(["json", "cbor"]),
});

/** The capabilities a run was planned with; the optional flags as resolved (absent sleep: true). */
export const capabilitiesSchema = z.object({
  websocket: z.boolean(),
  sse: z.boolean(),
  schedule: z.boolean(),
  durable: z.boolean(),
  sleep: z.boolean().optional(),
  distributed: z.boolean().optional(),
});

/**
 * What went wrong in a failed or timed-out test: the error's code and message, the step that
 * was pending (or had just failed), expected and actual values of a failed assertion, and the
 * suite source line that failed (`file:line`).
 */
export const failureSchema = z.object({
  code: z.string().optional(),
  message: z.string(),
  step: z.string().optional(),
  expected: z.string().optional(),
  actual: z.string().optional(),
  location: z.string().optional(),
});
export type Failure = z.infer<typeof failureSchema>;

/** One test in one cell. */
export const testResultSchema = z.object({
  /** `<suite>/<slug>` plus the cell suffix for the axes the test depends on; stable across runs. */
  id: z.string().min(1),
  suite: z.string().min(1),
  title: z.string().min(1),
  clause: z.string().regex(/^[A-Z]+-\d+$/),
  clauseLevel: z.enum(["MUST", "SHOULD"]),
  /** The cell the test ran in; `axes` lists the ones it depends on. */
  cell: cellSchema,
  axes: z.array(z.enum(["client", "transport", "encoding"])),
  status: testStatusSchema,
  /** Wall time including setup and teardown, in ms; 0 for tests that did not run. */
  durationMs: z.number().nonnegative(),
  error: failureSchema.optional(),
  /** Why the test is unsupported or skipped. */
  reason: z.string().optional(),
  /** Why a skipped test did not run: not selected, run by another shard, or an absence check. */
  skipKind: z.enum(["filter", "shard", "not-applicable"]).optional(),
  /** Where the test is declared (`file:line`, relative to the working directory when inside). */
  source: z.string().optional(),
  /** A command line that reruns exactly this test (failed tests only). */
  rerun: z.string().optional(),
  /**
   * `--expectations`: `expected-fail` for a listed test that failed (not fatal),
   * `unexpected-pass` for a listed test that passed.
   */
  expectation: z.enum(["expected-fail", "unexpected-pass"]).optional(),
  /** `--repeat`: the status of each attempt, in order; the test's status is the worst. */
  attempts: z.array(testStatusSchema).optional(),
  /** `--repeat`: the attempts did not all end alike. Never hidden: the status is the worst. */
  flaky: z.boolean().optional(),
  /** Resources the test left open (closed by the harness). Reported, not a failure. */
  leaks: z
    .array(
      z.object({ kind: z.enum(["client", "connection", "websocket"]), count: z.number().int() }),
    )
    .optional(),
  /** Console output captured while the test ran (failed tests only, at most 50 lines). */
  logs: z.array(z.string()).optional(),
});
export type TestResult = z.infer<typeof testResultSchema>;

/**
 * A clause's outcome over all its cases: `fail` if any failed or timed out, `untested` if it has
 * no test, `unsupported` if every case is, `skipped` if some did not run, else `pass`.
 */
export const clauseStatusSchema = z.enum(["pass", "fail", "unsupported", "skipped", "untested"]);

export const clauseSummarySchema = z.object({
  id: z.string(),
  level: z.enum(["MUST", "SHOULD"]),
  capabilities: z.array(z.string()),
  text: z.string(),
  status: clauseStatusSchema,
  counts: z.record(testStatusSchema, z.number().int().nonnegative()),
});
export type ClauseSummary = z.infer<typeof clauseSummarySchema>;

export const countsSchema = z.object({
  total: z.number().int().nonnegative(),
  pass: z.number().int().nonnegative(),
  fail: z.number().int().nonnegative(),
  unsupported: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  timeout: z.number().int().nonnegative(),
});

/**
 * The one verdict every output carries (the exit code, junit.xml, summary.md, report.json,
 * runDriverTests): `pass` (exit 0; `warnings` such as failed SHOULD clauses are listed but do
 * not fail the gate), `fail` (exit 1), `error` (exit 2: the driver did not load or start, or the
 * harness broke), `interrupted` (exit 130: Ctrl-C). `reasons` say why the gate is not `pass`.
 */
export const verdictSchema = z.object({
  gate: z.enum(["pass", "fail", "error", "interrupted"]),
  exitCode: z.union([z.literal(0), z.literal(1), z.literal(2), z.literal(130)]),
  reasons: z.array(z.string()),
  warnings: z.array(z.string()),
});
export type Verdict = z.infer<typeof verdictSchema>;

/** The whole report. */
export const reportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal("driver-cert"), version: z.string() }),
  contractVersion: z.number().int(),
  driver: z.object({
    name: z.string(),
    /** The module path given to `driver-cert run`, when known. */
    module: z.string().optional(),
    /** Absent when the module could not be loaded (`startError`). */
    capabilities: capabilitiesSchema.optional(),
  }),
  run: z.object({
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    durationMs: z.number().nonnegative(),
    /** The filters as flags; empty for a full run. */
    filters: z.string(),
    /** True when filters narrowed the run: it cannot certify. */
    partial: z.boolean(),
    bail: z.boolean(),
    /**
     * The seed every generated input of the run came from (0..2^32-1); `--seed <it>` replays
     * the same inputs. Absent in reports of runs without one.
     */
    seed: z.number().int().min(0).max(0xffff_ffff).optional(),
    /** Ctrl-C (SIGINT) stopped the run: tests that did not finish are `skipped`. */
    interrupted: z.boolean().optional(),
    /** `--shard i/n`: this report holds one slice; `driver-cert merge` combines them. */
    shard: z.object({ index: z.number().int().min(1), count: z.number().int().min(1) }).optional(),
    /** `--repeat N`: each selected test ran N times. */
    repeat: z.number().int().min(1).optional(),
    /** `driver-cert merge`: how many reports were combined into this one. */
    mergedFrom: z.number().int().min(1).optional(),
  }),
  level: z.object({
    certified: z.boolean(),
    /** "certified (core + websocket + sse + schedule)" or "not certified". */
    name: z.string(),
    /** Why the run is not certified (empty when certified). */
    reasons: z.array(z.string()),
    /** SHOULD clauses that failed: listed, not fatal. */
    warnings: z.array(z.string()),
  }),
  counts: countsSchema,
  tests: z.array(testResultSchema),
  clauses: z.array(clauseSummarySchema),
  /** Errors of the harness itself (exit code 2). */
  harnessErrors: z.array(z.string()),
  /** Errors thrown outside any test while the run went on (driver timers, sockets...). */
  unhandledErrors: z.array(z.string()),
  /** The driver could not be loaded or started: no test ran (exit code 2). */
  startError: z.object({ code: z.string(), message: z.string() }).optional(),
  /** `--expectations <file>`: how the run compared with the known failures listed there. */
  expectations: z
    .object({
      file: z.string(),
      expectedFailures: z.array(z.string()),
      unexpectedPasses: z.array(z.string()),
      /** Entries that name no test of this run. */
      staleEntries: z.array(z.string()),
    })
    .optional(),
  verdict: verdictSchema,
});
export type CertificationReport = z.infer<typeof reportSchema>;
