/**
 * CONN-12 broken the way a relay with an idle timeout breaks it (a proxy's read timeout, scaled
 * down from the usual 60 s to 1 s): an SSE response stream or a bridged WebSocket with no traffic
 * for 1,000 ms is ended, and the client has to reconnect.
 */
import type { ManagerDriver, UniversalWebSocket } from "../../runtime/driver/index.ts";
import { actorPath } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "CONN-12",
  description: "streams and WebSockets idle for 1,000 ms are ended by the relay",
  suites: ["idle-connections"],
};

const IDLE_MS = 1_000;

/** The response with its body ended after IDLE_MS without a chunk. */
function cutWhenIdle(response: Response): Response {
  const body = response.body;
  if (body === null) return response;
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          void reader.cancel().catch(() => undefined);
          controller.close();
        }, IDLE_MS);
      };
      arm();
      void (async () => {
        for (;;) {
          const { done, value } = await reader
            .read()
            .catch(() => ({ done: true, value: undefined }));
          if (done) break;
          arm();
          controller.enqueue(value as Uint8Array);
        }
        clearTimeout(timer);
        try {
          controller.close();
        } catch {}
      })();
    },
    cancel() {
      clearTimeout(timer);
      return reader.cancel();
    },
  });
  return new Response(stream, { status: response.status, headers: response.headers });
}

export default mutantDriver("conn-proxy-idle-timeout", "memory", {
  manager: (inner): ManagerDriver => ({
    ...inner,
    async proxyRequest(actorId, request) {
      const response = await inner.proxyRequest(actorId, request);
      return actorPath(request).startsWith("/connect/sse") ? cutWhenIdle(response) : response;
    },
    async sendRequest(actorId, request) {
      const response = await inner.sendRequest(actorId, request);
      return actorPath(request).startsWith("/connect/sse") ? cutWhenIdle(response) : response;
    },
    proxyWebSocket(actorId, request, client: UniversalWebSocket) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => client.close(1001, "idle timeout"), IDLE_MS);
      };
      arm();
      client.addEventListener("message", arm);
      client.addEventListener("close", () => clearTimeout(timer));
      const send = client.send.bind(client);
      client.send = (data) => {
        arm();
        send(data);
      };
      return inner.proxyWebSocket(actorId, request, client);
    },
  }),
});
