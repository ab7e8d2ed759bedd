/**
 * The gate every public manager route passes: look the actor's name up, run onAuth with the
 * route's intents, then resolve (or create) the actor. Auth runs before anything is created, so
 * a refused caller never reaches or creates an actor (AUTH-1, AUTH-3).
 */
import type { Registry } from "../actor/registry.ts";
import type { ActorOutput, ManagerDriver } from "../driver/manager-driver.ts";
import { encodeAuthData } from "../protocol/auth-data.ts";
import { HEADER_AUTH_DATA, stripInternalHeaders } from "../protocol/headers.ts";
import { type ActorQuery, decodeQueryInput } from "../protocol/query.ts";
import { authenticate, intentsFor, type RouteIntent } from "./auth.ts";
import { definitionFor, lookupById, queryName, resolveQuery } from "./resolve.ts";

/** What the router knows when a public request arrives. */
export interface GateRequest {
  query: ActorQuery;
  route: RouteIntent;
  /** The public request; onAuth sees it without internal headers. */
  request: Request;
  /** Its body, already read, so onAuth may read the copy it gets without consuming ours. */
  body?: ArrayBuffer;
  params: unknown;
}

/** The actor the request reaches and what onAuth returned. */
export interface GateResult {
  actor: ActorOutput;
  authData: unknown;
}

/** Runs the gate; rejects with the first coded error (not found, forbidden, onAuth's own). */
export async function passGate(
  registry: Registry,
  manager: ManagerDriver,
  gate: GateRequest,
): Promise<GateResult> {
  let known: ActorOutput | undefined;
  let name = queryName(gate.query);
  if (name === undefined && "getForId" in gate.query) {
    known = await lookupById(manager, gate.query.getForId.actorId);
    name = known.name;
  }
  const definition = definitionFor(registry, name!);
  const { request } = gate;
  const hasBody = gate.body !== undefined && request.method !== "GET" && request.method !== "HEAD";
  // Built on first read: most onAuth hooks look at params only, and copying headers and body
  // for every request showed in the action benchmark's profile.
  let authRequest: Request | undefined;
  const authData = await authenticate(name!, definition, {
    get request() {
      authRequest ??= new Request(request.url, {
        method: request.method,
        headers: stripInternalHeaders(request.headers),
        body: hasBody ? gate.body!.slice(0) : null,
        signal: request.signal,
      });
      return authRequest;
    },
    intents: intentsFor(gate.query, gate.route),
    params: gate.params,
  });
  // Only an authenticated caller's `$cbor` input is decoded (decoder policy, docs/protocol.md).
  const actor = await resolveQuery(registry, manager, decodeQueryInput(gate.query), known);
  return { actor, authData };
}

/**
 * Sets the auth data header when onAuth returned anything but `undefined` (`null`, `0` and ""
 * included, AUTH-4). Throws `serialization_error` for a value CBOR cannot carry.
 */
export function setAuthData(headers: Headers, authData: unknown): Headers {
  headers.delete(HEADER_AUTH_DATA);
  if (authData !== undefined) headers.set(HEADER_AUTH_DATA, encodeAuthData(authData));
  return headers;
}
