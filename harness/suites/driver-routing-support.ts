/**
 * Helpers of the driver-routing suite: requests addressed to the actor router (URL host `actor`,
 * docs/protocol.md "Actor routes") sent through the ManagerDriver's own methods, an action call
 * over `sendRequest`, a hand-read SSE stream, and a socket inbox for UniversalWebSockets.
 */
import { type EventSourceMessage, EventSourceParserStream } from "eventsource-parser/stream";
import type { ManagerDriver } from "../../runtime/driver/manager-driver.ts";
import type { TestContext } from "../test-context.ts";
import { show } from "./core-support.ts";

/** Origin of every actor-router request (docs/protocol.md, "Actor routes"). */
export const ACTOR_ORIGIN = "http://actor";

/** The two HTTP routing methods, which must behave alike on what they forward. */
export type HttpVia = "sendRequest" | "proxyRequest";

/** Creates (or finds) an actor of fixture `name` under a fresh key; resolves its id. */
export async function actorIdOf(t: TestContext, name: string, label = name): Promise<string> {
  const key = t.uniqueKey(label);
  const output = await t.step(
    `getOrCreateWithKey(${name}${show(key)})`,
    t.manager.getOrCreateWithKey({ name, key }),
  );
  return output.actorId;
}

/**
 * Runs action `name(...args)` of `actorId` through `manager.sendRequest` as the inline client
 * does (`POST /action/:name`, JSON). Resolves the output; throws an Error naming the status and
 * body when the actor router does not answer 200.
 */
export async function callAction(
  manager: ManagerDriver,
  actorId: string,
  name: string,
  args: unknown[] = [],
): Promise<unknown> {
  const request = new Request(`${ACTOR_ORIGIN}/action/${encodeURIComponent(name)}`, {
    method: "POST",
    headers: { "x-actor-encoding": "json", "content-type": "application/json" },
    body: JSON.stringify({ args }),
  });
  const response = await manager.sendRequest(actorId, request);
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`action ${name} of actor ${actorId} answered ${response.status}: ${text}`);
  }
  return (JSON.parse(text) as { output?: unknown }).output;
}

/** Lower-case hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Reads SSE events from a response body with eventsource-parser (WHATWG HTML, "Server-sent
 * events"): each `next()` resolves the `data:` lines of the next event, joined by "\n". `ended`
 * tells whether the body finished, which a streaming SSE response must not do on its own.
 */
export class SseReader {
  readonly #reader: ReadableStreamDefaultReader<EventSourceMessage>;
  #ended = false;

  constructor(body: ReadableStream<Uint8Array>) {
    this.#reader = body
      .pipeThrough(new TextDecoderStream() as TransformStream<Uint8Array, string>)
      .pipeThrough(new EventSourceParserStream())
      .getReader();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The next event's data; rejects when the body ends first. Unbounded: wrap it in `t.step`. */
  async next(): Promise<string> {
    const { value, done } = await this.#reader.read();
    if (done) {
      this.#ended = true;
      throw new Error("the SSE body ended before the next event");
    }
    return value.data;
  }

  /** Cancels the body: the caller is done with the stream. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => undefined);
  }
}

/** `count` binary payloads of varied lengths, some of them valid UTF-8 text. */
export function binaryPayload(i: number): Uint8Array<ArrayBuffer> {
  if (i % 3 === 0) return new TextEncoder().encode(`looks like text ${i} ✓`);
  const length = 1 + ((i * 37) % 300);
  return Uint8Array.from({ length }, (_, j) => (i * 31 + j * 7) % 256);
}
