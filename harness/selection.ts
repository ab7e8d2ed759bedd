/**
 * Checks what a run's filters selected, before anything runs: an `--id` or `--clause` that
 * names nothing, or filters that together select no test, is a usage error (exit code 2) with
 * a message that says why and how to select what was meant. A run that selects nothing must
 * never pass as an empty success.
 */
import { CLAUSES } from "./clauses.ts";
import { UsageError } from "./errors.ts";
import { describeFilters, type Plan } from "./matrix.ts";

/** How --grep is matched, for messages and --help. */
export const GREP_HELP =
  'a case-insensitive regular expression matched against "<id> <title> <clause>"';

/** Most near ids a message suggests. */
const MAX_SUGGESTIONS = 3;

function suggestions(plan: Plan, wanted: string): string[] {
  const needle = wanted.toLowerCase().split(" [")[0];
  return plan.cases
    .map((c) => c.id)
    .filter((id) => id.toLowerCase().includes(needle) || needle.includes(id.split(" [")[0]))
    .slice(0, MAX_SUGGESTIONS);
}

/** Shell-quotes one argument for a command line a person can paste (POSIX sh). */
export function shellQuote(arg: string): string {
  return /^[\w./:=,@+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Throws UsageError (`invalid_option`) when an `--id` names no planned case, a `--clause` is
 * not a clause of docs/CONTRACT.md or has no test, or the filters (shards aside: a shard may be
 * empty) select no case at all. Returns quietly for an unfiltered plan.
 */
export function checkSelection(plan: Plan): void {
  const { filters } = plan;
  const known = new Set(plan.cases.map((c) => c.id));
  for (const id of filters.ids ?? []) {
    if (known.has(id)) continue;
    const near = suggestions(plan, id);
    throw new UsageError(
      `--id ${shellQuote(id)} names no test: ids are exact (see \`driver-cert list\`)`,
      near.length > 0
        ? `did you mean ${near.map((n) => `--id ${shellQuote(n)}`).join(" or ")}?`
        : undefined,
    );
  }
  const cited = new Set(plan.cases.map((c) => c.test.clause.id));
  for (const clause of filters.clauses ?? []) {
    if (!CLAUSES.some((c) => c.id === clause)) {
      throw new UsageError(
        `--clause ${clause} is not a clause of docs/CONTRACT.md`,
        "clause ids are exact and upper-case, e.g. --clause CONN-1",
      );
    }
    if (!cited.has(clause)) throw new UsageError(`--clause ${clause}: no test cites ${clause}`);
  }
  const selected = plan.cases.filter((c) => c.skipKind !== "filter");
  const unsharded = describeFilters({ ...filters, shard: undefined });
  if (selected.length > 0 || unsharded === "") return;
  let hint: string | undefined;
  if (filters.grep !== undefined) {
    const literal = plan.cases.find((c) => c.id.toLowerCase() === filters.grep?.toLowerCase());
    hint =
      `--grep is ${GREP_HELP}; [ ] ( ) . * + ? have their regex meaning. ` +
      (literal
        ? `To select this test by its exact id: --id ${shellQuote(literal.id)}`
        : "To select tests exactly use --id <id> (repeatable) or --clause <id>");
  }
  throw new UsageError(`no test selected by ${unsharded}: nothing to run`, hint);
}
