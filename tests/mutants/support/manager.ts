/**
 * Lookup mutations: a ManagerDriver whose key handling or id lookup is subtly wrong, built on the
 * real one.
 */
import type {
  ActorKey,
  ActorOutput,
  CreateActorInput,
  ManagerDriver,
} from "../../../runtime/driver/index.ts";

/**
 * `inner` with every key passed through `transform` before it is looked up or stored, as a
 * driver that normalises keys would; outputs are what the inner driver stored.
 */
export function rekey(inner: ManagerDriver, transform: (key: ActorKey) => ActorKey): ManagerDriver {
  const fix = <T extends { key: ActorKey }>(input: T): T => ({
    ...input,
    key: transform(input.key),
  });
  return {
    ...inner,
    getWithKey: (input) => inner.getWithKey(fix(input)),
    getOrCreateWithKey: (input) => inner.getOrCreateWithKey(fix(input)),
    createActor: (input) => inner.createActor(fix(input)),
  };
}

/**
 * `inner` that remembers the last actor it created or returned from getOrCreateWithKey; the
 * mutant reads it through `latest()`.
 */
export function trackLatest(inner: ManagerDriver): {
  manager: ManagerDriver;
  latest(): ActorOutput | undefined;
} {
  let latest: ActorOutput | undefined;
  const remember = async (made: Promise<ActorOutput>) => {
    latest = await made;
    return latest;
  };
  return {
    manager: {
      ...inner,
      getOrCreateWithKey: (input: CreateActorInput) => remember(inner.getOrCreateWithKey(input)),
      createActor: (input: CreateActorInput) => remember(inner.createActor(input)),
    },
    latest: () => latest,
  };
}
