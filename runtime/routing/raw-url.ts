/**
 * URL surgery for raw routes, done on the serialized URL so the subpath and query string keep
 * their exact bytes: percent-escapes, a trailing slash, an empty query (clause ROUTE-6).
 */

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
