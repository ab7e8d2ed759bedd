/**
 * The test-registration API suite files use: `defineSuite(name, (s) => s.test({...}))`. Nothing
 * is registered at import time; the planner calls each suite's register function when it plans
 * a run. Every test names its clause (docs/CONTRACT.md) and the matrix axes it depends on.
 */
import { fileURLToPath } from "node:url";
import { CAPABILITY_NAMES, type CapabilityName } from "../runtime/driver/index.ts";
import type { Encoding, Transport } from "../runtime/protocol/index.ts";
import { type Clause, findClause } from "./clauses.ts";
import { docPath } from "./package-info.ts";
import type { TestContext } from "./test-context.ts";

/** How a test reaches the driver: the public HTTP client or the in-process inline client. */
export type ClientType = "http" | "inline";

/** A matrix axis a test may depend on. */
export type Axis = "client" | "transport" | "encoding";

/** The axes in their canonical order (also the order of a test id's cell suffix). */
export const AXES: readonly Axis[] = ["client", "transport", "encoding"];

/** One cell of the matrix: client type x transport x encoding. */
export interface Cell {
  readonly client: ClientType;
  readonly transport: Transport;
  readonly encoding: Encoding;
}

/**
 * What the harness prepares before a test body runs:
 * - `full` (default): a started driver, the manager served on 127.0.0.1, a client for the cell;
 * - `driver`: a started driver and its manager only (no server, no client);
 * - `none`: nothing started (for checks of the driver definition itself).
 */
export type TestSetup = "full" | "driver" | "none";

/** What a suite file passes to `s.test()`. */
export interface TestSpec {
  /** Stable slug (`[a-z0-9-]`); derived from the title when omitted. Part of the test id. */
  id?: string;
  /** A sentence about the driver's behaviour: "getOrCreate on one key from ten callers yields one actor". */
  title: string;
  /** The clause checked, e.g. "MGR-4"; an id not in docs/CONTRACT.md is refused. */
  clause: string;
  /** Capabilities needed beyond the clause's own; without them the test is "unsupported". */
  requires?: readonly CapabilityName[];
  /** Absence checks: the test runs only when the driver lacks every one of these. */
  whenLacking?: readonly CapabilityName[];
  /** Axes whose value changes what the test exercises; default none (runs once). */
  axes?: readonly Axis[];
  /** Budget for the whole test body in ms; default the run's `--timeout` (10,000). */
  timeoutMs?: number;
  /** What to prepare; default `full`. */
  setup?: TestSetup;
  /** The body. Everything it opens through the context is closed afterwards, pass or fail. */
  run(t: TestContext): Promise<void>;
}

/** A validated test, before matrix expansion. */
export interface TestDefinition {
  readonly suite: string;
  readonly slug: string;
  /** `<suite>/<slug>`; a cell suffix is added per cell for the axes it depends on. */
  readonly baseId: string;
  readonly title: string;
  readonly clause: Clause;
  /** The test's own capabilities and its clause's, in manifest order. */
  readonly requires: readonly CapabilityName[];
  readonly whenLacking: readonly CapabilityName[];
  /** Depended-on axes, in canonical order. */
  readonly axes: readonly Axis[];
  readonly timeoutMs: number | undefined;
  readonly setup: TestSetup;
  readonly run: (t: TestContext) => Promise<void>;
  /** Where the test is declared: `<absolute file>:<line>`, when the stack tells. */
  readonly source?: string;
}

/** Handed to a suite's register function. */
export interface SuiteBuilder {
  /** Registers one test; throws a TypeError naming the suite and the bad field. */
  test(spec: TestSpec): void;
}

/** A suite: a name and its tests, collected on first request. */
export interface SuiteDefinition {
  readonly name: string;
  /** The suite's tests in registration order; runs the register function once. */
  tests(): readonly TestDefinition[];
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** A slug from a title: lower case, runs of other characters become one dash, at most 80 chars. */
export function slugify(title: string): string {
  return title
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 80)
    .replace(/^-+|-+$/g, "");
}

function checkCapabilities(where: string, field: string, value: unknown): CapabilityName[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new TypeError(`${where}: ${field} must be an array of capability names`);
  for (const name of value) {
    if (!(CAPABILITY_NAMES as readonly string[]).includes(name)) {
      throw new TypeError(
        `${where}: ${field} names unknown capability "${String(name)}"; known: ${CAPABILITY_NAMES.join(", ")}`,
      );
    }
  }
  return value as CapabilityName[];
}

/**
 * The `file:line` of the code that called `s.test(...)`, read from a stack captured there
 * (`depth` frames above this function); undefined when the stack does not say.
 */
function callerSource(depth: number): string | undefined {
  const frames = (new Error().stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
  const frame = frames[depth];
  const match = frame && /\(?((?:file:\/\/)?[^()\s]+):(\d+):\d+\)?$/.exec(frame);
  if (!match) return undefined;
  const file = match[1].startsWith("file://") ? fileURLToPath(match[1]) : match[1];
  return `${file}:${match[2]}`;
}

function validate(suite: string, spec: TestSpec, source?: string): TestDefinition {
  const label = `suite "${suite}", test "${spec?.id ?? spec?.title ?? "(untitled)"}"`;
  if (typeof spec?.title !== "string" || spec.title.trim() === "") {
    throw new TypeError(`${label}: title must be a sentence about the driver's behaviour`);
  }
  const slug = spec.id ?? slugify(spec.title);
  if (!SLUG.test(slug)) throw new TypeError(`${label}: id "${slug}" must match ${SLUG}`);
  const clause = typeof spec.clause === "string" ? findClause(spec.clause) : undefined;
  if (!clause) {
    throw new TypeError(
      `${label}: unknown clause "${String(spec.clause)}"; clause ids come from ${docPath("CONTRACT.md")}`,
    );
  }
  if (typeof spec.run !== "function")
    throw new TypeError(`${label}: run must be an async function`);
  const axes = spec.axes ?? [];
  for (const axis of axes) {
    if (!AXES.includes(axis))
      throw new TypeError(`${label}: unknown axis "${String(axis)}"; axes: ${AXES.join(", ")}`);
  }
  if (spec.timeoutMs !== undefined && !(Number.isInteger(spec.timeoutMs) && spec.timeoutMs > 0)) {
    throw new TypeError(
      `${label}: timeoutMs must be a positive integer (ms), got ${String(spec.timeoutMs)}`,
    );
  }
  const setup = spec.setup ?? "full";
  if (!["full", "driver", "none"].includes(setup))
    throw new TypeError(`${label}: setup must be full, driver or none`);
  const own = checkCapabilities(label, "requires", spec.requires);
  const whenLacking = checkCapabilities(label, "whenLacking", spec.whenLacking);
  const wanted = new Set([...own, ...clause.capabilities]);
  const clash = whenLacking.find((c) => wanted.has(c));
  if (clash)
    throw new TypeError(`${label}: capability "${clash}" is both required and in whenLacking`);
  return Object.freeze({
    suite,
    slug,
    baseId: `${suite}/${slug}`,
    title: spec.title.trim(),
    clause,
    requires: CAPABILITY_NAMES.filter((c) => wanted.has(c)),
    whenLacking: CAPABILITY_NAMES.filter((c) => whenLacking.includes(c)),
    axes: AXES.filter((a) => axes.includes(a)),
    timeoutMs: spec.timeoutMs,
    setup,
    run: spec.run,
    ...(source ? { source } : {}),
  });
}

/**
 * Declares a suite. `register` runs when the suite is first planned, never at import.
 * Throws a TypeError (at planning) for a bad name, a duplicate test id or an invalid spec.
 *
 * @example
 * export const managerSuite = defineSuite("manager", (s) => {
 *   s.test({ title: "getOrCreate from ten callers yields one actor", clause: "MGR-4",
 *     run: async (t) => { ... } });
 * });
 */
export function defineSuite(name: string, register: (s: SuiteBuilder) => void): SuiteDefinition {
  if (!SLUG.test(name)) throw new TypeError(`defineSuite: suite name "${name}" must match ${SLUG}`);
  if (typeof register !== "function")
    throw new TypeError(`defineSuite("${name}"): register must be a function`);
  let collected: readonly TestDefinition[] | undefined;
  return Object.freeze({
    name,
    tests(): readonly TestDefinition[] {
      if (collected) return collected;
      const tests: TestDefinition[] = [];
      register({
        test(spec) {
          const def = validate(name, spec, callerSource(2));
          if (tests.some((t) => t.slug === def.slug)) {
            throw new TypeError(
              `suite "${name}": two tests have the id "${def.slug}"; give one an explicit id`,
            );
          }
          tests.push(def);
        },
      });
      collected = Object.freeze(tests);
      return collected;
    },
  });
}
