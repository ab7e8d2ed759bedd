/**
 * ActorErrors made by another copy of driver-cert (a driver's own install, or a module loaded
 * through tsx, which evaluates the package again) are recognised by brand and code: they keep
 * their code through the manager (MGR-5's actor_already_exists), deconstructError and the client.
 */
import { describe, expect, test, vi } from "vitest";
import { secondCopy } from "../../tests/support/second-copy.ts";
import { toClientError } from "../client/errors.ts";
import { callDriver } from "../manager/resolve.ts";
import { ActorError, deconstructError, isActorError, UserError } from "./errors.ts";

type ErrorsModule = typeof import("./errors.ts");

/** A second, separately evaluated copy of this module, as a driver's own install would be. */
async function otherCopy(): Promise<ErrorsModule> {
  const copy = await secondCopy<ErrorsModule>(
    new URL("./errors.ts", import.meta.url),
    import.meta.url,
  );
  expect(copy.ActorError).not.toBe(ActorError);
  return copy;
}

describe("ActorError across copies of the package", () => {
  test("an ActorError of another copy is an ActorError here, by isActorError and instanceof", async () => {
    const copy = await otherCopy();
    const foreign = new copy.ActorError("actor_already_exists", "taken");
    expect(Object.getPrototypeOf(foreign)).not.toBe(ActorError.prototype);
    expect(isActorError(foreign)).toBe(true);
    expect(foreign instanceof ActorError).toBe(true);
    expect(copy.isActorError(new ActorError("actor_not_found", "gone"))).toBe(true);
    expect(isActorError(new copy.UserError("no", { code: "over_limit" }))).toBe(true);
  });

  test("lookalikes without the brand are not ActorErrors", () => {
    const lookalike = Object.assign(new Error("x"), {
      name: "ActorError",
      code: "actor_already_exists",
      status: 409,
      public: true,
    });
    expect(isActorError(lookalike)).toBe(false);
    expect(lookalike instanceof ActorError).toBe(false);
    for (const value of [undefined, null, "actor_already_exists", 409, {}, new Error("x")]) {
      expect(isActorError(value)).toBe(false);
    }
  });

  test("instanceof a subclass stays a prototype check", async () => {
    const copy = await otherCopy();
    expect(new UserError("no") instanceof UserError).toBe(true);
    expect(new ActorError("internal_error", "x") instanceof UserError).toBe(false);
    expect(new copy.UserError("no") instanceof UserError).toBe(false);
  });

  test("the manager passes a foreign driver's actor_already_exists through, not driver_error (MGR-5)", async () => {
    const copy = await otherCopy();
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const thrown = await callDriver("createActor", async () => {
        throw new copy.ActorError("actor_already_exists", 'actor "counter" with key ["a"] exists');
      }).catch((error: unknown) => error);
      expect(thrown).toMatchObject({ code: "actor_already_exists", status: 409, public: true });
      expect(log).not.toHaveBeenCalled();
      const other = await callDriver("createActor", async () => {
        throw new Error("disk full");
      }).catch((error: unknown) => error);
      expect(other).toMatchObject({ code: "driver_error" });
    } finally {
      log.mockRestore();
    }
  });

  test("deconstructError and the client keep a foreign error's code, message and metadata", async () => {
    const copy = await otherCopy();
    const foreign = new copy.UserError("too big", { code: "over_limit", metadata: { max: 3 } });
    expect(deconstructError(foreign, false)).toEqual({
      code: "over_limit",
      message: "too big",
      metadata: { max: 3 },
      status: 400,
      public: true,
    });
    expect(toClientError(foreign)).toMatchObject({
      code: "over_limit",
      message: "too big",
      metadata: { max: 3 },
    });
    const internal = new copy.ActorError("driver_error", "secret detail");
    expect(deconstructError(internal, false)).toMatchObject({
      code: "internal_error",
      public: false,
    });
  });
});
