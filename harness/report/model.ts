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

export const capabilitiesSchema = z.object({
  websocket: z.boolean(),
  sse: z.boolean(),
  schedule: z.boolean(),
  durable: z.boolean(),
});

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
  error: z.object({ code: z.string().optional(), message: z.string() }).optional(),
  /** Why the test is unsupported or skipped. */
  reason: z.string().optional(),
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

/** The whole report. */
export const reportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal("driver-cert"), version: z.string() }),
  contractVersion: z.number().int(),
  driver: z.object({
    name: z.string(),
    /** The module path given to `driver-cert run`, when known. */
    module: z.string().optional(),
    capabilities: capabilitiesSchema,
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
});
export type CertificationReport = z.infer<typeof reportSchema>;
