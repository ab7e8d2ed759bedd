/**
 * Unit tests of openEventStream: event data in order, refusals decoded, the end reported once,
 * and a fetch that never answers released by the abort signal.
 */
import { describe, expect, it } from "vitest";
import type { SseHandlers } from "./client-driver.ts";
import { openEventStream } from "./event-stream.ts";

function streamingResponse() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => (controller = c) });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { headers: { "content-type": "text/event-stream" } }),
    write: (text: string) => controller.enqueue(encoder.encode(text)),
    end: () => controller.close(),
  };
}

function recorder() {
  const messages: string[] = [];
  const closes: unknown[] = [];
  const handlers: SseHandlers = {
    onMessage: (data) => messages.push(data),
    onClose: (error) => closes.push(error?.code ?? "none"),
  };
  return { messages, closes, handlers };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe("openEventStream", () => {
  it("delivers each event's data in order with the protocol headers sent, and reports the end once", async () => {
    const stream = streamingResponse();
    let sentHeaders: Record<string, string> = {};
    const { messages, closes, handlers } = recorder();
    const opened = await openEventStream({
      url: "http://actor/connect/sse",
      headers: { "x-actor-encoding": "json" },
      fetch: async (_url, init) => {
        sentHeaders = init.headers;
        return stream.response;
      },
      encoding: "json",
      handlers,
    });
    stream.write('data: {"a":1}\n\n');
    stream.write('data: {"b"');
    stream.write(":2}\n\n");
    await until(() => messages.length === 2, "two events");
    expect(messages).toEqual(['{"a":1}', '{"b":2}']);
    expect(sentHeaders["x-actor-encoding"]).toBe("json");
    expect(sentHeaders.Accept).toBe("text/event-stream");
    stream.end();
    await until(() => closes.length === 1, "the end");
    expect(closes).toEqual(["connection_closed"]);
    opened.close();
  });

  it("a refusal rejects with the decoded error", async () => {
    const { handlers } = recorder();
    const opening = openEventStream({
      url: "http://actor/connect/sse",
      headers: {},
      fetch: async () =>
        new Response(JSON.stringify({ code: "actor_not_found", message: "gone" }), {
          status: 404,
          headers: { "content-type": "application/json" },
        }),
      encoding: "cbor",
      handlers,
    });
    await expect(opening).rejects.toMatchObject({ code: "actor_not_found", message: "gone" });
  });

  it("a response that is not an event stream is http_request_failed", async () => {
    const { handlers } = recorder();
    const opening = openEventStream({
      url: "http://actor/connect/sse",
      headers: {},
      fetch: async () => new Response("hello", { headers: { "content-type": "text/plain" } }),
      encoding: "json",
      handlers,
    });
    await expect(opening).rejects.toMatchObject({ code: "http_request_failed" });
  });

  it("an abort releases a fetch that never answers (a driver buffering the body)", async () => {
    const { handlers } = recorder();
    const abort = new AbortController();
    let fetchSignal: AbortSignal | undefined;
    const opening = openEventStream({
      url: "http://actor/connect/sse",
      headers: {},
      fetch: (_url, init) => {
        fetchSignal = init.signal;
        return new Promise<Response>(() => {});
      },
      encoding: "json",
      handlers,
      signal: abort.signal,
    });
    await until(() => fetchSignal !== undefined, "the fetch");
    abort.abort(new Error("gave up"));
    await expect(opening).rejects.toThrow("gave up");
    expect(fetchSignal?.aborted).toBe(true);
  });
});
