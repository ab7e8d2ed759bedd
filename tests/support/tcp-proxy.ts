/**
 * A loopback TCP proxy for tests of unlucky networks: it forwards byte for byte to a target
 * port, and can go silent (a partition: nothing is forwarded either way and nothing is closed,
 * the bytes wait as TCP would retransmit them), heal, reset every connection, or send new
 * connections to another port.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";

/** A running proxy on 127.0.0.1. */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>` of the proxy. */
  readonly endpoint: string;
  /** Stops forwarding in both directions, keeping every connection open. */
  partition(): void;
  /** Forwards again, including what waited during the partition. */
  heal(): void;
  /** Destroys every proxied connection (both sides see a reset). */
  reset(): void;
  /** New connections go to `port` from now on. */
  retarget(port: number): void;
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

/** Starts a proxy to 127.0.0.1:`targetPort`. */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let target = targetPort;
  let partitioned = false;
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(target, "127.0.0.1");
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
    if (partitioned) {
      client.pause();
      upstream.pause();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  const each = (fn: (socket: Socket) => void) => {
    for (const [client, upstream] of pairs) {
      fn(client);
      fn(upstream);
    }
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    partition() {
      partitioned = true;
      // pipe() resumes a paused source on drain; unpipe first so nothing moves until heal().
      for (const [client, upstream] of pairs) {
        client.unpipe(upstream);
        upstream.unpipe(client);
      }
      each((socket) => socket.pause());
    },
    heal() {
      partitioned = false;
      for (const [client, upstream] of pairs) {
        client.pipe(upstream);
        upstream.pipe(client);
      }
      each((socket) => socket.resume());
    },
    reset() {
      each((socket) => socket.destroy());
      pairs.clear();
    },
    retarget(port) {
      target = port;
    },
    async close() {
      each((socket) => socket.destroy());
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
