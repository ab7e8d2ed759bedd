/**
 * SSE streams for connections, read with the `eventsource` package over any fetch function
 * (global fetch for the HTTP client, `ManagerDriver.sendRequest` for the inline client). The
 * package's own retry is turned off: reconnecting is the connection's job (CONN-11).
 */
import { EventSource, type FetchLike, type FetchLikeResponse } from "eventsource";
import type { Encoding } from "../protocol/messages.ts";
import type { SseHandlers, SseStream } from "./client-driver.ts";
import { type ClientActorError, clientError, runtimeError } from "./errors.ts";
import { errorFromResponse } from "./response-reader.ts";

/** A fetch-like function: takes the URL and the headers to add, returns the Response. */
export type StreamFetch = (
  url: string,
  init: { headers: Record<string, string>; signal?: AbortSignal },
) => Promise<Response>;

/** What {@link openEventStream} needs. */
export interface EventStreamOptions {
  url: string;
  /** Protocol headers (encoding, query, params, ...) added to the request. */
  headers: Record<string, string>;
  fetch: StreamFetch;
  /** Encoding of error bodies when the response does not say. */
  encoding: Encoding;
  handlers: SseHandlers;
  /** Aborting it before the stream opens rejects with the signal's reason and releases the request. */
  signal?: AbortSignal;
}

/**
 * Opens an event stream. Resolves once the response is 200 with `text/event-stream` (each event's
 * `data` then goes to `handlers.onMessage`, in order); rejects with the decoded error for a
 * refusal (e.g. `actor_not_found`), `http_request_failed` for a network failure or a non-stream
 * response. After opening, the stream's end calls `handlers.onClose` once.
 */
export function openEventStream(options: EventStreamOptions): Promise<SseStream> {
  const { handlers, signal } = options;
  return new Promise<SseStream>((resolve, reject) => {
    let refusal: ClientActorError | undefined;
    let opened = false;
    let ended = false;
    const fetchLike: FetchLike = async (url, init) => {
      const response = await options.fetch(String(url), {
        headers: { ...init.headers, ...options.headers },
        signal: init.signal as AbortSignal | undefined,
      });
      if (response.status === 200) return observed(response, handlers) as FetchLikeResponse;
      refusal = await errorFromResponse(response, options.encoding);
      // The package only needs the status to fail the connection; the body was read above.
      return new Response(null, { status: response.status === 204 ? 502 : response.status });
    };
    const source = new EventSource(options.url, { fetch: fetchLike });
    const finish = () => {
      ended = true;
      source.close();
      signal?.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      if (ended) return;
      finish();
      if (!opened) reject(signal?.reason ?? runtimeError("connection_closed", "aborted"));
    };
    signal?.addEventListener("abort", onAbort);
    if (signal?.aborted) return onAbort();
    source.addEventListener("open", () => {
      if (ended) return;
      opened = true;
      resolve({
        close() {
          if (!ended) finish();
        },
      });
    });
    source.addEventListener("message", (event) => {
      if (!ended) handlers.onMessage(String(event.data));
    });
    source.addEventListener("error", (event) => {
      if (ended) return;
      finish();
      const detail = (event as { message?: string }).message ?? "event stream failed";
      if (!opened) {
        reject(refusal ?? clientError("http_request_failed", `${options.url}: ${detail}`));
      } else {
        handlers.onClose(runtimeError("connection_closed", `the event stream ended (${detail})`));
      }
    });
  });
}

/**
 * `response` with a body that reports each chunk to `handlers.onActivity`: comment lines (the
 * server's heartbeats) never reach the EventSource's listeners, yet they prove the path alive.
 */
function observed(response: Response, handlers: SseHandlers): Response {
  const onActivity = handlers.onActivity;
  if (!onActivity || !response.body) return response;
  const body = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onActivity();
        controller.enqueue(chunk);
      },
    }),
  );
  return new Response(body, { status: response.status, headers: response.headers });
}
