/**
 * The HTTP client driver: the manager router's public protocol over fetch, `ws` WebSockets and
 * `eventsource` streams (docs/protocol.md, "Manager routes", "WebSocket subprotocols").
 */
import { WebSocket as NodeWebSocket } from "ws";
import { contentTypeFor, encodeValue } from "../protocol/encoding.ts";
import {
  HEADER_ACTOR_ID,
  HEADER_CONN_ID,
  HEADER_CONN_PARAMS,
  HEADER_CONN_TOKEN,
  HEADER_ENCODING,
  HEADER_PROTOCOL_VERSION,
  HEADER_QUERY,
} from "../protocol/headers.ts";
import { encodeToServer } from "../protocol/message-codec.ts";
import { type Encoding, PROTOCOL_VERSION, type ToServerMessage } from "../protocol/messages.ts";
import { type ActorQuery, serializeConnParams, serializeQuery } from "../protocol/query.ts";
import { buildSubprotocols } from "../protocol/subprotocols.ts";
import { adaptNodeWebSocket } from "../routing/node-websocket.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import type {
  ClientDriver,
  DriverEncodedCallOptions,
  SseHandlers,
  SseStream,
} from "./client-driver.ts";
import { clientError } from "./errors.ts";
import { openEventStream } from "./event-stream.ts";
import { errorFromResponse, field, readResponse } from "./response-reader.ts";
import { combineSignals, joinSubpath, openSocket } from "./sockets.ts";

/** Options of the HTTP client driver. */
export interface HttpClientDriverOptions {
  /** The fetch to use; defaults to the global fetch (undici on Node). */
  fetch?: typeof fetch;
}

/**
 * Creates the HTTP ClientDriver for a manager router at `endpoint` (e.g. `http://127.0.0.1:6420`;
 * a path prefix such as `http://host/api` is kept). Every method rejects with a ClientActorError:
 * the router's decoded error, or `http_request_failed` when fetch itself fails.
 */
export function createHttpClientDriver(
  endpoint: string,
  options: HttpClientDriverOptions = {},
): ClientDriver {
  const base = endpoint.replace(/\/+$/, "");
  const wsBase = base.replace(/^http(s?):/i, "ws$1:");
  const doFetch = options.fetch ?? globalThis.fetch;

  const call = async (url: string, init: RequestInit): Promise<Response> => {
    try {
      return await doFetch(url, init);
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      const why =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : String(error);
      throw clientError(
        "http_request_failed",
        `${init.method ?? "GET"} ${url} failed: ${why}`,
        error,
      );
    }
  };

  const actorHeaders = (
    query: ActorQuery | undefined,
    encoding: Encoding | undefined,
    params: unknown,
  ) => {
    // Raw HTTP (no encoding) reaches onFetch with the client's headers: add only what routing needs.
    const headers: Record<string, string> = {};
    if (encoding !== undefined) headers[HEADER_PROTOCOL_VERSION] = String(PROTOCOL_VERSION);
    if (query !== undefined) headers[HEADER_QUERY] = serializeQuery(query);
    if (encoding !== undefined) headers[HEADER_ENCODING] = encoding;
    const paramsJson = serializeConnParams(params);
    if (paramsJson !== undefined) headers[HEADER_CONN_PARAMS] = paramsJson;
    return headers;
  };

  const websocket = (
    path: string,
    protocols: string[],
    signal?: AbortSignal,
  ): Promise<UniversalWebSocket> =>
    openSocket(
      () => adaptNodeWebSocket(new NodeWebSocket(`${wsBase}${path}`, protocols)),
      signal,
      `${wsBase}${path}`,
    );

  return {
    kind: "http",

    async resolve(query, { encoding, params, signal }) {
      const response = await call(`${base}/actors/resolve`, {
        method: "POST",
        headers: actorHeaders(query, encoding, params),
        signal,
      });
      const actorId = field(await readResponse(response, encoding), "actorId", true);
      if (typeof actorId !== "string")
        throw clientError("malformed_response", "resolve answered a non-string actorId");
      return actorId;
    },

    async action(query, name, args, { encoding, params, signal }) {
      const headers = actorHeaders(query, encoding, params);
      headers["content-type"] = contentTypeFor(encoding);
      const response = await call(`${base}/actors/actions/${encodeURIComponent(name)}`, {
        method: "POST",
        headers,
        body: encodeValue({ args }, encoding) as BodyInit,
        signal,
      });
      return field(await readResponse(response, encoding), "output", false);
    },

    async rawFetch(query, path, init, { params, signal }) {
      const headers = new Headers(init.headers);
      for (const [name, value] of Object.entries(actorHeaders(query, undefined, params)))
        headers.set(name, value);
      const url = `${base}${joinSubpath("/actors/raw/http", path)}`;
      const withBody = init.body !== undefined && init.body !== null;
      return call(url, {
        ...init,
        headers,
        signal: combineSignals(init.signal ?? undefined, signal),
        ...(withBody ? { duplex: "half" } : {}),
      } as RequestInit);
    },

    rawWebSocket(query, path, protocols, { params, signal }) {
      const list = buildSubprotocols({ encoding: "json", query, params, extra: protocols });
      return websocket(joinSubpath("/actors/raw/websocket", path), list, signal);
    },

    connectWebSocket(query, { encoding, params, signal }) {
      return websocket(
        "/actors/connect/websocket",
        buildSubprotocols({ encoding, query, params }),
        signal,
      );
    },

    connectSse(query, { encoding, params, signal }, handlers: SseHandlers): Promise<SseStream> {
      return openEventStream({
        url: `${base}/actors/connect/sse`,
        headers: actorHeaders(query, encoding, params),
        fetch: (url, init) => call(url, init),
        encoding,
        handlers,
        signal,
      });
    },

    async sendConnectionMessage(actorId, connectionId, token, message: ToServerMessage, options) {
      const { encoding, signal } = options as DriverEncodedCallOptions;
      const response = await call(`${base}/actors/connections/message`, {
        method: "POST",
        headers: {
          [HEADER_ACTOR_ID]: actorId,
          [HEADER_CONN_ID]: connectionId,
          [HEADER_CONN_TOKEN]: token,
          [HEADER_ENCODING]: encoding,
          "content-type": contentTypeFor(encoding),
        },
        body: encodeToServer(message, encoding) as BodyInit,
        signal,
      });
      if (!response.ok) throw await errorFromResponse(response, encoding);
      await response.body?.cancel();
    },
  } satisfies ClientDriver;
}
