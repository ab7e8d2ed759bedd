/**
 * The bare baseline paths of `npm run bench`, opened ready to call and closed after: the hono
 * handler and the `ws` echo. The same work through the toolkit (the manager router and the
 * public client) is opened by harness/bench/paths.ts, shared with `driver-cert bench`.
 */
import { expectEcho, type OpenPath } from "../harness/bench/paths.ts";
import {
  type BenchEncoding,
  callHonoBaseline,
  connectWsRpc,
  startHonoBaseline,
  startWsEchoBaseline,
} from "./baselines.ts";

/** The bare hono handler, called with the global fetch (undici): POST `{ args: [i] }`. */
export async function openHonoPath(name: string): Promise<OpenPath> {
  const server = await startHonoBaseline();
  try {
    const op = (x: unknown) => callHonoBaseline(server.url, x);
    await expectEcho(op, name);
    return { name, op, close: () => server.close() };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** The bare `ws` echo: action-shaped messages on one socket, replies matched by id. */
export async function openWsEchoPath(name: string, encoding: BenchEncoding): Promise<OpenPath> {
  const server = await startWsEchoBaseline();
  try {
    const client = await connectWsRpc(server.url, encoding);
    const op = (x: unknown) => client.call(x);
    await expectEcho(op, name);
    return {
      name,
      op,
      async close() {
        await client.close();
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}
