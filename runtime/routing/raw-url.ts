/**
 * URL surgery for raw routes, done on the serialized URL so the subpath and query string keep
 * their exact bytes: percent-escapes, a trailing slash, an empty query (clause ROUTE-6). Dot
 * segments (`.`, `..`, `%2e%2e`) do not survive URL parsing, so the server reads them from the
 * request target and they travel beside the URL (HEADER_RAW_PATH).
 */
import { HEADER_RAW_PATH } from "../protocol/headers.ts";

/**
 * The URL a raw handler sees for `request`, which the actor router received under `prefix`:
 * `http://actor<subpath>?<query>` with the exact subpath the manager put in HEADER_RAW_PATH when
 * it agrees with the URL (dot segments kept), else the one the URL holds. Throws a TypeError
 * when the URL is not under `prefix` (the router only calls it for raw routes).
 */
export function exactRawUrl(request: Request, prefix: string): string {
  const exact = agreedRawPath(request.url, prefix, request.headers.get(HEADER_RAW_PATH));
  if (exact !== undefined) return `http://actor${exact}`;
  const url = rawActorUrl(request.url, prefix);
  if (url === undefined) throw new TypeError(`not a raw path under ${prefix}: ${request.url}`);
  return url;
}

/** The path and the query string (with its `?`, or "" when there is none) of `url`, raw. */
export function splitUrl(url: string): { pathname: string; search: string } {
  const parsed = new URL(url);
  // URL#search drops a lone "?"; read the query from the serialized form instead. A serialized
  // path or userinfo never holds a raw "?", so the first one starts the query.
  const withoutHash = parsed.href.split("#", 1)[0];
  const q = withoutHash.indexOf("?");
  return { pathname: parsed.pathname, search: q === -1 ? "" : withoutHash.slice(q) };
}

/**
 * The subpath of `pathname` after `prefix` ("/raw/http"), or undefined when the path is not
 * under it. An empty subpath is "/"; `/raw/http/` also gives "/".
 */
export function subpathAfter(pathname: string, prefix: string): string | undefined {
  if (pathname === prefix) return "/";
  if (!pathname.startsWith(`${prefix}/`)) return undefined;
  return pathname.slice(prefix.length);
}

/**
 * The URL an actor's raw handler sees for a request to `url` under `prefix`:
 * `http://actor/<subpath>?<query>`, both kept byte for byte. Returns undefined when `url` is
 * not under `prefix`.
 */
export function rawActorUrl(url: string, prefix: string): string | undefined {
  const { pathname, search } = splitUrl(url);
  const sub = subpathAfter(pathname, prefix);
  return sub === undefined ? undefined : `http://actor${sub}${search}`;
}

/**
 * The path and the query string (with its `?`, or "") of an HTTP request target as the server
 * received it (RFC 9112 section 3.2: origin-form, or absolute-form), without URL parsing, so dot
 * segments are kept. Returns undefined for a target that is neither.
 */
export function splitTarget(target: string): { pathname: string; search: string } | undefined {
  let path = target;
  if (!path.startsWith("/")) {
    const match = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(path);
    if (match === null) return undefined;
    path = path.slice(match[0].length) || "/";
  }
  const hash = path.indexOf("#");
  if (hash !== -1) path = path.slice(0, hash);
  const q = path.indexOf("?");
  return q === -1
    ? { pathname: path, search: "" }
    : { pathname: path.slice(0, q), search: path.slice(q) };
}

/**
 * `subpath` with its dot segments resolved the way URL parsing resolves them, never above "/":
 * `/a/%2e%2e/b` gives `/b`, `/%2e%2e/x` gives `/x`. The manager forwards raw requests to
 * `prefix + resolveSubpath(subpath)`, which stays under the raw route whatever the client sent.
 */
export function resolveSubpath(subpath: string): string {
  return new URL(`http://actor${subpath}`).pathname;
}

/**
 * The raw subpath and query (`/a/%2e%2e/b?x`) a manager put in HEADER_RAW_PATH, when it agrees
 * with the URL the request arrived at under `prefix`: `prefix + resolveSubpath(header)` and the
 * header's query must give that URL exactly. A hop that rewrote the URL (a driver breaking
 * ROUTE-4) makes them disagree, and the URL as it arrived wins. Undefined when unusable.
 */
export function agreedRawPath(
  url: string,
  prefix: string,
  header: string | null,
): string | undefined {
  if (header === null || !header.startsWith("/")) return undefined;
  try {
    const { pathname, search } = splitTarget(header) ?? { pathname: "", search: "" };
    const expected = `http://actor${prefix}${resolveSubpath(pathname)}${search}`;
    const arrived = splitUrl(url);
    const resolved = splitUrl(expected);
    return resolved.pathname === arrived.pathname && resolved.search === arrived.search
      ? header
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A Request whose `url` reads exactly `url`. WHATWG URL parsing (inside `new Request`) removes
 * dot segments; when it changed `url`, the instance's `url` is shadowed with the exact text, so
 * onFetch and onWebSocket see the path the client sent (ROUTE-6). Everything else is the
 * ordinary Request built from `init`.
 */
export function requestWithExactUrl(url: string, init: RequestInit): Request {
  const request = new Request(url, init);
  if (request.url !== url) Object.defineProperty(request, "url", { value: url, enumerable: true });
  return request;
}

/**
 * Sets HEADER_RAW_PATH on `headers` to the exact subpath and query, so the actor sees dot
 * segments the forwarded URL cannot hold (ROUTE-6). Bytes a header cannot carry leave it out.
 * Returns `headers`.
 */
export function withRawPath(headers: Headers, sub: string, search: string): Headers {
  try {
    headers.set(HEADER_RAW_PATH, `${sub}${search}`);
  } catch {
    headers.delete(HEADER_RAW_PATH);
  }
  return headers;
}
