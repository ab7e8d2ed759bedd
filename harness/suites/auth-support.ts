/**
 * Helpers of the auth suite: reading the outcome of a raw WebSocket (welcome, refusal close or
 * rejected open) and of calls that must succeed inline and be refused over HTTP.
 */
import type { AuthView } from "../fixtures/connectivity/auth.ts";
import type { TestContext } from "../test-context.ts";
import { SocketInbox } from "./connectivity-wire.ts";

/** What a raw WebSocket open came to. */
export type RawWsOutcome =
  | { kind: "welcome"; welcome: any }
  | { kind: "closed"; code: number; reason: string; frames: unknown[] }
  | { kind: "rejected"; error: any };

/**
 * Opens `handle.websocket(path)` and reads its first frame or its close. A JSON first frame of
 * type `welcome` is a welcome; a close (after at most error frames) is a refusal; a rejected open
 * is reported as such. The socket is closed after the test.
 */
export async function rawWsOutcome(t: TestContext, handle: any, path = ""): Promise<RawWsOutcome> {
  let socket: any;
  try {
    socket = await t.step(
      `raw WebSocket ${JSON.stringify(path)} opens or is refused`,
      handle.websocket(path),
    );
  } catch (error) {
    if (error instanceof Error && error.name === "HarnessTimeoutError") throw error;
    return { kind: "rejected", error };
  }
  t.defer(() => socket.close());
  const inbox = new SocketInbox(socket);
  const frames: unknown[] = [];
  for (;;) {
    const frame = await inbox.next("a frame or the close").catch(() => undefined);
    if (frame === undefined) {
      const { code, reason } = await inbox.waitClosed("the close");
      return { kind: "closed", code, reason, frames };
    }
    const parsed = frame.binary ? frame.data : JSON.parse(frame.data as string);
    if ((parsed as { type?: unknown }).type === "welcome")
      return { kind: "welcome", welcome: parsed };
    frames.push(parsed);
  }
}

/**
 * Asserts a raw WebSocket was refused with `code`: either closed with `4000 + status` and the
 * code as reason (after error frames of that code only), or rejected with that code.
 */
export function expectRawWsRefused(
  t: TestContext,
  outcome: RawWsOutcome,
  code: string,
  status: number,
  what: string,
): void {
  if (outcome.kind === "rejected") {
    t.expect(outcome.error, `${what}: the rejected open carries the code`).toMatchObject({ code });
    return;
  }
  t.expect(outcome.kind, `${what}: refused, not welcomed`).toBe("closed");
  if (outcome.kind !== "closed") return;
  t.expect(
    { code: outcome.code, reason: outcome.reason },
    `${what}: close code and reason`,
  ).toEqual({
    code: 4000 + status,
    reason: code,
  });
  for (const frame of outcome.frames) {
    t.expect(frame, `${what}: only error frames precede the close`).toMatchObject({
      type: "error",
      code,
    });
  }
}

/** The settled value or the rejection of a promise, for coded-refusal assertions. */
export async function settle<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: any }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * Asserts `promise` is refused with `code` (and a message matching `message`, when given) on the
 * http client, and succeeds with `inlineValue` on the inline client, which bypasses onAuth
 * (AUTH-3, AUTH-6): neither cell can pass vacuously.
 */
export async function expectRefusedOverHttp(
  t: TestContext,
  promise: Promise<unknown>,
  expected: { code: string; message?: RegExp; metadata?: unknown; inlineValue: unknown },
  what: string,
): Promise<void> {
  const result = await settle(promise);
  if (t.cell.client === "inline") {
    t.expect(result, `${what}: the inline client bypasses onAuth`).toEqual({
      ok: true,
      value: expected.inlineValue,
    });
    return;
  }
  t.expect(result.ok, `${what}: refused over http`).toBe(false);
  if (result.ok) return;
  t.expect(result.error?.code, `${what}: the refusal's code`).toBe(expected.code);
  if (expected.message)
    t.expect(result.error?.message, `${what}: the refusal's message`).toMatch(expected.message);
  if (expected.metadata !== undefined) {
    t.expect(result.error?.metadata, `${what}: the refusal's metadata`).toEqual(expected.metadata);
  }
}

/** The AuthView of `undefined`: what every path shows on the inline client (AUTH-6). */
export const NO_AUTH: AuthView = { type: "undefined", value: null };
