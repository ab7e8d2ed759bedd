/**
 * HTTP-level mutations: requests and responses crossing `sendRequest` and `proxyRequest`
 * rewritten as a faulty hop would (a dropped query, a lost header, a buffered body...).
 */
import type { ManagerDriver } from "../../../runtime/driver/index.ts";

/** The two HTTP routing methods. */
export type HttpVia = "sendRequest" | "proxyRequest";

/** What an HTTP mutation may change; absent members pass through. */
export interface HttpFilter {
  request?(request: Request, actorId: string): Request | Promise<Request>;
  response?(response: Response, request: Request): Response | Promise<Response>;
}

/** Wraps `manager` so the routing methods in `vias` pass through `filter`. */
export function filterHttp(
  manager: ManagerDriver,
  filter: HttpFilter,
  vias: readonly HttpVia[] = ["sendRequest", "proxyRequest"],
): ManagerDriver {
  const wrapped = { ...manager };
  for (const via of vias) {
    wrapped[via] = async (actorId, request) => {
      const sent = filter.request ? await filter.request(request, actorId) : request;
      const response = await manager[via](actorId, sent);
      return filter.response ? filter.response(response, sent) : response;
    };
  }
  return wrapped;
}

/** The parts of a request a mutation may replace. */
export interface RequestChanges {
  url?: string;
  method?: string;
  headers?: Headers;
  body?: ArrayBuffer | null;
}

/**
 * A copy of `request` with `changes` applied; the body is read into memory (so only for
 * requests whose bodies are finite), the abort signal is kept.
 */
export async function rebuildRequest(
  request: Request,
  changes: RequestChanges = {},
): Promise<Request> {
  const method = changes.method ?? request.method;
  const body =
    changes.body !== undefined
      ? changes.body
      : request.method === "GET" || request.method === "HEAD"
        ? null
        : await request.arrayBuffer();
  return new Request(changes.url ?? request.url, {
    method,
    headers: changes.headers ?? request.headers,
    body: method === "GET" || method === "HEAD" ? null : body,
    signal: request.signal,
  });
}

/** The request's path on the actor router, e.g. `/action/increment` or `/raw/http/x`. */
export function actorPath(request: Request): string {
  return new URL(request.url).pathname;
}
