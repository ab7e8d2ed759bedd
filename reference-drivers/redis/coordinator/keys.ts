/**
 * Every Redis key the driver uses, under one prefix per namespace, so runs that share one Redis
 * never see each other's actors, leases, alarms or nodes (DIST-11). The driver publishes on no
 * channel: nodes talk to each other directly, so isolation of keys is isolation of everything.
 */

/** The keys of one namespace. */
export interface KeySpace {
  /** Hash of one actor: name, key (JSON array), region. */
  actor(actorId: string): string;
  /**
   * The key index entry of a name and key. `JSON.stringify([name, key])` holds the name and the
   * whole key, so `["a","b"]`, `["a/b"]` and `[]` vs `[""]` never collide (KEY-1..KEY-3).
   */
  keyIndex(name: string, key: readonly string[]): string;
  /** The actor's persisted bytes. */
  state(actorId: string): string;
  /**
   * Present while the actor's writes are refused, as a full disk would refuse them (the
   * PERSIST-9 test hook `failPersistedWrites`); checked by the fenced write in the same step.
   */
  refuseWrites(actorId: string): string;
  /** The actor's ownership lease: `<nodeId>|<fence>`, expiring in Redis (PX). */
  lease(actorId: string): string;
  /** The namespace's fencing counter; INCR gives each granted lease a larger token. */
  readonly fence: string;
  /** Sorted set of armed alarms: member actor id, score the due time (Unix ms). */
  readonly alarms: string;
  /** Hash of node id to `{ address, pid }` JSON, for every node that ever joined. */
  readonly nodes: string;
  /** A node's heartbeat, expiring in Redis: present means the node is live. */
  heartbeat(nodeId: string): string;
  /** The prefix itself, for client names (`CLIENT SETNAME`). */
  readonly prefix: string;
}

/** The key space of `namespace`: every key starts with `driver-cert:<namespace>:`. */
export function keySpace(namespace: string): KeySpace {
  const prefix = `driver-cert:${namespace}:`;
  return {
    prefix,
    actor: (id) => `${prefix}actor:${id}`,
    keyIndex: (name, key) => `${prefix}key:${JSON.stringify([name, key])}`,
    state: (id) => `${prefix}state:${id}`,
    refuseWrites: (id) => `${prefix}refuse-writes:${id}`,
    lease: (id) => `${prefix}lease:${id}`,
    fence: `${prefix}fence`,
    alarms: `${prefix}alarms`,
    nodes: `${prefix}nodes`,
    heartbeat: (nodeId) => `${prefix}heartbeat:${nodeId}`,
  };
}
