import { describe, expect, test } from "vitest";
import { actor } from "../actor/definition.ts";
import { ActorError, deconstructError, UserError } from "../actor/errors.ts";
import type { Registry } from "../actor/registry.ts";
import type { ActorOutput, CreateActorInput, ManagerDriver } from "../driver/manager-driver.ts";
import { decodeAuthData } from "../protocol/auth-data.ts";
import { HEADER_AUTH_DATA } from "../protocol/headers.ts";
import { intentsFor } from "./auth.ts";
import { passGate, setAuthData } from "./gate.ts";
import { callDriver, resolveQuery } from "./resolve.ts";

/** A ManagerDriver over a list, recording which lookup and create methods were called. */
function fakeManager(existing: ActorOutput[] = []) {
  const calls: string[] = [];
  const actors = [...existing];
  const create = (input: CreateActorInput): ActorOutput => {
    const out = { actorId: `id-${actors.length}`, name: input.name, key: input.key };
    actors.push(out);
    return out;
  };
  const find = (name: string, key: readonly string[]) =>
    actors.find((a) => a.name === name && JSON.stringify(a.key) === JSON.stringify(key));
  const manager: ManagerDriver = {
    getForId: async ({ actorId }) => {
      calls.push("getForId");
      return actors.find((a) => a.actorId === actorId);
    },
    getWithKey: async ({ name, key }) => {
      calls.push("getWithKey");
      return find(name, key);
    },
    getOrCreateWithKey: async (input) => {
      calls.push("getOrCreateWithKey");
      return find(input.name, input.key) ?? create(input);
    },
    createActor: async (input) => {
      calls.push("createActor");
      return create(input);
    },
    sendRequest: async () => new Response(null),
    openWebSocket: async () => {
      throw new Error("unused");
    },
    proxyRequest: async () => new Response(null),
    proxyWebSocket: async () => {},
  };
  return { manager, calls };
}

type AuthCall = { intents: string[]; params: unknown; headers: Record<string, string> };

function registryWith(onAuth?: (call: AuthCall) => unknown): {
  registry: Registry;
  seen: AuthCall[];
} {
  const seen: AuthCall[] = [];
  const guarded = actor({
    actions: {},
    onAuth: ({ request, intents, params }) => {
      const call = {
        intents: [...intents].sort(),
        params,
        headers: Object.fromEntries(request.headers),
      };
      seen.push(call);
      return onAuth ? onAuth(call) : { user: "u" };
    },
  });
  const open = actor({ actions: {} });
  return { registry: { actors: { guarded, open } } as unknown as Registry, seen };
}

const request = (headers: Record<string, string> = {}) =>
  new Request("http://manager/actors/resolve", { method: "POST", headers });

describe("intentsFor()", () => {
  test("maps each query form and route to its intents (AUTH-1)", () => {
    const get = { getForKey: { name: "n", key: [] } };
    expect([...intentsFor({ getForId: { actorId: "x" } }, undefined)]).toEqual(["get"]);
    expect([...intentsFor(get, "action")].sort()).toEqual(["action", "get"]);
    expect(
      [...intentsFor({ getOrCreateForKey: { name: "n", key: [] } }, "connect")].sort(),
    ).toEqual(["connect", "create", "get"]);
    expect([...intentsFor({ create: { name: "n", key: [] } }, undefined)]).toEqual(["create"]);
  });
});

describe("resolveQuery()", () => {
  test("an unregistered name is actor_not_found before the driver is called", async () => {
    const { manager, calls } = fakeManager();
    const { registry } = registryWith();
    const query = { getOrCreateForKey: { name: "missing", key: ["a"] } };
    await expect(resolveQuery(registry, manager, query)).rejects.toMatchObject({
      code: "actor_not_found",
    });
    expect(calls).toEqual([]);
  });

  test("getForKey on a missing key is actor_not_found naming the name and key (MGR-3)", async () => {
    const { manager, calls } = fakeManager();
    const { registry } = registryWith();
    const error = await resolveQuery(registry, manager, {
      getForKey: { name: "guarded", key: ["a", "b"] },
    }).catch((e) => e);
    expect(error).toMatchObject({ code: "actor_not_found" });
    expect(error.message).toContain('"guarded"');
    expect(error.message).toContain('["a","b"]');
    expect(calls).toEqual(["getWithKey"]);
  });

  test("getForId of an unknown id is actor_not_found (MGR-2)", async () => {
    const { manager } = fakeManager();
    const { registry } = registryWith();
    await expect(
      resolveQuery(registry, manager, { getForId: { actorId: "nope" } }),
    ).rejects.toMatchObject({ code: "actor_not_found" });
  });
});

describe("callDriver()", () => {
  test("a foreign driver error becomes driver_error, masked publicly as internal_error", async () => {
    const original = console.error;
    console.error = () => {};
    try {
      const error = await callDriver("getForId", async () => {
        throw new Error("disk on fire");
      }).catch((e) => e);
      expect(error).toBeInstanceOf(ActorError);
      expect(error.code).toBe("driver_error");
      const publicView = deconstructError(error, false);
      expect(publicView.code).toBe("internal_error");
      expect(publicView.message).not.toContain("disk on fire");
    } finally {
      console.error = original;
    }
  });

  test("an ActorError from the driver passes through unchanged", async () => {
    const thrown = new ActorError("actor_already_exists", "taken");
    await expect(
      callDriver("createActor", async () => {
        throw thrown;
      }),
    ).rejects.toBe(thrown);
  });
});

describe("passGate()", () => {
  test("without onAuth the actor is forbidden and never created (AUTH-2)", async () => {
    const { manager, calls } = fakeManager();
    const { registry } = registryWith();
    const gate = {
      query: { getOrCreateForKey: { name: "open", key: [] } },
      route: "action" as const,
      request: request(),
      params: undefined,
    };
    await expect(passGate(registry, manager, gate)).rejects.toMatchObject({ code: "forbidden" });
    expect(calls).toEqual([]);
  });

  test("onAuth throwing a UserError keeps its code and status 400, and nothing is created (AUTH-3)", async () => {
    const { manager, calls } = fakeManager();
    const { registry } = registryWith(() => {
      throw new UserError("no token", { code: "bad_token" });
    });
    const gate = {
      query: { create: { name: "guarded", key: ["k"] } },
      route: undefined,
      request: request(),
      params: undefined,
    };
    const error = await passGate(registry, manager, gate).catch((e) => e);
    expect([error.code, error.status]).toEqual(["bad_token", 400]);
    expect(calls).toEqual([]);
  });

  test("onAuth gets intents, parsed params and the request without internal headers", async () => {
    const { manager } = fakeManager([{ actorId: "a1", name: "guarded", key: [] }]);
    const { registry, seen } = registryWith();
    const result = await passGate(registry, manager, {
      query: { getForId: { actorId: "a1" } },
      route: "connect",
      request: request({ "x-actor-internal-auth-data": "forged", "x-custom": "kept" }),
      params: { token: "t" },
    });
    expect(result.actor.actorId).toBe("a1");
    expect(result.authData).toEqual({ user: "u" });
    expect(seen).toHaveLength(1);
    expect(seen[0].intents).toEqual(["connect", "get"]);
    expect(seen[0].params).toEqual({ token: "t" });
    expect(seen[0].headers["x-custom"]).toBe("kept");
    expect(seen[0].headers["x-actor-internal-auth-data"]).toBeUndefined();
  });
});

describe("setAuthData()", () => {
  test("sets the header for every value but undefined, null, 0 and empty string included (AUTH-4)", () => {
    for (const value of [null, 0, "", false, { a: 1 }]) {
      const headers = setAuthData(new Headers(), value);
      expect(decodeAuthData(headers.get(HEADER_AUTH_DATA))).toEqual(value);
    }
    const forged = new Headers({ [HEADER_AUTH_DATA]: "forged" });
    expect(setAuthData(forged, undefined).has(HEADER_AUTH_DATA)).toBe(false);
  });
});
