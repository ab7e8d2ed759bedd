/**
 * Test support for the actor router tests: a scripted ActorInstanceHost, so each endpoint's
 * framing, errors and connection bookkeeping are checked without the actor runtime.
 */
import { EventSourceParserStream } from "eventsource-parser/stream";
import { ActorError, UserError } from "../actor/errors.ts";
import type {
  ActorInstanceHost,
  ConnectionTransport,
  ConnectRequest,
} from "../actor/host-interface.ts";
import { createActorRouter } from "./actor-router.ts";
import type { UniversalCloseEvent, UniversalWebSocket } from "./universal-websocket.ts";

/** An actor instance whose every answer is scripted. */
export class FakeInstance implements ActorInstanceHost {
  readonly actorId = "actor-1";
  readonly name = "fake";
  readonly key = ["k"];
  readonly region = "";
  readonly transports = new Map<string, ConnectionTransport>();
  readonly closed: string[] = [];
  readonly connects: Omit<ConnectRequest, "transport">[] = [];
  refuseConnect = false;
  #next = 0;

  async runStatelessAction(
    name: string,
    args: unknown[],
    connect: Omit<ConnectRequest, "transport">,
  ) {
    this.connects.push(connect);
    if (name === "fail") throw new UserError("nope", { code: "custom_code", metadata: { n: 1 } });
    if (name === "boom") throw new Error("secret detail");
    if (name === "whoami") return { params: connect.params, auth: connect.authData };
    return args;
  }

  async connect(request: ConnectRequest) {
    if (this.refuseConnect) throw new UserError("go away", { code: "refused" });
    this.connects.push(request);
    const id = `c${this.#next++}`;
    this.transports.set(id, request.transport);
    request.transport.send({
      type: "init",
      actorId: this.actorId,
      connectionId: id,
      connectionToken: `t-${id}`,
      protocolVersion: 1,
    });
    return { id, token: `t-${id}` };
  }

  async handleMessage(
    connectionId: string,
    message: Parameters<ActorInstanceHost["handleMessage"]>[1],
  ) {
    const transport = this.transports.get(connectionId)!;
    if (message.type !== "action") return;
    if (message.name === "disconnect") {
      transport.close("bye");
      return;
    }
    transport.send({ type: "action_response", id: message.id, output: message.args });
  }

  async closeConnection(connectionId: string) {
    this.closed.push(connectionId);
  }

  authorizeConnection(connectionId: string, token: string) {
    if (!this.transports.has(connectionId)) throw new ActorError("conn_not_found", connectionId);
    if (token !== `t-${connectionId}`) throw new ActorError("incorrect_conn_token", "wrong token");
    return { id: connectionId, token };
  }

  async handleFetch(request: Request, authData: unknown) {
    return Response.json({
      url: request.url,
      method: request.method,
      headers: Object.fromEntries(request.headers),
      body: await request.text(),
      auth: authData ?? null,
    });
  }

  async handleWebSocket(socket: UniversalWebSocket, request: Request, authData: unknown) {
    socket.send(JSON.stringify({ url: request.url, auth: authData ?? null }));
    socket.addEventListener("message", (event) => {
      if (event.data === "close-me") socket.close(4321, "as asked");
      else socket.send(event.data);
    });
  }

  async onAlarm() {}
  async stop() {}
}

/** A router over one FakeInstance with id "actor-1". */
export function setup() {
  const instance = new FakeInstance();
  const router = createActorRouter({
    loadActor: async (id) => {
      if (id !== instance.actorId) throw new ActorError("actor_not_found", `no actor ${id}`);
      return instance;
    },
  });
  return { instance, router };
}

/** A POST to the actor router. */
export const post = (path: string, body: BodyInit | null, headers: Record<string, string>) =>
  new Request(`http://actor${path}`, { method: "POST", body, headers });

/** Every message a socket receives, in order, read one at a time. */
export function inbox(socket: UniversalWebSocket) {
  const queue: (string | ArrayBuffer)[] = [];
  const waiters: ((data: string | ArrayBuffer) => void)[] = [];
  socket.addEventListener("message", (event) => {
    const waiter = waiters.shift();
    if (waiter) waiter(event.data);
    else queue.push(event.data);
  });
  return {
    next(): Promise<string | ArrayBuffer> {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/** Resolves the close event of a socket. */
export function closeOf(socket: UniversalWebSocket): Promise<UniversalCloseEvent> {
  return new Promise((resolve) => socket.addEventListener("close", resolve));
}

/** Reads SSE events from a streamed body (eventsource-parser), one `data:` payload at a time. */
export function sseReader(response: Response) {
  const reader = response
    .body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  return {
    async next(): Promise<string | undefined> {
      const { done, value } = await reader.read();
      return done ? undefined : value.data;
    },
    cancel: () => reader.cancel(),
  };
}
