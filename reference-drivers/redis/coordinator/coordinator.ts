/**
 * The driver's control plane in Redis: the actor directory (metadata and key index), state
 * bytes, ownership leases with fencing tokens, alarms and node membership. The harness-side
 * manager and every node process each hold one Coordinator (one ioredis connection).
 *
 * Commands fail fast while the connection is down (no offline queue, a command timeout), so a
 * dropped or restarted Redis gives errors or recovery within a bound, never a hang (DIST-12).
 */
import { Redis } from "ioredis";
import {
  ActorError,
  type ActorOutput,
  type CreateActorInput,
} from "../../../runtime/driver/index.ts";
import { type KeySpace, keySpace } from "./keys.ts";
import {
  ACQUIRE_LEASE,
  CLAIM_ALARM,
  CREATE_ACTOR,
  FENCED_SET_ALARM,
  FENCED_WRITE,
  FINISH_ALARM,
  type LuaScript,
  RELEASE_LEASE,
  RENEW_LEASE,
  SCRIPTS,
} from "./scripts.ts";

/** Longest a Redis command may take before it fails, in ms. */
export const COMMAND_TIMEOUT_MS = 2_000;

/** A live node as membership lists it. */
export interface NodeRecord {
  nodeId: string;
  /** `http://127.0.0.1:<port>` where the node serves. */
  address: string;
  pid: number;
}

/** The outcome of asking for a lease. */
export type LeaseGrant =
  | { kind: "granted"; token: string }
  | { kind: "held"; token: string }
  | { kind: "missing" };

/** The node id in a lease token `<nodeId>|<fence>`. */
export function tokenNode(token: string): string {
  return token.slice(0, token.lastIndexOf("|"));
}

/** Options of a Coordinator. */
export interface CoordinatorOptions {
  /** `redis://host:port` or `redis+unix:///path/to/socket` (ioredis also takes `path`). */
  url: string;
  namespace: string;
  /** Suffix of the connection's client name, `driver-cert:<namespace>:<role>`. */
  role: string;
}

/** Opens an ioredis connection for `url`; unix sockets as `unix:///path`. */
function connect(url: string, name: string): Redis {
  const options = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: COMMAND_TIMEOUT_MS,
    connectionName: name,
    retryStrategy: (times: number) => Math.min(times * 50, 500),
  };
  if (url.startsWith("unix://"))
    return new Redis({ ...options, path: url.slice("unix://".length) });
  return new Redis(url, options);
}

/** One connection's view of one namespace in Redis. */
export class Coordinator {
  readonly namespace: string;
  readonly keys: KeySpace;
  readonly redis: Redis;
  #closed = false;

  private constructor(redis: Redis, namespace: string) {
    this.redis = redis;
    this.namespace = namespace;
    const keys = keySpace(namespace);
    this.keys = keys;
    for (const script of SCRIPTS) {
      redis.defineCommand(script.name, { numberOfKeys: script.keys, lua: script.lua });
    }
    // Reconnection errors are reported through the commands that fail; no unhandled events.
    redis.on("error", () => {});
  }

  /** Connects; rejects with the connection error within COMMAND_TIMEOUT_MS. */
  static async open(options: CoordinatorOptions): Promise<Coordinator> {
    const keys = keySpace(options.namespace);
    const redis = connect(options.url, `${keys.prefix}${options.role}`);
    try {
      await redis.connect();
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    return new Coordinator(redis, options.namespace);
  }

  #run(script: LuaScript, keys: string[], args: (string | number | Buffer)[]): Promise<unknown> {
    const command = (
      this.redis as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
    )[script.name];
    return command.call(this.redis, ...keys, ...args);
  }

  /**
   * Creates the actor with `initial` bytes, or with `reuse` returns the one holding the name and
   * key. Rejects `actor_already_exists` without `reuse` when taken (MGR-4, MGR-5).
   */
  async create(input: CreateActorInput, initial: Uint8Array, reuse: boolean): Promise<ActorOutput> {
    const actorId = crypto.randomUUID();
    const [created, id] = (await this.#run(
      CREATE_ACTOR,
      [
        this.keys.keyIndex(input.name, input.key),
        this.keys.actor(actorId),
        this.keys.state(actorId),
      ],
      [actorId, input.name, JSON.stringify(input.key), input.region ?? "", Buffer.from(initial)],
    )) as [number, string];
    if (created === 1) {
      const output: ActorOutput = { actorId, name: input.name, key: Object.freeze([...input.key]) };
      if (input.region !== undefined) output.region = input.region;
      return output;
    }
    if (!reuse) {
      throw new ActorError(
        "actor_already_exists",
        `actor ${JSON.stringify(input.name)} with key ${JSON.stringify(input.key)} already exists`,
      );
    }
    const existing = await this.getForId(id);
    if (existing === undefined) throw new ActorError("driver_error", `actor ${id} vanished`);
    return existing;
  }

  /** The actor's metadata, or undefined for an unknown id (MGR-2). */
  async getForId(actorId: string): Promise<ActorOutput | undefined> {
    const fields = await this.redis.hgetall(this.keys.actor(actorId));
    if (fields.name === undefined) return undefined;
    const output: ActorOutput = {
      actorId,
      name: fields.name,
      key: Object.freeze(JSON.parse(fields.key) as string[]),
    };
    if (fields.region) output.region = fields.region;
    return output;
  }

  /** The actor holding this name and whole key, or undefined (MGR-3, KEY-1). */
  async getWithKey(name: string, key: readonly string[]): Promise<ActorOutput | undefined> {
    const id = await this.redis.get(this.keys.keyIndex(name, key));
    return id === null ? undefined : this.getForId(id);
  }

  /** The actor's bytes, or undefined when it has none. */
  async readState(actorId: string): Promise<Uint8Array | undefined> {
    const bytes = await this.redis.getBuffer(this.keys.state(actorId));
    return bytes === null ? undefined : new Uint8Array(bytes);
  }

  /**
   * Writes the bytes if `token` still holds the lease: "written", "fenced" when the fence refused
   * it (another token holds the lease), "refused" while the actor's writes fail (PERSIST-9 hook).
   */
  async writeState(
    actorId: string,
    token: string,
    data: Uint8Array,
  ): Promise<"written" | "fenced" | "refused"> {
    const keys = [
      this.keys.lease(actorId),
      this.keys.state(actorId),
      this.keys.refuseWrites(actorId),
    ];
    const result = await this.#run(FENCED_WRITE, keys, [token, Buffer.from(data)]);
    return result === 1 ? "written" : result === -1 ? "refused" : "fenced";
  }

  /**
   * While `fail` is true, every write of the actor's bytes is refused and the stored bytes stay
   * as they were, as on a full disk (the PERSIST-9 test hook `failPersistedWrites`).
   */
  async refuseWrites(actorId: string, fail: boolean): Promise<void> {
    if (fail) await this.redis.set(this.keys.refuseWrites(actorId), "1");
    else await this.redis.del(this.keys.refuseWrites(actorId));
  }

  /** Truncates the actor's stored bytes, as a torn write would (the PERSIST-5 hook). */
  async damageState(actorId: string): Promise<void> {
    const key = this.keys.state(actorId);
    const bytes = await this.redis.getBuffer(key);
    if (bytes === null) throw new TypeError(`no stored bytes for actor ${actorId}`);
    await this.redis.set(key, bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))));
  }

  /** Asks for the actor's lease for `nodeId`, valid `ms` in Redis time. */
  async acquireLease(actorId: string, nodeId: string, ms: number): Promise<LeaseGrant> {
    const keys = [this.keys.lease(actorId), this.keys.fence, this.keys.actor(actorId)];
    const [result, token] = (await this.#run(ACQUIRE_LEASE, keys, [nodeId, ms])) as [
      number,
      string,
    ];
    if (result === -1) return { kind: "missing" };
    return result === 1 ? { kind: "granted", token } : { kind: "held", token };
  }

  /**
   * Renews each lease still held by its token, in one pipeline. Resolves the ids renewed and the
   * ids whose lease another token holds or that expired; an id in neither could not be asked.
   */
  async renewLeases(
    leases: ReadonlyMap<string, string>,
    ms: number,
  ): Promise<{ renewed: string[]; lost: string[] }> {
    if (leases.size === 0) return { renewed: [], lost: [] };
    const pipeline = this.redis.pipeline() as unknown as Record<
      string,
      (...a: unknown[]) => void
    > & {
      exec(): Promise<Array<[Error | null, unknown]> | null>;
    };
    const ids = [...leases.keys()];
    for (const id of ids) pipeline[RENEW_LEASE.name](this.keys.lease(id), leases.get(id), ms);
    const results = (await pipeline.exec()) ?? [];
    const asked = ids.filter((_, i) => results[i] !== undefined && results[i][0] === null);
    return {
      renewed: asked.filter((id) => results[ids.indexOf(id)][1] === 1),
      lost: asked.filter((id) => results[ids.indexOf(id)][1] !== 1),
    };
  }

  /** Gives the lease up when `token` still holds it. */
  async releaseLease(actorId: string, token: string): Promise<void> {
    await this.#run(RELEASE_LEASE, [this.keys.lease(actorId)], [token]);
  }

  /** The token holding the actor's lease, or undefined. */
  async leaseOf(actorId: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.lease(actorId))) ?? undefined;
  }

  /** Arms the alarm for `timestampMs` if `token` holds the lease; false when refused. */
  async setAlarm(actorId: string, token: string, timestampMs: number): Promise<boolean> {
    const keys = [this.keys.lease(actorId), this.keys.alarms];
    return (await this.#run(FENCED_SET_ALARM, keys, [token, actorId, timestampMs])) === 1;
  }

  /** Up to `limit` alarms due at `nowMs`, earliest first, as `[actorId, dueMs]`. */
  async dueAlarms(nowMs: number, limit: number): Promise<Array<[string, number]>> {
    const flat = await this.redis.zrangebyscore(
      this.keys.alarms,
      "-inf",
      nowMs,
      "WITHSCORES",
      "LIMIT",
      0,
      limit,
    );
    const due: Array<[string, number]> = [];
    for (let i = 0; i < flat.length; i += 2) due.push([flat[i], Number(flat[i + 1])]);
    return due;
  }

  /** Claims a due alarm for the lease holder by moving it to `retryAt`; false when not claimed. */
  async claimAlarm(actorId: string, token: string, dueMs: number, retryAt: number) {
    const keys = [this.keys.lease(actorId), this.keys.alarms];
    return (await this.#run(CLAIM_ALARM, keys, [token, actorId, dueMs, retryAt])) === 1;
  }

  /**
   * Ends a claim unless the run armed a new time: drops the alarm, or with `restoreAt` (Unix ms)
   * puts it back to that time, for a run cut short before its events ran.
   */
  async finishAlarm(actorId: string, retryAt: number, restoreAt?: number): Promise<void> {
    await this.#run(FINISH_ALARM, [this.keys.alarms], [actorId, retryAt, restoreAt ?? ""]);
  }

  /** Records the node and refreshes its heartbeat for `ms`. */
  async heartbeat(node: NodeRecord, ms: number): Promise<void> {
    await this.redis
      .multi()
      .hset(this.keys.nodes, node.nodeId, JSON.stringify(node))
      .set(this.keys.heartbeat(node.nodeId), "1", "PX", ms)
      .exec();
  }

  /** Removes the node's heartbeat: it takes no new actors. */
  async leave(nodeId: string): Promise<void> {
    await this.redis.del(this.keys.heartbeat(nodeId));
  }

  /** The node's record, live or not, or undefined for a node that never joined. */
  async node(nodeId: string): Promise<NodeRecord | undefined> {
    const json = await this.redis.hget(this.keys.nodes, nodeId);
    return json === null ? undefined : (JSON.parse(json) as NodeRecord);
  }

  /** Nodes whose heartbeat has not expired, in node id order. */
  async liveNodes(): Promise<NodeRecord[]> {
    const all = await this.redis.hgetall(this.keys.nodes);
    const ids = Object.keys(all).sort();
    if (ids.length === 0) return [];
    const beats = await this.redis.mget(ids.map((id) => this.keys.heartbeat(id)));
    return ids.filter((_, i) => beats[i] !== null).map((id) => JSON.parse(all[id]) as NodeRecord);
  }

  /**
   * Closes every connection whose client name is in this namespace, this one included, as a
   * network fault would (the DIST-12 hook); resolves how many were closed.
   */
  async dropConnections(): Promise<number> {
    const list = (await this.redis.call("CLIENT", "LIST")) as string;
    const ids = list
      .split("\n")
      .filter((line) => line.includes(` name=${this.keys.prefix}`))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    let closed = 0;
    for (const id of ids) {
      closed += Number(await this.redis.call("CLIENT", "KILL", "ID", id).catch(() => 0));
    }
    return closed;
  }

  /** Deletes every key of the namespace (SCAN, then UNLINK in batches). */
  async deleteNamespace(): Promise<void> {
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(
        cursor,
        "MATCH",
        `${this.keys.prefix}*`,
        "COUNT",
        500,
      );
      if (keys.length > 0) await this.redis.unlink(...keys);
      cursor = next;
    } while (cursor !== "0");
  }

  /** Closes the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
