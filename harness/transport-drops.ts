/**
 * Dropping connection transports from below the client, as a network failure or a proxy
 * restart would: a ClientDriver wrapper that remembers each connection transport it opened (a
 * connection WebSocket, a connection event stream) and ends them all on `drop()`, without the
 * client or the actor asking. A drop is not a kick: the client must reconnect (CONN-11), where
 * after `conn.disconnect(reason)` it must not (CONN-13).
 */
import type { ClientDriver, SseStream } from "../runtime/client/index.ts";
import type { UniversalWebSocket } from "../runtime/routing/universal-websocket.ts";

/**
 * WebSocket close code of a dropped connection socket: 4001, in the application range (the
 * WHATWG WebSocket API lets a client close with 1000 or 3000-4999 only); not 4000 + a status.
 */
export const DROP_CLOSE_CODE = 4001;

/** Wraps client drivers and drops what they opened. */
export interface TransportDrops {
  /** `driver` with its connection transports remembered; other calls pass through. */
  wrap(driver: ClientDriver): ClientDriver;
  /** Ends every remembered transport still open; resolves how many it ended. */
  drop(): number;
}

/** A new, empty set of remembered transports. */
export function createTransportDrops(): TransportDrops {
  const sockets = new Set<UniversalWebSocket>();
  const streams = new Set<{ stream: SseStream; end(): void }>();
  return {
    wrap(driver) {
      return {
        ...driver,
        kind: driver.kind,
        resolve: driver.resolve.bind(driver),
        action: driver.action.bind(driver),
        rawFetch: driver.rawFetch.bind(driver),
        rawWebSocket: driver.rawWebSocket.bind(driver),
        sendConnectionMessage: driver.sendConnectionMessage.bind(driver),
        async connectWebSocket(query, options) {
          const socket = await driver.connectWebSocket(query, options);
          sockets.add(socket);
          socket.addEventListener("close", () => sockets.delete(socket));
          return socket;
        },
        async connectSse(query, options, handlers) {
          let entry: { stream: SseStream; end(): void } | undefined;
          const stream = await driver.connectSse(query, options, {
            onMessage: (data) => handlers.onMessage(data),
            onActivity: () => handlers.onActivity?.(),
            onClose: (error) => {
              if (entry) streams.delete(entry);
              handlers.onClose(error);
            },
          });
          entry = {
            stream,
            end() {
              // The stream stops reading, then the client learns it ended, as on a reset.
              stream.close();
              handlers.onClose();
            },
          };
          streams.add(entry);
          return {
            close() {
              if (entry) streams.delete(entry);
              stream.close();
            },
          };
        },
      };
    },
    drop() {
      let dropped = 0;
      for (const socket of [...sockets]) {
        sockets.delete(socket);
        socket.close(DROP_CLOSE_CODE, "transport dropped");
        dropped++;
      }
      for (const entry of [...streams]) {
        streams.delete(entry);
        entry.end();
        dropped++;
      }
      return dropped;
    },
  };
}
