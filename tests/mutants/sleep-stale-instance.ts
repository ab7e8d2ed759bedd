/**
 * SLEEP-8 broken: the driver routes through its own actor router and caches each actor's
 * instance for good. Once an actor has slept, requests still go to the instance that slept
 * instead of waking a new one.
 */
import type { AnyActorDefinition } from "../../runtime/actor/definition.ts";
import type { ActorInstanceHost } from "../../runtime/actor/host-interface.ts";
import { startActorInstance } from "../../runtime/actor/instance.ts";
import { createInlineClient } from "../../runtime/client/inline-client.ts";
import { createSocketPair } from "../../runtime/driver/index.ts";
import { createActorRouter } from "../../runtime/routing/actor-router.ts";
import {
  offeredSubprotocols,
  selectSubprotocol,
} from "../../runtime/routing/select-subprotocol.ts";
import { type MutantEnv, type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "SLEEP-8",
  description: "requests keep going to an actor's first instance after it slept",
  suites: ["sleep"],
  grep: "request-connection-raw-socket-wake",
};

/** Per start: the mutant's own instances, by actor id. */
const caches = new WeakMap<object, Map<string, Promise<ActorInstanceHost>>>();
const cacheOf = (env: MutantEnv) => {
  let cache = caches.get(env.ctx);
  if (!cache) {
    cache = new Map();
    caches.set(env.ctx, cache);
  }
  return cache;
};

export default mutantDriver("sleep-stale-instance", "memory", {
  manager: (inner, env) => {
    const options = env.hostOptions!;
    const cache = cacheOf(env);
    const load = (actorId: string): Promise<ActorInstanceHost> => {
      let instance = cache.get(actorId);
      if (!instance) {
        instance = (async () => {
          const metadata = await options.getActorMetadata(actorId);
          if (!metadata) throw new Error(`no actor ${actorId}`);
          return startActorInstance({
            definition: (options.registry.actors as Record<string, AnyActorDefinition>)[
              metadata.name
            ],
            actorId,
            name: metadata.name,
            key: metadata.key,
            region: metadata.region ?? "",
            actorDriver: options.actorDriver,
            createClient: () => createInlineClient(options.managerDriver(), options.registry),
            // The instance may sleep; the cache below never forgets it (the mutation).
            sleep: { onSleepStart: () => {} },
          });
        })();
        cache.set(actorId, instance);
      }
      return instance;
    };
    const router = createActorRouter({ loadActor: load });
    return {
      ...inner,
      sendRequest: (actorId, request) => router.fetch(request, actorId),
      proxyRequest: (actorId, request) => router.fetch(request, actorId),
      async openWebSocket(actorId, request) {
        const offered = offeredSubprotocols(request.headers.get("sec-websocket-protocol"));
        const [client, server] = createSocketPair({ protocol: selectSubprotocol(offered) || "" });
        router.handleWebSocket(request, server, actorId).catch(() => undefined);
        return client;
      },
      proxyWebSocket: (actorId, request, socket) =>
        router.handleWebSocket(request, socket, actorId),
    };
  },
  // stop() also stops the mutant's own instances (DRV-4 is not what this mutant breaks).
  instance: (inner, env) => ({
    ...inner,
    async stop() {
      const instances = [...cacheOf(env).values()];
      cacheOf(env).clear();
      await Promise.allSettled(instances.map(async (i) => (await i).stop()));
      await inner.stop();
    },
  }),
});
