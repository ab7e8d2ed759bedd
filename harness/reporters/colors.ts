/**
 * Whether and how terminal output is coloured (picocolors). Colour is on for a terminal and off
 * for `NO_COLOR` (https://no-color.org), a pipe or a file, `TERM=dumb` and CI (`CI` set), unless
 * `FORCE_COLOR` is set to anything but "0" or "false", which wins over all of these.
 */
import type { Writable } from "node:stream";
import pc from "picocolors";

/** The colour functions (each the identity when colour is off). */
export type Colors = ReturnType<typeof pc.createColors>;

/** True when output to `stream` should be coloured under `env`. */
export function shouldColor(stream: Writable, env: NodeJS.ProcessEnv = process.env): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "0" && force !== "false") return true;
  if (force === "0" || force === "false") return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.CI !== undefined && env.CI !== "" && env.CI !== "false") return false;
  return (stream as { isTTY?: boolean }).isTTY === true && env.TERM !== "dumb";
}

/** The colour functions for `stream`. */
export function colorsFor(stream: Writable, env: NodeJS.ProcessEnv = process.env): Colors {
  return pc.createColors(shouldColor(stream, env));
}
