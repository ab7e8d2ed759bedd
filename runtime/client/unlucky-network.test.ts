/**
 * Connections over an unlucky network: the HTTP client reaches the served memory driver through
 * a loopback TCP proxy that can go silent (a partition that closes nothing), reset, or lead to a
 * server where the actor no longer exists. Heartbeats and the client's action timeout turn
 * silence into errors; the retry limit and actor_not_found end reconnecting.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { startMemoryDriver } from "../../reference-drivers/memory/index.ts";
import { startTcpProxy, type TcpProxy } from "../../tests/support/tcp-proxy.ts";
import { actor } from "../actor/definition.ts";
import { createInitialPersistedData } from "../actor/persistence.ts";
import { setup } from "../actor/registry.ts";
import { createLocalActorHost } from "../driver/create-local-actor-host.ts";
import type { DriverInstance } from "../driver/define-driver.ts";
import type { Transport } from "../protocol/messages.ts";
import { type ServedManager, serveManager } from "../routing/node-server.ts";
import { type ClientOptions, createClient } from "./client.ts";

const counter = (heartbeatMs: number) =>
  actor({
    state: { count: 0 },
    onAuth: () => ({}),
    options: { connectionHeartbeatInterval: heartbeatMs },
    actions: {
      increment: (c, by: number) => {
        c.state.count += by;
        c.broadcast("newCount", c.state.count);
        return c.state.count;
      },
      getCount: (c) => c.state.count,
    },
  });

const registry = setup({ use: { fast: counter(100), slow: counter(60_000) } });
type Registry = typeof registry;

async function startServer(
  namespace: string,
): Promise<{ served: ServedManager; stop(): Promise<void> }> {
  const instance: DriverInstance = await startMemoryDriver({
    registry,
    dataDir: "/nonexistent",
    namespace,
    runtime: { createLocalActorHost, createInitialPersistedData },
  });
  const served = await serveManager({ registry, manager: instance.manager });
  return {
    served,
    async stop() {
      await served.close();
      await instance.stop();
    },
  };
}

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer("unlucky-network");
});
afterAll(async () => {
  await server?.stop();
});

async function proxied(): Promise<TcpProxy> {
  const proxy = await startTcpProxy(Number(new URL(server.served.endpoint).port));
  onTestFinished(() => proxy.close());
  return proxy;
}

function clientVia(proxy: TcpProxy, transport: Transport, options: ClientOptions = {}) {
  const client = createClient<Registry>(proxy.endpoint, {
    transport,
    encoding: "json",
    connectTimeoutMs: 1000,
    reconnectInitialMs: 20,
    reconnectMaxMs: 200,
    ...options,
  });
  onTestFinished(() => client.dispose());
  return client;
}

/** Resolves the first value `subscribe` delivers; rejects after `ms` naming `what`. */
function first<T>(subscribe: (cb: (value: T) => void) => unknown, what: string, ms = 5000) {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    subscribe((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

const key = () => [`k-${Math.random().toString(36).slice(2)}`];

describe.each(["websocket", "sse"] as const)("over %s through a TCP proxy", (transport) => {
  it("a silent partition is noticed by the missing heartbeats: heartbeat_timed_out, then a reconnect after healing", async () => {
    const proxy = await proxied();
    const client = clientVia(proxy, transport);
    const k = key();
    const conn = client.fast.getOrCreate(k).connect();
    await conn.waitForOpen();
    const firstId = conn.connectionId;
    const errors: string[] = [];
    conn.onError((error) => errors.push(error.code));
    const started = Date.now();
    const dead = first<unknown>((cb) => conn.onClose(cb), "the close of the silent connection");
    const inFlight = conn.getCount().then(
      () => "answered",
      (error: { code: string }) => error.code,
    );
    proxy.partition();
    await dead;
    // Heartbeats every 100 ms: silence is noticed after 250 ms, well before any TCP timeout.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(errors).toContain("heartbeat_timed_out");
    expect(["answered", "connection_closed"]).toContain(await inFlight);
    expect(conn.status).not.toBe("open");
    const reopened = first<void>((cb) => conn.onOpen(() => cb()), "the reconnect after healing");
    proxy.reset();
    proxy.heal();
    await reopened;
    expect(conn.connectionId).not.toBe(firstId);
    const events: number[] = [];
    conn.on("newCount", (n: number) => events.push(n));
    expect(await client.fast.get(k).increment(2)).toBe(2);
    await expect.poll(() => events).toEqual([2]);
  });

  it("an action across a silent partition rejects action_reply_timed_out", async () => {
    const proxy = await proxied();
    // Heartbeats far apart, so the client's action timeout is what ends the wait.
    const client = clientVia(proxy, transport, { actionTimeoutMs: 400 });
    const conn = client.slow.getOrCreate(key()).connect();
    await conn.waitForOpen();
    expect(await conn.increment(1)).toBe(1);
    proxy.partition();
    const started = Date.now();
    await expect(conn.getCount()).rejects.toMatchObject({ code: "action_reply_timed_out" });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("a connection whose actor no longer exists fails instead of reconnecting forever", async () => {
    const proxy = await proxied();
    const client = clientVia(proxy, transport);
    const conn = client.fast.getOrCreate(key()).connect();
    await conn.waitForOpen();
    // The same address now leads to a server that never had this actor.
    const other = await startServer("unlucky-network-empty");
    onTestFinished(() => other.stop());
    proxy.retarget(Number(new URL(other.served.endpoint).port));
    proxy.reset();
    await expect.poll(() => conn.status, { timeout: 5000 }).toBe("failed");
    await expect(conn.waitForOpen()).rejects.toMatchObject({ code: "actor_not_found" });
  });

  it("after maxReconnectAttempts failed reconnects the connection reports failed", async () => {
    const proxy = await proxied();
    const client = clientVia(proxy, transport, { maxReconnectAttempts: 3 });
    const conn = client.fast.getOrCreate(key()).connect();
    await conn.waitForOpen();
    // Nothing listens there any more: every attempt is refused.
    const gone = await startTcpProxy(1);
    const deadPort = Number(new URL(gone.endpoint).port);
    await gone.close();
    proxy.retarget(deadPort);
    proxy.reset();
    await expect.poll(() => conn.status, { timeout: 5000 }).toBe("failed");
    await expect(conn.getCount()).rejects.toMatchObject({
      message: /gave up after 3 failed attempts/,
    });
  });
});
