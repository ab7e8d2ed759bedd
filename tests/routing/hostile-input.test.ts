/**
 * Hostile input at the manager router's door, through a real server on 127.0.0.1: size limits
 * counted while bodies and frames stream in, the decoder policy applied before onAuth and
 * before any actor, routing from the request path alone, connection messages that reveal no
 * actor ids, and hooks that throw values that are not Errors (ERR-1, ERR-5, AUTH-3).
 */
import http from "node:http";
import { afterEach, describe, expect, test, vi } from "vitest";
import { WebSocket } from "ws";
import { bytesToBase64 } from "../../runtime/protocol/base64.ts";
import {
  MAX_MESSAGE_BYTES,
  MAX_RAW_HTTP_BODY_BYTES,
  MAX_WEBSOCKET_MESSAGE_BYTES,
} from "../../runtime/protocol/limits.ts";
import { buildSubprotocols } from "../../runtime/protocol/subprotocols.ts";
import { decodeCbor } from "../../runtime/protocol/values.ts";
import { closed, inbox, opened, openSocket, serveFixture, structured } from "./served-fixture.ts";

const getOrCreate = (key: string[], name = "guarded") => ({ getOrCreateForKey: { name, key } });
const DENIED = { deny: "go_away" };

afterEach(() => {
  vi.restoreAllMocks();
});

/** What a streamed POST saw: the answer, and how many bytes went out before it arrived. */
interface StreamedPost {
  status: number;
  body: string;
  sentBeforeAnswer: number;
}

/**
 * POSTs up to `total` bytes in 64 KiB chunks without a content-length (chunked), stopping as soon
 * as the answer arrives, so a server that reads bodies whole would take all of them first.
 */
function postStreamed(
  endpoint: string,
  path: string,
  headers: Record<string, string>,
  total: number,
): Promise<StreamedPost> {
  const url = new URL(endpoint);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request(
      { host: url.hostname, port: url.port, path, method: "POST", headers },
      (res) => {
        answered = true;
        const sentBeforeAnswer = sent;
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (part: string) => {
          body += part;
        });
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body, sentBeforeAnswer });
        });
      },
    );
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe("size limits are counted while a body streams in, before onAuth (ERR-5)", () => {
  test("an anonymous 100 MB action body is refused after 64 KiB, before onAuth refuses it", async () => {
    const { endpoint, authCalls } = await serveFixture();
    const headers = structured(getOrCreate(["big"]), { params: DENIED });
    const result = await postStreamed(endpoint, "/actors/actions/echo", headers, 100e6);
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toMatchObject({
      code: "message_too_large",
      metadata: { limit: MAX_MESSAGE_BYTES },
    });
    // The server answered long before the body was through (socket buffers allow a few MB).
    expect(result.sentBeforeAnswer).toBeLessThan(32e6);
    expect(authCalls).toEqual([]);
  });

  test("a raw HTTP body past the limit is refused; one at the limit reaches onFetch", async () => {
    const { endpoint } = await serveFixture();
    const headers = structured(getOrCreate(["raw"]), { params: DENIED });
    const result = await postStreamed(endpoint, "/actors/raw/http/upload", headers, 100e6);
    expect([result.status, JSON.parse(result.body).code]).toEqual([413, "message_too_large"]);
    expect(result.sentBeforeAnswer).toBeLessThan(64e6);
    // A declared length over the limit is refused before a byte of the body is read.
    const declared = await fetch(`${endpoint}/actors/raw/http/upload`, {
      method: "POST",
      headers: structured(getOrCreate(["raw"])),
      body: new Uint8Array(MAX_RAW_HTTP_BODY_BYTES + 1),
    });
    expect([declared.status, (await declared.json()).code]).toEqual([413, "message_too_large"]);
    const atLimit = await fetch(`${endpoint}/actors/raw/http/length`, {
      method: "POST",
      headers: structured(getOrCreate(["raw"])),
      body: new Uint8Array(MAX_RAW_HTTP_BODY_BYTES),
    });
    expect([atLimit.status, await atLimit.json()]).toEqual([
      200,
      { length: MAX_RAW_HTTP_BODY_BYTES },
    ]);
  });

  test("a connection message body past the limit is refused before the token is checked", async () => {
    const { endpoint } = await serveFixture();
    const headers = {
      "x-actor-encoding": "json",
      "x-actor-id": "whatever",
      "x-actor-conn-id": "c",
      "x-actor-conn-token": "t",
    };
    const result = await postStreamed(endpoint, "/actors/connections/message", headers, 100e6);
    expect([result.status, JSON.parse(result.body).code]).toEqual([413, "message_too_large"]);
  });

  test("a WebSocket frame past the limit closes 1009 before it is read; one under it echoes", async () => {
    const { endpoint } = await serveFixture();
    const socket = openSocket(endpoint, "/actors/raw/websocket/echo", {
      query: getOrCreate(["ws-big"]),
    });
    const messages = inbox(socket);
    await opened(socket);
    await messages.next(); // the handler's greeting
    socket.send(new Uint8Array(MAX_WEBSOCKET_MESSAGE_BYTES));
    expect(((await messages.next()) as Uint8Array).byteLength).toBe(MAX_WEBSOCKET_MESSAGE_BYTES);
    const ended = closed(socket);
    socket.send(new Uint8Array(MAX_WEBSOCKET_MESSAGE_BYTES + 1));
    expect((await ended).code).toBe(1009);
  });

  test("a message fragmented without FIN is counted over its fragments and closed 1009", async () => {
    const { endpoint } = await serveFixture();
    const socket = openSocket(endpoint, "/actors/raw/websocket/echo", {
      query: getOrCreate(["ws-frag"]),
    });
    const messages = inbox(socket);
    await opened(socket);
    await messages.next();
    const ended = closed(socket);
    const fragment = new Uint8Array(64 * 1024);
    // 4 MiB in 64 fragments, none of them final: a server without a message limit keeps them.
    for (let i = 0; i < 64 && socket.readyState === WebSocket.OPEN; i++) {
      socket.send(fragment, { fin: false });
    }
    expect((await ended).code).toBe(1009);
  });
});

describe("the decoder policy applies at the boundary, never inside an actor (ERR-5)", () => {
  const action = (
    endpoint: string,
    name: string,
    body: BodyInit,
    headers: Record<string, string>,
  ) => fetch(`${endpoint}/actors/actions/${name}`, { method: "POST", headers, body });

  test("a 65 KB CBOR bignum is refused unread, and /health does not wait for it", async () => {
    const { endpoint } = await serveFixture();
    const bignum = new Uint8Array(65_000 + 5).fill(0xff);
    // { "args": [ tag 2 (bytes of 65,000) ] } with the body trimmed below the 64 KiB limit.
    const args = new Uint8Array([0xa1, 0x64, ...Buffer.from("args"), 0x81, 0xc2, 0x59, 0xfd, 0xe8]);
    const body = new Uint8Array(args.length + 65_000);
    body.set(args);
    body.set(bignum.subarray(0, 65_000), args.length);
    const headers = structured(getOrCreate(["bn"]), { encoding: "cbor" });
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => action(endpoint, "echo", body, headers)),
    );
    for (const res of answers) expect(res.status).toBe(400);
    const started = performance.now();
    expect((await fetch(`${endpoint}/health`)).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("tag 27 (RegExp, Error) and unknown tags never reach an action", async () => {
    const { endpoint } = await serveFixture();
    const headers = structured(getOrCreate(["tags"]), { encoding: "cbor" });
    const regexp = new Uint8Array([
      0xa1,
      0x64,
      ...Buffer.from("args"),
      0x81,
      0xd8,
      0x1b,
      0x82,
      0x66,
      ...Buffer.from("RegExp"),
      0x81,
      0x61,
      0x78,
    ]);
    const unknownTag = new Uint8Array([0xa1, 0x64, ...Buffer.from("args"), 0x81, 0xd8, 0x64, 0x00]);
    for (const [body, tag] of [
      [regexp, "tag 27"],
      [unknownTag, "tag 100"],
    ] as const) {
      const res = await action(endpoint, "echo", body, headers);
      const error = decodeCbor(new Uint8Array(await res.arrayBuffer())) as Record<string, string>;
      expect([res.status, error.code]).toEqual([400, "malformed_message"]);
      expect(error.message).toContain(`${tag} is not allowed`);
    }
  });

  test("a 30,000-deep JSON argument is malformed_message and the actor keeps working", async () => {
    const { endpoint } = await serveFixture();
    const headers = structured(getOrCreate(["deep"]));
    const deep = `${"[".repeat(30_000)}${"]".repeat(30_000)}`;
    const refused = await action(endpoint, "keep", `{"args":[${deep}]}`, headers);
    expect([refused.status, (await refused.json()).code]).toEqual([400, "malformed_message"]);
    const after = await action(endpoint, "increment", JSON.stringify({ args: [2] }), headers);
    expect([after.status, await after.json()]).toEqual([200, { output: 2 }]);
  });

  test("a $cbor query input is decoded only after onAuth accepted the caller", async () => {
    const { endpoint, authCalls } = await serveFixture();
    const badInput = { create: { name: "guarded", key: ["in"], input: { $cbor: "2BsB" } } };
    const refused = await fetch(`${endpoint}/actors/resolve`, {
      method: "POST",
      headers: structured(badInput, { params: DENIED }),
    });
    // onAuth ran and refused first: the anonymous caller's CBOR was never decoded.
    expect([refused.status, (await refused.json()).code]).toEqual([400, "go_away"]);
    expect(authCalls).toHaveLength(1);
    const accepted = await fetch(`${endpoint}/actors/resolve`, {
      method: "POST",
      headers: structured(badInput),
    });
    const body = await accepted.json();
    expect([accepted.status, body.code]).toEqual([400, "invalid_query"]);
    expect(body.message).toContain("tag 27 is not allowed");
    const big = {
      $cbor: bytesToBase64(new Uint8Array([0xc2, 0x59, 0x08, 0x00, ...new Uint8Array(2048)])),
    };
    const bignum = await fetch(`${endpoint}/actors/resolve`, {
      method: "POST",
      headers: structured({ create: { name: "guarded", key: ["in2"], input: big } }),
    });
    expect((await bignum.json()).message).toContain("exceeds the limit");
  });
});

describe("routing comes from the request path alone", () => {
  test("a crafted Host header cannot send a connection upgrade to the raw WebSocket handler", async () => {
    const { endpoint, port } = await serveFixture();
    const protocols = buildSubprotocols({ encoding: "json", query: getOrCreate(["host"]) });
    const socket = new WebSocket(
      `${endpoint.replace("http", "ws")}/actors/connect/websocket`,
      protocols,
      {
        headers: { host: `127.0.0.1:${port}/actors/raw/websocket/x?` },
      },
    );
    const messages = inbox(socket);
    const ended = closed(socket);
    await opened(socket);
    // The connection route answers with init; the raw handler would have greeted with its URL.
    expect(await messages.json()).toMatchObject({ type: "init" });
    socket.close();
    await ended;
  });
});

describe("connection messages reveal nothing about actor ids", () => {
  test("a real actor id with a bogus connection starts nothing and answers like an unknown id", async () => {
    const { endpoint, starts } = await serveFixture();
    const resolved = await fetch(`${endpoint}/actors/resolve`, {
      method: "POST",
      headers: structured(getOrCreate(["probe"])),
    });
    const { actorId } = await resolved.json();
    const probe = async (id: string) => {
      const res = await fetch(`${endpoint}/actors/connections/message`, {
        method: "POST",
        headers: {
          "x-actor-encoding": "json",
          "x-actor-id": id,
          "x-actor-conn-id": "bogus",
          "x-actor-conn-token": "bogus",
        },
        body: JSON.stringify({ type: "action", id: 1, name: "echo", args: [] }),
      });
      return [res.status, await res.text()];
    };
    const real = await probe(actorId);
    const unknown = await probe("no-such-actor");
    expect(real).toEqual(unknown);
    expect(real[0]).toBe(404);
    expect(JSON.parse(real[1] as string).code).toBe("conn_not_found");
    expect(starts.count).toBe(0);
  });
});

describe("hooks and actions that throw values that are not Errors (ERR-1)", () => {
  test("onAuth throwing a string gets a coded error body", async () => {
    const { endpoint } = await serveFixture();
    vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await fetch(`${endpoint}/actors/actions/echo`, {
      method: "POST",
      headers: structured(getOrCreate(["raw-throw"]), { params: { throwRaw: "nope" } }),
      body: JSON.stringify({ args: [] }),
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      code: "internal_error",
      message: "Internal error. Read the actor logs for more details.",
    });
  });

  test("an action throwing a string is the actor's failure, not logged as the driver's", async () => {
    const { endpoint } = await serveFixture();
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await fetch(`${endpoint}/actors/actions/throwRaw`, {
      method: "POST",
      headers: structured(getOrCreate(["raw-action"])),
      body: JSON.stringify({ args: [] }),
    });
    expect(res.status).toBe(500);
    expect((await res.json()).code).toBe("internal_error");
    const lines = logged.mock.calls.map((call) => call.map(String).join(" "));
    expect(lines.some((line) => line.includes("a plain string"))).toBe(true);
    expect(lines.filter((line) => line.includes("driver"))).toEqual([]);
  });
});
