/**
 * The manager router's boundary against a driver that breaks: foreign errors are logged and
 * reach the public caller only as a masked `internal_error` (ERR-3).
 */
import { describe, expect, onTestFinished, test, vi } from "vitest";
import { actor } from "../actor/definition.ts";
import { MASKED_MESSAGE } from "../actor/errors.ts";
import { setup } from "../actor/registry.ts";
import type { ManagerDriver } from "../driver/manager-driver.ts";
import { buildSubprotocols } from "../protocol/subprotocols.ts";
import { createSocketPair } from "../routing/socket-pair.ts";
import type { UniversalCloseEvent } from "../routing/universal-websocket.ts";
import { createManagerRouter } from "./manager-router.ts";

const registry = setup({ use: { open: actor({ onAuth: () => "ok", actions: {} }) } });

function brokenManager(): ManagerDriver {
  const fail = async (): Promise<never> => {
    throw new Error("database password is hunter2");
  };
  return {
    getForId: fail,
    getWithKey: fail,
    getOrCreateWithKey: fail,
    createActor: async ({ name, key }) => ({ actorId: "a1", name, key }),
    sendRequest: fail,
    openWebSocket: fail,
    proxyRequest: fail,
    proxyWebSocket: fail,
  };
}

function quietErrors() {
  const spy = vi.spyOn(console, "error").mockImplementation(() => {});
  onTestFinished(() => spy.mockRestore());
  return spy;
}

const headers = (query: unknown) => ({
  "x-actor-encoding": "json",
  "x-actor-query": JSON.stringify(query),
});

describe("manager router with a broken driver", () => {
  test("a throwing lookup is a masked 500 internal_error, and it is logged", async () => {
    const logged = quietErrors();
    const router = createManagerRouter({ registry, manager: brokenManager() });
    const res = await router.fetch(
      new Request("http://m/actors/resolve", {
        method: "POST",
        headers: headers({ getOrCreateForKey: { name: "open", key: [] } }),
      }),
    );
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ code: "internal_error", message: MASKED_MESSAGE });
    expect(logged).toHaveBeenCalled();
  });

  test("a throwing proxyRequest is a masked 500 internal_error", async () => {
    quietErrors();
    const router = createManagerRouter({ registry, manager: brokenManager() });
    const res = await router.fetch(
      new Request("http://m/actors/actions/x", {
        method: "POST",
        headers: headers({ create: { name: "open", key: [] } }),
        body: JSON.stringify({ args: [] }),
      }),
    );
    const body = await res.json();
    expect([res.status, body.code]).toEqual([500, "internal_error"]);
    expect(JSON.stringify(body)).not.toContain("hunter2");
  });

  test("a throwing proxyWebSocket closes the socket 4500 after one masked error message", async () => {
    quietErrors();
    const router = createManagerRouter({ registry, manager: brokenManager() });
    const [client, server] = createSocketPair();
    const protocols = buildSubprotocols({
      encoding: "json",
      query: { create: { name: "open", key: [] } },
    });
    const messages: string[] = [];
    client.addEventListener("message", (e) => messages.push(e.data as string));
    const closed = new Promise<UniversalCloseEvent>((resolve) =>
      client.addEventListener("close", resolve),
    );
    await router.handleWebSocket(
      new Request("http://m/actors/connect/websocket", {
        headers: { "sec-websocket-protocol": protocols.join(", ") },
      }),
      server,
    );
    const event = await closed;
    expect([event.code, event.reason]).toEqual([4500, "internal_error"]);
    expect(messages.map((m) => JSON.parse(m))).toEqual([
      { type: "error", code: "internal_error", message: MASKED_MESSAGE },
    ]);
  });
});
