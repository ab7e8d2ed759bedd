/**
 * Which WebSocket subprotocol a server selects (docs/protocol.md, "WebSocket subprotocols").
 */
import { SUBPROTOCOL_MARKER } from "../protocol/subprotocols.ts";

/**
 * The subprotocol to select: `actor.v1` when offered, else the first one offered, so a client
 * that offered any protocol gets one back as RFC 6455 section 4.2.2 requires; `false` when none
 * was offered.
 */
export function selectSubprotocol(offered: Iterable<string>): string | false {
  const list = [...offered];
  if (list.includes(SUBPROTOCOL_MARKER)) return SUBPROTOCOL_MARKER;
  return list[0] ?? false;
}

/** The entries of a `Sec-WebSocket-Protocol` header value, trimmed, empty ones dropped. */
export function offeredSubprotocols(header: string | null | undefined): string[] {
  return (header ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}
