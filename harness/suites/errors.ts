/**
 * Errors suite: a UserError keeps its code, message and metadata over HTTP, over a connection,
 * inline and actor to actor; internal errors are masked on public paths and shown inline; the
 * wire form and HTTP status of errors; the actor keeps working after any error (clauses
 * ERR-1..ERR-4, ERR-6).
 */

import { MASKED_MESSAGE } from "../../runtime/actor/errors.ts";
import {
  DETAILED_ERROR_METADATA,
  INTERNAL_ERROR_MESSAGE,
} from "../fixtures/core/error-handling.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { getOrCreate, postAction, readWireError, type WireEncoding } from "./connectivity-wire.ts";
import { clientOf, openConnection, rejectionOf, show, where } from "./core-support.ts";

/** The error `throwDetailedError` must produce on every path (ERR-2). */
const DETAILED = {
  code: "detailed_error",
  message: "Detailed error message",
  metadata: DETAILED_ERROR_METADATA,
};

/** The error `throwSimpleError` must produce on every path. */
const SIMPLE = { code: "user_error", message: "Simple error message", metadata: undefined };

/** `{ code, message, metadata }` of what `call` rejected with. */
async function errorOf(t: TestContext, what: string, call: Promise<unknown>) {
  const got = await rejectionOf(t, what, call);
  return { code: got.code, message: got.message, metadata: got.metadata };
}

export const errorsSuite = defineSuite("errors", (s) => {
  s.test({
    id: "user-error-stateless",
    title: "a UserError reaches a stateless caller with its code, message and metadata",
    clause: "ERR-2",
    axes: ["client", "encoding"],
    run: async (t) => {
      const h = clientOf(t).errorHandlingActor.getOrCreate(t.uniqueKey("user-error"));
      t.expect(
        await errorOf(t, "throwSimpleError", h.throwSimpleError()),
        `${where(t)}: no code, no metadata`,
      ).toEqual(SIMPLE);
      t.expect(
        await errorOf(t, "throwDetailedError", h.throwDetailedError()),
        `${where(t)}: code and metadata`,
      ).toEqual(DETAILED);
      t.expect(
        await errorOf(t, "rejectDetailedError", h.rejectDetailedError()),
        "the same error thrown after an await",
      ).toEqual(DETAILED);
    },
  });

  s.test({
    id: "user-error-over-connection",
    title:
      "a UserError reaches a connection with its code, message and metadata, and the connection stays usable",
    clause: "ERR-2",
    axes: ["client", "transport", "encoding"],
    run: async (t) => {
      const conn = await openConnection(
        t,
        clientOf(t).errorHandlingActor.getOrCreate(t.uniqueKey("conn-error")),
      );
      t.expect(
        await errorOf(t, "conn.throwSimpleError", conn.throwSimpleError()),
        where(t),
      ).toEqual(SIMPLE);
      t.expect(
        await errorOf(t, "conn.throwDetailedError", conn.throwDetailedError()),
        where(t),
      ).toEqual(DETAILED);
      t.expect(
        await t.step("conn.successfulAction", conn.successfulAction()),
        "the connection still works",
      ).toBe("success");
    },
  });

  s.test({
    id: "user-error-actor-to-actor",
    title:
      "a UserError raised in one actor reaches a calling actor with its code, message and metadata",
    clause: "ERR-2",
    requires: ["websocket"],
    run: async (t) => {
      const caller = clientOf(t).inlineClientActor.getOrCreate(t.uniqueKey("caller"));
      const target = t.uniqueKey("target");
      const stateless = await t.step(
        "callFailingAction",
        caller.callFailingAction(target, "throwDetailedError"),
      );
      t.expect(stateless, "through c.client() statelessly").toEqual(DETAILED);
      const connected = await t.step(
        "callFailingActionConnected",
        caller.callFailingActionConnected(target, "throwDetailedError"),
      );
      t.expect(connected, "through a c.client() connection").toEqual(DETAILED);
    },
  });

  s.test({
    id: "internal-error-masked-publicly",
    title:
      "an internal error reaches a public caller as internal_error with the fixed message, statelessly and over a connection",
    clause: "ERR-3",
    axes: ["transport"],
    run: async (t) => {
      const c = clientOf(t, { client: "http" });
      const h = c.errorHandlingActor.getOrCreate(t.uniqueKey("masked"));
      const masked = { code: "internal_error", message: MASKED_MESSAGE, metadata: undefined };
      t.expect(
        await errorOf(t, "throwInternalError", h.throwInternalError()),
        "stateless HTTP",
      ).toEqual(masked);
      t.expect(await errorOf(t, "throwNonError", h.throwNonError()), "a thrown non-Error").toEqual(
        masked,
      );
      const conn = await openConnection(t, h);
      t.expect(
        await errorOf(t, "conn.throwInternalError", conn.throwInternalError()),
        `over ${t.cell.transport}`,
      ).toEqual(masked);
    },
  });

  s.test({
    id: "internal-error-shown-inline",
    title: "an internal error's message reaches inline callers and calling actors unmasked",
    clause: "ERR-4",
    axes: ["transport"],
    run: async (t) => {
      const c = clientOf(t, { client: "inline" });
      const key = t.uniqueKey("shown");
      const h = c.errorHandlingActor.getOrCreate(key);
      const shown = {
        code: "internal_error",
        message: INTERNAL_ERROR_MESSAGE,
        metadata: undefined,
      };
      t.expect(
        await errorOf(t, "inline throwInternalError", h.throwInternalError()),
        "stateless inline",
      ).toEqual(shown);
      const bare = await errorOf(t, "inline throwNonError", h.throwNonError());
      t.expect(bare.code, `a thrown non-Error: ${show(bare)}`).toBe("internal_error");
      t.expect(String(bare.message), "its text is shown").toContain("a bare string");
      const conn = await openConnection(t, h);
      t.expect(
        await errorOf(t, "inline conn.throwInternalError", conn.throwInternalError()),
        `inline over ${t.cell.transport}`,
      ).toEqual(shown);
      const caller = c.inlineClientActor.getOrCreate(t.uniqueKey("caller"));
      const fromActor = await t.step(
        "callFailingAction",
        caller.callFailingAction(key, "throwInternalError"),
      );
      t.expect(fromActor, "actor to actor").toEqual(shown);
    },
  });

  s.test({
    id: "keeps-working-after-errors",
    title: "after each kind of action error the actor keeps serving and its state is intact",
    clause: "ERR-6",
    axes: ["client"],
    run: async (t) => {
      const h = clientOf(t).errorHandlingActor.getOrCreate(t.uniqueKey("recover"));
      t.expect(await t.step("successfulAction", h.successfulAction())).toBe("success");
      const failing = [
        () => h.throwSimpleError(),
        () => h.throwDetailedError(),
        () => h.rejectDetailedError(),
        () => h.throwInternalError(),
        () => h.throwNonError(),
        () => h.action("noSuchAction"),
      ];
      for (const [i, fail] of failing.entries()) {
        await rejectionOf(t, `failing call ${i}`, fail());
        t.expect(
          await t.step(`successfulAction after ${i}`, h.successfulAction()),
          `${where(t)}: after failing call ${i}`,
        ).toBe("success");
      }
      t.expect(await t.step("getSuccesses", h.getSuccesses()), "every success was kept").toBe(
        failing.length + 1,
      );
    },
  });

  s.test({
    id: "error-wire-form-and-status",
    title:
      "errors cross HTTP as { code, message, metadata } in the request encoding with the catalogue status",
    clause: "ERR-1",
    run: async (t) => {
      const key = t.uniqueKey("wire");
      const cases: Array<{
        name: string;
        actor: string;
        want: Record<string, unknown>;
        status: number;
      }> = [
        { name: "throwDetailedError", actor: "errorHandlingActor", want: DETAILED, status: 400 },
        {
          name: "throwSimpleError",
          actor: "errorHandlingActor",
          want: { code: "user_error", message: SIMPLE.message },
          status: 400,
        },
        {
          name: "throwInternalError",
          actor: "errorHandlingActor",
          want: { code: "internal_error", message: MASKED_MESSAGE },
          status: 500,
        },
        {
          name: "noSuchAction",
          actor: "errorHandlingActor",
          want: { code: "action_not_found" },
          status: 404,
        },
        { name: "getCount", actor: "noSuchActor", want: { code: "actor_not_found" }, status: 404 },
      ];
      for (const encoding of ["json", "cbor"] as WireEncoding[]) {
        for (const c of cases) {
          const response = await t.step(
            `POST ${c.actor}.${c.name} (${encoding})`,
            postAction(t.endpoint, {
              query: getOrCreate(c.actor, key),
              encoding,
              name: c.name,
              body: { args: [] },
            }),
          );
          const got = await readWireError(response);
          const label = `${c.actor}.${c.name} in ${encoding}`;
          t.expect(got.status, `${label}: HTTP status (body ${show(got)})`).toBe(c.status);
          t.expect(
            got.contentType,
            `${label}: the error body is in the request's encoding`,
          ).toContain(encoding);
          t.expect(got, `${label}: the error body`).toMatchObject(c.want);
          t.expect(typeof got.message, `${label}: message is a string`).toBe("string");
        }
      }
    },
  });
});
