/**
 * One actor = one SQLite-backed Durable Object, named by its namespace, name and key. The object
 * holds the actor's record, its persisted bytes and its one alarm, and runs the runtime's local
 * actor host for this single actor: the runtime multiplexes its scheduled events onto the
 * object's alarm (it always asks for the earliest), and `alarm()` hands the wake-up back to it.
 */
import {
  type ActorDriver,
  ActorError,
  type ActorOutput,
  createLocalActorHost,
  type LocalActorHost,
  type Registry,
} from "../../../runtime/driver/index.ts";
import { type CreateBody, errorJson, fromBase64, json } from "../wire.ts";
import { type ActorRecord, ActorStorage, sha256 } from "./actor-storage.ts";
import { Directory, NAMESPACE_HEADER, OBJECT_ORIGIN } from "./directory.ts";
import type { WorkerParts } from "./parts.ts";
import type { DurableObjectClass, DurableObjectState, WorkerEnv } from "./platform.ts";
import { handleActorRoute, type RouteTarget } from "./route.ts";
import { createWorkerManager } from "./worker-manager.ts";

function outputOf(record: ActorRecord): ActorOutput {
  const output: ActorOutput = { actorId: record.actorId, name: record.name, key: record.key };
  if (record.region !== undefined) output.region = record.region;
  return output;
}

/** Builds the Durable Object class for `registry` with `parts`. */
export function createActorObjectClass(registry: Registry, parts: WorkerParts): DurableObjectClass {
  return class ActorObject {
    readonly #ctx: DurableObjectState;
    readonly #env: WorkerEnv;
    readonly #storage: ActorStorage;
    #host: LocalActorHost | undefined;
    /** Answers still streaming, by request id (see RouteTarget.inflight). */
    readonly #inflight = new Map<string, AbortController>();
    /** Set when the runtime re-arms the alarm while `alarm()` runs. */
    #armedDuringAlarm = false;

    constructor(ctx: DurableObjectState, env: WorkerEnv) {
      this.#ctx = ctx;
      this.#env = env;
      this.#storage = new ActorStorage(ctx.storage.sql);
    }

    async fetch(request: Request): Promise<Response> {
      const url = new URL(request.url);
      const namespace = request.headers.get(NAMESPACE_HEADER) ?? "";
      try {
        switch (url.pathname) {
          case "/create":
            return await this.#create(namespace, (await request.json()) as CreateBody);
          case "/meta": {
            const record = this.#recordIn(namespace);
            return record ? json(outputOf(record)) : json(null, 404);
          }
          case "/stop":
            await this.#stop();
            return json(null);
          case "/resume":
            await this.#resume();
            return json(null);
          case "/abort":
            this.#inflight.get(await request.text())?.abort(new Error("the client went away"));
            return json(null);
          case "/damage":
            if (!this.#recordIn(namespace)) return json(null, 404);
            this.#storage.damage();
            return json(null);
          case "/fail-writes":
            if (!this.#recordIn(namespace)) return json(null, 404);
            this.#storage.set("failWrites", (await request.text()) === "1" ? 1 : undefined);
            return json(null);
          default:
            return await handleActorRoute(request, (ns) => this.#routeTarget(ns));
        }
      } catch (error) {
        if (error instanceof ActorError) return errorJson(error);
        throw error;
      }
    }

    /** The record when the object holds an actor of `namespace` (else a foreign id: a miss). */
    #recordIn(namespace: string): ActorRecord | undefined {
      const record = this.#storage.record();
      return record !== undefined && record.namespace === namespace ? record : undefined;
    }

    async #create(namespace: string, body: CreateBody): Promise<Response> {
      const data = fromBase64(body.data);
      const digest = await sha256(data);
      // Register with the namespace first (idempotent; the id is this object's whatever wins).
      const actorId = this.#ctx.id.toString();
      const namespaces = this.#env.NAMESPACES;
      await namespaces
        .get(namespaces.idFromName(namespace))
        .fetch(new Request(`${OBJECT_ORIGIN}/register`, { method: "POST", body: actorId }));
      // From here on nothing awaits: the check and the writes are one event of this object.
      const existing = this.#storage.record();
      if (existing !== undefined) {
        if (body.mode === "get-or-create") return json(outputOf(existing));
        throw new ActorError(
          "actor_already_exists",
          `actor ${JSON.stringify(body.name)} with key ${JSON.stringify(body.key)} already exists`,
        );
      }
      const record: ActorRecord = { namespace, actorId, name: body.name, key: body.key };
      if (body.region !== undefined) record.region = body.region;
      this.#storage.create(record, data, digest);
      return json(outputOf(record));
    }

    #routeTarget(namespace: string): RouteTarget | Response {
      if (this.#storage.record() !== undefined && this.#storage.get("stopped") === 1) {
        return new Response("the driver of this actor is stopped", { status: 503 });
      }
      return { host: this.#hostFor(namespace), parts, inflight: this.#inflight };
    }

    /** The local actor host of this object; it knows the actor only when `namespace` matches. */
    #hostFor(namespace: string): LocalActorHost {
      const record = this.#recordIn(namespace);
      if (record === undefined) return this.#hostWithout(namespace);
      this.#host ??= this.#newHost(record);
      return this.#host;
    }

    #hostWithout(namespace: string): LocalActorHost {
      return createLocalActorHost({
        registry,
        actorDriver: this.#actorDriver(namespace),
        getActorMetadata: async () => undefined,
        managerDriver: () => createWorkerManager(new Directory(this.#env, namespace, parts)),
      });
    }

    #newHost(record: ActorRecord): LocalActorHost {
      const manager = createWorkerManager(new Directory(this.#env, record.namespace, parts));
      return createLocalActorHost({
        registry,
        actorDriver: this.#actorDriver(record.namespace),
        getActorMetadata: async (actorId) =>
          actorId === record.actorId ? outputOf(record) : undefined,
        managerDriver: () => manager,
      });
    }

    #actorDriver(namespace: string): ActorDriver {
      const storage = this.#storage;
      return {
        readPersistedData: (actorId) => storage.read(actorId),
        writePersistedData: (_actorId, data) => storage.write(data),
        setAlarm: async (_actorId, at) => {
          if (!Number.isFinite(at)) throw new TypeError(`alarm time must be finite, got ${at}`);
          storage.set("alarmAt", at);
          this.#armedDuringAlarm = true;
          await parts.armAlarm(this.#ctx.storage, at);
        },
        getContext: (actorId) => ({ driver: "cloudflare-workers", namespace, actorId }),
      };
    }

    /** The object's alarm: the runtime runs what is due and re-arms for what is left. */
    async alarm(): Promise<void> {
      const record = this.#storage.record();
      // A stopped namespace runs nothing (DRV-4); `alarmAt` stays, and resume re-arms it.
      if (record === undefined || this.#storage.get("stopped") === 1) return;
      this.#armedDuringAlarm = false;
      await this.#hostFor(record.namespace).fireAlarm(record.actorId);
      if (!this.#armedDuringAlarm) this.#storage.set("alarmAt", undefined);
    }

    /** Final saves, connections closed, the in-memory instance dropped; alarms held. */
    async #stop(): Promise<void> {
      if (this.#storage.record() === undefined) return;
      this.#storage.set("stopped", 1);
      const host = this.#host;
      this.#host = undefined;
      await host?.stop();
    }

    /** Runs again from storage; an alarm that came due meanwhile fires now (SCHED-4). */
    async #resume(): Promise<void> {
      if (this.#storage.record() === undefined) return;
      this.#storage.set("stopped", undefined);
      const at = this.#storage.get("alarmAt");
      if (at !== undefined) await parts.armAlarm(this.#ctx.storage, Math.max(at, Date.now()));
    }
  };
}
