/**
 * Serves the manager router on Node: @hono/node-server for HTTP (streamed responses, so SSE
 * works) and a `ws` WebSocketServer on the server's "upgrade" event for WebSockets.
 */
import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { createAdaptorServer } from "@hono/node-server";
import { WebSocketServer } from "ws";
import type { Registry } from "../actor/registry.ts";
import type { ManagerDriver } from "../driver/manager-driver.ts";
import { createManagerRouter } from "../manager/manager-router.ts";
import { MAX_WEBSOCKET_MESSAGE_BYTES } from "../protocol/limits.ts";
import { adaptNodeWebSocket } from "./node-websocket.ts";
import { selectSubprotocol } from "./select-subprotocol.ts";

/** Options of `serveManager`. */
export interface ServeManagerOptions {
  registry: Registry;
  manager: ManagerDriver;
  /** Interface to listen on; default "127.0.0.1". */
  hostname?: string;
  /** TCP port; default 0 (any free port). */
  port?: number;
}

/** A running server. */
export interface ServedManager {
  /** `http://<hostname>:<port>`, the endpoint clients use. */
  endpoint: string;
  port: number;
  /** Terminates open sockets and streams and stops listening. Idempotent. */
  close(): Promise<void>;
}

/** A Host header that names a host and port only: nothing that could add a path or query. */
const PLAIN_HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The request target's path and query: the origin-form as sent, or the path of an
 * absolute-form target (RFC 9112 section 3.2).
 */
function targetPath(target: string | undefined): string {
  if (target === undefined || target === "") return "/";
  if (target.startsWith("/")) return target;
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    return "/";
  }
}

/**
 * A Web Request carrying the upgrade request's URL and headers. The route comes from the request
 * target alone: the Host header is used for the URL's authority only when it is a plain host
 * and port, so a crafted Host (`h:1/actors/raw/websocket/x?`) cannot change the path.
 */
function upgradeRequest(incoming: IncomingMessage, ownHost: string): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const given = incoming.headers.host;
  const host = given !== undefined && PLAIN_HOST.test(given) ? given : ownHost;
  return new Request(`http://${host}${targetPath(incoming.url)}`, { headers });
}

/** `hostname` as it appears in a URL: IPv6 addresses in brackets. */
function urlHost(hostname: string): string {
  return hostname.includes(":") ? `[${hostname}]` : hostname;
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Starts an HTTP server for the manager router on `hostname:port`.
 *
 * @example
 * const served = await serveManager({ registry, manager: driver.manager });
 * await fetch(`${served.endpoint}/health`); // "ok"
 * await served.close();
 */
export async function serveManager(options: ServeManagerOptions): Promise<ServedManager> {
  const hostname = options.hostname ?? "127.0.0.1";
  const router = createManagerRouter({ registry: options.registry, manager: options.manager });
  const server = createAdaptorServer({
    // The request target as received: routes and raw subpaths come from it (ROUTE-6).
    fetch: (request: Request, env?: { incoming?: { url?: string } }) =>
      router.fetch(request, env?.incoming?.url),
    hostname,
  }) as Server;
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => selectSubprotocol(offered),
    // ws counts every fragment of a message as it arrives and closes with 1009 past the limit.
    maxPayload: MAX_WEBSOCKET_MESSAGE_BYTES,
  });

  server.on("upgrade", (incoming: IncomingMessage, socket: Duplex, head: Buffer) => {
    let request: Request;
    try {
      const { port } = server.address() as AddressInfo;
      request = upgradeRequest(incoming, `${urlHost(hostname)}:${port}`);
    } catch {
      rejectUpgrade(socket, 400, "Bad Request");
      return;
    }
    socket.on("error", () => socket.destroy());
    wss.handleUpgrade(incoming, socket, head, (ws) => {
      router.handleWebSocket(request, adaptNodeWebSocket(ws), incoming.url).catch((error) => {
        console.error("WebSocket handling failed", error);
        ws.terminate();
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = urlHost(hostname);

  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        // Open SSE streams and keep-alive sockets would keep close() waiting forever.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
