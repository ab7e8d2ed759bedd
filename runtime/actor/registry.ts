/**
 * setup(): the registry, the named set of actor definitions a driver hosts and clients address.
 */
import { z } from "zod";
import { type AnyActorDefinition, isActorDefinition } from "./definition.ts";

/**
 * A validated set of actor definitions by name. `A` keeps each name's definition type, so a
 * client built on `Registry<A>` types `client.counter.getOrCreate(key).increment(5)`.
 */
export interface Registry<
  A extends Record<string, AnyActorDefinition> = Record<string, AnyActorDefinition>,
> {
  readonly kind: "registry";
  /** The definitions by name, frozen. `c.name` inside an actor is its name here (META-1). */
  readonly actors: A;
}

/** What `setup()` takes. */
export interface RegistryConfig<A extends Record<string, AnyActorDefinition>> {
  /** The actor definitions by name: non-empty names without "/". */
  use: A;
}

const nameSchema = z
  .string()
  .min(1, { message: "actor names must not be empty" })
  .refine((name) => !name.includes("/"), { message: 'actor names must not contain "/"' });

/**
 * Builds a registry. Throws a TypeError naming the bad entry: a name that is empty or contains
 * "/", or a value that is not an `actor()` definition.
 *
 * @example
 * export const registry = setup({ use: { counter, chatRoom } });
 */
export function setup<A extends Record<string, AnyActorDefinition>>(
  config: RegistryConfig<A>,
): Registry<A> {
  if (
    typeof config !== "object" ||
    config === null ||
    typeof config.use !== "object" ||
    config.use === null
  ) {
    throw new TypeError("setup(): expected { use: { <name>: actor({...}), ... } }");
  }
  for (const [name, definition] of Object.entries(config.use)) {
    const parsed = nameSchema.safeParse(name);
    if (!parsed.success) {
      throw new TypeError(
        `setup(): invalid actor name ${JSON.stringify(name)}: ${parsed.error.issues[0].message}`,
      );
    }
    if (!isActorDefinition(definition)) {
      throw new TypeError(
        `setup(): \`use.${name}\` is not an actor definition; build it with actor({...})`,
      );
    }
  }
  return Object.freeze({ kind: "registry", actors: Object.freeze({ ...config.use }) as A });
}
