/**
 * createLocalActorHost(): the in-process implementation of LocalActorHost. One actor router
 * serves every hosted actor; instances start on first use and stay until they sleep or `stop()`.
 */
import type { AnyActorDefinition } from "../actor/definition.ts";
import { ActorError } from "../actor/errors.ts";
import { startActorInstance } from "../actor/instance.ts";
import { createInlineClient } from "../client/inline-client.ts";
import { createActorRouter } from "../routing/actor-router.ts";
import { offeredSubprotocols, selectSubprotocol } from "../routing/select-subprotocol.ts";
import { createSocketPair } from "../routing/socket-pair.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import { ActorSlots } from "./actor-slots.ts";
import type { LocalActorHost, LocalActorHostOptions } from "./local-actor-host.ts";

function stoppedError(): ActorError {
  return new ActorError("internal_error", "the local actor host is stopped");
}

/**
 * Creates a local actor host.
 *
 * - `loadActor(actorId)` starts an instance once: concurrent loads share one start; a failed
 *   start rejects every waiter with its error and is forgotten, so a later load retries
 *   (LIFE-3). An unknown id, or a name the registry lacks, rejects `actor_not_found`. It
 *   resolves a handle that always reaches the actor's current instance (actor-slots.ts).
 * - Sleep (unless `sleep: false`): an idle actor's instance saves and is dropped, then
 *   `ActorDriver.onSleep(actorId)` is awaited; the next request, connection or alarm starts a
 *   new instance, and requests that arrive meanwhile wait for it (SLEEP-1..SLEEP-8).
 * - `sendRequest` / `proxyRequest` hand the request to the actor router (ROUTE-1, ROUTE-4);
 *   response bodies stream (ROUTE-2).
 * - `openWebSocket` creates an in-process socket pair, gives one end to the actor router and
 *   resolves the other, already open (ROUTE-3). The selected subprotocol is `actor.v1` when
 *   the request offers it, else the first offered.
 * - `proxyWebSocket` gives the client's socket straight to the actor router (ROUTE-5).
 * - `fireAlarm(actorId)` loads the actor and runs its due scheduled events (SCHED-1).
 * - `stop()` stops every instance; afterwards every method rejects with `internal_error`.
 *
 * @example
 * const host = createLocalActorHost({ registry, actorDriver, getActorMetadata, managerDriver });
 * const res = await host.sendRequest(actorId, new Request("http://actor/action/ping", init));
 */
export function createLocalActorHost(options: LocalActorHostOptions): LocalActorHost {
  const { registry, actorDriver } = options;
  let stopped = false;

  const start: ConstructorParameters<typeof ActorSlots>[0]["start"] = async (actorId, sleep) => {
    const metadata = await options.getActorMetadata(actorId);
    if (metadata === undefined) {
      throw new ActorError("actor_not_found", `no actor has id ${JSON.stringify(actorId)}`);
    }
    const actors = registry.actors as Record<string, AnyActorDefinition>;
    if (!Object.hasOwn(actors, metadata.name)) {
      throw new ActorError(
        "actor_not_found",
        `actor ${actorId} is a ${JSON.stringify(metadata.name)}, which is not registered`,
      );
    }
    return startActorInstance({
      definition: actors[metadata.name],
      actorId,
      name: metadata.name,
      key: metadata.key,
      region: metadata.region ?? "",
      actorDriver,
      createClient: () => createInlineClient(options.managerDriver(), registry),
      sleep,
    });
  };

  const slots = new ActorSlots({ actorDriver, sleep: options.sleep !== false, start });
  const loadActor: LocalActorHost["loadActor"] = (actorId) =>
    stopped ? Promise.reject(stoppedError()) : slots.load(actorId);

  const runningActor = (actorId: string) => (stopped ? undefined : slots.running(actorId));
  const router = createActorRouter({ loadActor, runningActor });

  const live = <T>(run: () => Promise<T>): Promise<T> =>
    stopped ? Promise.reject(stoppedError()) : run();

  return {
    loadActor,
    sendRequest: (actorId, request) => live(() => router.fetch(request, actorId)),
    proxyRequest: (actorId, request) => live(() => router.fetch(request, actorId)),
    openWebSocket: (actorId, request) =>
      live(async (): Promise<UniversalWebSocket> => {
        const offered = offeredSubprotocols(request.headers.get("sec-websocket-protocol"));
        const protocol = selectSubprotocol(offered) || "";
        const [client, server] = createSocketPair({ protocol });
        // Not awaited: the caller may send at once; the router holds frames until it is ready.
        router.handleWebSocket(request, server, actorId).catch((error) => {
          console.error(`WebSocket to actor ${actorId} failed`, error);
        });
        return client;
      }),
    proxyWebSocket: (actorId, request, socket) =>
      live(() => router.handleWebSocket(request, socket, actorId)),
    fireAlarm: (actorId) => live(async () => (await loadActor(actorId)).onAlarm()),
    async stop() {
      if (stopped) return;
      stopped = true;
      const results = await slots.stopAll();
      for (const result of results) {
        // A start that failed has nothing to stop; a failing stop is worth a log line.
        if (result.status === "rejected" && !(result.reason instanceof ActorError)) {
          console.error("stopping an actor failed", result.reason);
        }
      }
    },
  };
}
