/**
 * The actors one node runs, each under its lease. An actor starts here only after this node got
 * its lease from Redis (so at most one node runs it, DIST-1); every state write and alarm goes
 * through a Lua script that compares the lease token (DIST-5). Leases are renewed on a timer
 * that nothing an action does can hold up for long (DIST-9); an actor whose lease is lost, or
 * could not be renewed within the lease time, is stopped here at once (its connections close).
 *
 * Each actor gets its own runtime LocalActorHost, so one actor can be stopped without the others.
 */
import {
  type ActorDriver,
  ActorError,
  createLocalActorHost,
  type LocalActorHost,
  type ManagerDriver,
  type Registry,
  type UniversalWebSocket,
} from "../../../runtime/driver/index.ts";
import { type Coordinator, tokenNode } from "../coordinator/coordinator.ts";
import type { Moved } from "../routing/forwarder.ts";

/** One actor this node runs. */
interface Slot {
  actorId: string;
  token: string;
  host: LocalActorHost;
  /** `performance.now()` of the last renewal Redis confirmed (or of the grant). */
  renewedAt: number;
  retired: boolean;
}

/** Options of ActorSlots. */
export interface ActorSlotsOptions {
  nodeId: string;
  registry: Registry;
  coordinator: Coordinator;
  leaseMs: number;
  /** The node's manager, for `c.client()` (routes across nodes). */
  manager: () => ManagerDriver;
}

/** The actors of one node, with their leases. */
export class ActorSlots {
  readonly #options: ActorSlotsOptions;
  readonly #slots = new Map<string, Slot>();
  readonly #starting = new Map<string, Promise<Slot | Moved | undefined>>();
  /** Alarm runs in progress here, by actor id; stop() waits for them to finish their claims. */
  readonly #firing = new Map<string, Promise<void>>();
  /** A host for ids that exist nowhere: its router answers `actor_not_found`. */
  readonly #nobody: LocalActorHost;
  #stopped = false;
  #draining = false;

  constructor(options: ActorSlotsOptions) {
    this.#options = options;
    this.#nobody = createLocalActorHost({
      registry: options.registry,
      actorDriver: {
        readPersistedData: async () => undefined,
        writePersistedData: async () => {},
        setAlarm: async () => {},
      },
      getActorMetadata: async () => undefined,
      managerDriver: options.manager,
    });
  }

  /** Actor ids running here with their lease tokens. */
  leases(): Map<string, string> {
    return new Map([...this.#slots.values()].map((s) => [s.actorId, s.token]));
  }

  #actorDriver(slot: () => Slot): ActorDriver {
    const { coordinator, nodeId } = this.#options;
    return {
      readPersistedData: (actorId) => coordinator.readState(actorId),
      writePersistedData: async (actorId, data) => {
        const current = slot();
        const outcome = await coordinator.writeState(actorId, current.token, data);
        if (outcome === "refused") {
          throw new ActorError(
            "driver_error",
            `the write of actor ${actorId}'s state was refused: its storage refuses writes`,
          );
        }
        if (outcome === "fenced") {
          this.retire(current, "its state write was refused by the fence");
          throw new ActorError(
            "driver_error",
            `node ${nodeId} no longer holds the lease of actor ${actorId}: write refused`,
          );
        }
      },
      setAlarm: async (actorId, timestampMs) => {
        const current = slot();
        if (!(await coordinator.setAlarm(actorId, current.token, timestampMs))) {
          throw new ActorError(
            "driver_error",
            `node ${nodeId} no longer holds the lease of actor ${actorId}: alarm refused`,
          );
        }
      },
      getContext: (actorId) => ({ driver: "redis", nodeId, actorId }),
    };
  }

  /**
   * The slot of `actorId` if this node owns it or could take its lease now; `Moved` when another
   * node holds the lease; undefined when the actor does not exist.
   */
  async acquire(actorId: string): Promise<Slot | Moved | undefined> {
    if (this.#stopped)
      throw new ActorError("driver_error", `node ${this.#options.nodeId} is stopping`);
    const slot = this.#slots.get(actorId);
    if (slot && !slot.retired) {
      // Past most of the lease without a confirmed renewal (a pause, a stall): ask Redis first.
      if (performance.now() - slot.renewedAt < this.#options.leaseMs * 0.75) return slot;
      const holder = await this.#options.coordinator.leaseOf(actorId);
      if (holder === slot.token) return slot;
      this.retire(slot, "its lease expired while the node was not renewing it");
    }
    const pending = this.#starting.get(actorId);
    if (pending) return pending;
    const starting = this.#grant(actorId).finally(() => this.#starting.delete(actorId));
    this.#starting.set(actorId, starting);
    return starting;
  }

  async #grant(actorId: string): Promise<Slot | Moved | undefined> {
    const { coordinator, nodeId, leaseMs, registry } = this.#options;
    const grant = await coordinator.acquireLease(actorId, nodeId, leaseMs);
    if (grant.kind === "missing") return undefined;
    if (grant.kind === "held" && tokenNode(grant.token) !== nodeId) return { moved: grant.token };
    // Granted, or this node's own lease from an actor it retired: adopt it again.
    const created: Slot = {
      actorId,
      token: grant.token,
      renewedAt: performance.now(),
      retired: false,
      host: undefined as unknown as LocalActorHost,
    };
    created.host = createLocalActorHost({
      registry,
      actorDriver: this.#actorDriver(() => created),
      getActorMetadata: (id) => coordinator.getForId(id),
      managerDriver: this.#options.manager,
    });
    this.#slots.set(actorId, created);
    return created;
  }

  /** Stops the actor here: another node will take it (connections close, nothing is written). */
  retire(slot: Slot, why: string): void {
    if (slot.retired) return;
    slot.retired = true;
    if (this.#slots.get(slot.actorId) === slot) this.#slots.delete(slot.actorId);
    console.error(`node ${this.#options.nodeId}: actor ${slot.actorId} retired: ${why}`);
    slot.host.stop().catch(() => {});
  }

  /** Serves HTTP for an actor this node owns, or says who does. */
  async request(actorId: string, request: Request): Promise<Response | Moved> {
    const slot = await this.acquire(actorId);
    if (slot === undefined) return this.#nobody.sendRequest(actorId, request);
    if ("moved" in slot) return slot;
    return slot.host.sendRequest(actorId, request);
  }

  /** Opens a socket to an actor this node owns, or says who does. */
  async openWebSocket(actorId: string, request: Request): Promise<UniversalWebSocket | Moved> {
    const slot = await this.acquire(actorId);
    if (slot === undefined) return this.#nobody.openWebSocket(actorId, request);
    if ("moved" in slot) return slot;
    return slot.host.openWebSocket(actorId, request);
  }

  /** Renews every lease held here; retires actors whose lease is gone or went unconfirmed too long. */
  async renew(): Promise<void> {
    const { coordinator, leaseMs } = this.#options;
    const leases = this.leases();
    let outcome: { renewed: string[]; lost: string[] } = { renewed: [], lost: [] };
    try {
      outcome = await coordinator.renewLeases(leases, leaseMs);
    } catch {
      // Redis unreachable: keep running until the lease may have expired, then stop (below).
    }
    const now = performance.now();
    for (const id of outcome.renewed) {
      const slot = this.#slots.get(id);
      if (slot && slot.token === leases.get(id)) slot.renewedAt = now;
    }
    for (const id of outcome.lost) {
      const slot = this.#slots.get(id);
      if (slot && slot.token === leases.get(id)) this.retire(slot, "another node holds its lease");
    }
    for (const slot of [...this.#slots.values()]) {
      if (now - slot.renewedAt >= leaseMs)
        this.retire(slot, "its lease could not be renewed in time");
    }
  }

  /**
   * Fires the alarms that are due: those of actors owned here, and of actors no node owns (this
   * node takes the lease first). A claim moves the alarm one lease time ahead in Redis (no other
   * node can take the lease before then), so a run that dies with its node comes due again; one
   * actor's alarm never runs twice at once (DIST-10).
   */
  async fireDueAlarms(): Promise<void> {
    const { coordinator } = this.#options;
    const due = await coordinator.dueAlarms(Date.now(), 32);
    for (const [actorId, dueMs] of due) {
      if (this.#firing.has(actorId) || this.#stopped || this.#draining) continue;
      const holder = this.#slots.get(actorId);
      if (!holder && (await coordinator.leaseOf(actorId)) !== undefined) continue;
      const slot = await this.acquire(actorId).catch(() => undefined);
      if (slot === undefined || "moved" in slot) continue;
      const retryAt = Date.now() + this.#options.leaseMs;
      if (!(await coordinator.claimAlarm(actorId, slot.token, dueMs, retryAt))) continue;
      const run = slot.host
        .fireAlarm(actorId)
        // A run that a stop or a lost lease cut short may not have run its events (the runtime
        // skips an alarm while stopping): the alarm goes back to its due time for the next owner.
        .then(() =>
          coordinator.finishAlarm(
            actorId,
            retryAt,
            slot.retired || this.#stopped ? dueMs : undefined,
          ),
        )
        .catch((error) => console.error(`alarm of actor ${actorId} failed`, error))
        .finally(() => this.#firing.delete(actorId));
      this.#firing.set(actorId, run);
    }
  }

  /**
   * Fires no more alarms; resolves once the runs in progress finished. A graceful stop of a whole
   * start drains every node before any node stops its actors, so an alarm run that calls an
   * actor on another node is answered, not cut short by that node's stop.
   */
  async drainAlarms(): Promise<void> {
    this.#draining = true;
    await Promise.allSettled([...this.#firing.values()]);
  }

  /**
   * Stops every actor here (final saves while the leases still hold), then releases the leases,
   * so other nodes take the actors at once (DIST-9 graceful handover).
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    await Promise.allSettled(
      slots.map(async (slot) => {
        await slot.host.stop();
        // The claim of an alarm cut short goes back to its due time while the lease still holds.
        await this.#firing.get(slot.actorId);
        await this.#options.coordinator.releaseLease(slot.actorId, slot.token);
      }),
    );
    await this.#nobody.stop();
  }
}
