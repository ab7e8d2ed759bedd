/**
 * What the crash test's parent and child share: a counter actor whose state carries padding
 * derived from the count (so a torn or mixed write cannot pass for a valid state, and writes are
 * large enough to be caught half-done), and a start context that also exposes the driver's
 * ActorDriver so the parent can decode every actor file.
 */

import {
  type ActorDriver,
  createDriverRuntimeHelpers,
  type DriverStartContext,
  type LocalActorHostOptions,
} from "../../runtime/driver/index.ts";
import { actor, setup } from "../../runtime/index.ts";

/** Bytes of padding in the counter's state. */
export const PAD_BYTES = 64 * 1024;

function padFor(count: number): Uint8Array {
  return new Uint8Array(PAD_BYTES).fill(count % 251);
}

/** True when `pad` is the padding written together with `count`. */
export function padMatches(count: number, pad: Uint8Array): boolean {
  return pad.length === PAD_BYTES && pad.every((b) => b === count % 251);
}

const crashCounter = actor({
  state: { count: 0, pad: padFor(0) },
  actions: {
    /** Adds one; the reply comes after the new state is written (PERSIST-2). */
    increment: (c) => {
      c.state.count += 1;
      c.state.pad = padFor(c.state.count);
      return c.state.count;
    },
    /** The count, and whether the padding agrees with it. */
    read: (c) => ({ count: c.state.count, consistent: padMatches(c.state.count, c.state.pad) }),
  },
});

/** The registry the writer hosts: one counter definition. */
export const crashRegistry = setup({ use: { counter: crashCounter } });

/** A start context on `dataDir` with the real runtime; `actorDriver()` is the driver's own. */
export function crashContext(dataDir: string): {
  ctx: DriverStartContext;
  actorDriver: () => ActorDriver;
} {
  const helpers = createDriverRuntimeHelpers();
  let captured: ActorDriver | undefined;
  const ctx: DriverStartContext = {
    registry: crashRegistry,
    dataDir,
    namespace: "crash",
    runtime: {
      ...helpers,
      createLocalActorHost(options: LocalActorHostOptions) {
        captured = options.actorDriver;
        return helpers.createLocalActorHost(options);
      },
    },
  };
  return {
    ctx,
    actorDriver: () => {
      if (captured === undefined) throw new Error("the driver has not built its actor host yet");
      return captured;
    },
  };
}
