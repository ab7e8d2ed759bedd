/**
 * The actor router's HTTP endpoints against a scripted instance (actor-router.fixture.ts).
 */
import { describe, expect, onTestFinished, test } from "vitest";
import { encodeAuthData } from "../protocol/auth-data.ts";
import { decodeCbor, encodeCbor } from "../protocol/values.ts";
import { post, setup, sseReader } from "./actor-router.fixture.ts";

describe("actor router: POST /action/:name", () => {
  test("json: { args } in, { output } out", async () => {
    const { router } = setup();
    const res = await router.fetch(
      post("/action/echo", JSON.stringify({ args: [1, "two"] }), { "x-actor-encoding": "json" }),
      "actor-1",
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({ output: [1, "two"] });
  });

  test("cbor: binary values round-trip", async () => {
    const { router } = setup();
    const bytes = new Uint8Array([1, 2, 255]);
    const res = await router.fetch(
      post("/action/echo", encodeCbor({ args: [bytes, 10n] }) as BodyInit, {
        "x-actor-encoding": "cbor",
      }),
      "actor-1",
    );
    expect(res.headers.get("content-type")).toBe("application/cbor");
    const body = decodeCbor(new Uint8Array(await res.arrayBuffer())) as { output: unknown[] };
    expect(body.output[0]).toEqual(bytes);
    expect(body.output[1]).toBe(10n);
  });

  test("params and auth data headers reach the action's connection", async () => {
    const { router } = setup();
    const res = await router.fetch(
      post("/action/whoami", JSON.stringify({ args: [] }), {
        "x-actor-encoding": "json",
        "x-actor-conn-params": '{"p":1}',
        "x-actor-internal-auth-data": encodeAuthData(0),
      }),
      "actor-1",
    );
    expect(await res.json()).toEqual({ output: { params: { p: 1 }, auth: 0 } });
  });

  test("a UserError keeps code, message, metadata and status 400 (ERR-2)", async () => {
    const { router } = setup();
    const res = await router.fetch(
      post("/action/fail", JSON.stringify({ args: [] }), { "x-actor-encoding": "json" }),
      "actor-1",
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ code: "custom_code", message: "nope", metadata: { n: 1 } });
  });

  test("internal errors are masked unless the expose header is 1 (ERR-3, ERR-4)", async () => {
    const { router } = setup();
    const original = console.error;
    console.error = () => {};
    try {
      const masked = await router.fetch(
        post("/action/boom", JSON.stringify({ args: [] }), { "x-actor-encoding": "json" }),
        "actor-1",
      );
      expect(masked.status).toBe(500);
      const body = await masked.json();
      expect(body.code).toBe("internal_error");
      expect(body.message).not.toContain("secret detail");
      const exposed = await router.fetch(
        post("/action/boom", JSON.stringify({ args: [] }), {
          "x-actor-encoding": "json",
          "x-actor-internal-expose-errors": "1",
        }),
        "actor-1",
      );
      expect((await exposed.json()).message).toContain("secret detail");
    } finally {
      console.error = original;
    }
  });

  test("bad encoding, bad body and unknown actor get coded errors", async () => {
    const { router } = setup();
    const noEncoding = await router.fetch(post("/action/echo", "{}", {}), "actor-1");
    expect([noEncoding.status, (await noEncoding.json()).code]).toEqual([400, "invalid_encoding"]);
    const badJson = await router.fetch(
      post("/action/echo", "{nope", { "x-actor-encoding": "json" }),
      "actor-1",
    );
    expect((await badJson.json()).code).toBe("malformed_message");
    const noArgs = await router.fetch(
      post("/action/echo", JSON.stringify({ x: 1 }), { "x-actor-encoding": "json" }),
      "actor-1",
    );
    expect((await noArgs.json()).code).toBe("malformed_message");
    const unknown = await router.fetch(
      post("/action/echo", JSON.stringify({ args: [] }), { "x-actor-encoding": "cbor" }),
      "other",
    );
    expect(unknown.status).toBe(400); // json text sent as cbor is malformed before any lookup
    const missing = await router.fetch(
      post("/action/echo", encodeCbor({ args: [] }) as BodyInit, { "x-actor-encoding": "cbor" }),
      "other",
    );
    expect(missing.status).toBe(404);
    expect((decodeCbor(new Uint8Array(await missing.arrayBuffer())) as { code: string }).code).toBe(
      "actor_not_found",
    );
  });

  test("an unknown route is a coded 404", async () => {
    const { router } = setup();
    const res = await router.fetch(new Request("http://actor/nowhere"), "actor-1");
    expect(res.status).toBe(404);
    expect((await res.json()).code).toBe("invalid_request");
  });
});

describe("actor router: SSE connections", () => {
  test("init comes first; messages posted to /connections/message answer on the stream", async () => {
    const { router } = setup();
    const res = await router.fetch(
      new Request("http://actor/connect/sse", { headers: { "x-actor-encoding": "json" } }),
      "actor-1",
    );
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = sseReader(res);
    onTestFinished(() => events.cancel());
    const init = JSON.parse((await events.next())!);
    expect(init).toMatchObject({ type: "init", connectionId: "c0", connectionToken: "t-c0" });
    const headers = {
      "x-actor-encoding": "json",
      "x-actor-conn-id": "c0",
      "x-actor-conn-token": "t-c0",
    };
    const message = JSON.stringify({ type: "action", id: 7, name: "echo", args: ["hi"] });
    const ack = await router.fetch(post("/connections/message", message, headers), "actor-1");
    expect([ack.status, await ack.json()]).toEqual([200, {}]);
    expect(JSON.parse((await events.next())!)).toEqual({
      type: "action_response",
      id: 7,
      output: ["hi"],
    });
  });

  test("cbor events are base64 of the CBOR bytes", async () => {
    const { router } = setup();
    const res = await router.fetch(
      new Request("http://actor/connect/sse", { headers: { "x-actor-encoding": "cbor" } }),
      "actor-1",
    );
    const events = sseReader(res);
    onTestFinished(() => events.cancel());
    const data = (await events.next())!;
    const init = decodeCbor(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
    expect(init).toMatchObject({ type: "init", connectionId: "c0" });
  });

  test("a wrong token or unknown connection is refused before the body is read (CONN-10)", async () => {
    const { router, instance } = setup();
    const res = await router.fetch(
      new Request("http://actor/connect/sse", { headers: { "x-actor-encoding": "json" } }),
      "actor-1",
    );
    const events = sseReader(res);
    onTestFinished(() => events.cancel());
    await events.next();
    const send = (id: string, token: string) =>
      router.fetch(
        post("/connections/message", "garbage", {
          "x-actor-encoding": "json",
          "x-actor-conn-id": id,
          "x-actor-conn-token": token,
        }),
        "actor-1",
      );
    const wrong = await send("c0", "t-nope");
    expect([wrong.status, (await wrong.json()).code]).toEqual([403, "incorrect_conn_token"]);
    const unknown = await send("c9", "t-c9");
    expect([unknown.status, (await unknown.json()).code]).toEqual([404, "conn_not_found"]);
    const malformed = await send("c0", "t-c0");
    expect((await malformed.json()).code).toBe("malformed_message");
    const missing = await router.fetch(
      post("/connections/message", "{}", { "x-actor-encoding": "json" }),
      "actor-1",
    );
    expect((await missing.json()).code).toBe("invalid_request");
    expect(instance.closed).toEqual([]);
  });

  test("the client cancelling the stream closes the connection exactly once", async () => {
    const { router, instance } = setup();
    const res = await router.fetch(
      new Request("http://actor/connect/sse", { headers: { "x-actor-encoding": "json" } }),
      "actor-1",
    );
    const events = sseReader(res);
    await events.next();
    await events.cancel();
    await events.cancel();
    expect(instance.closed).toEqual(["c0"]);
  });

  test("the server closing the transport ends the stream", async () => {
    const { router, instance } = setup();
    const res = await router.fetch(
      new Request("http://actor/connect/sse", { headers: { "x-actor-encoding": "json" } }),
      "actor-1",
    );
    const events = sseReader(res);
    await events.next();
    instance.transports.get("c0")!.close("bye");
    expect(await events.next()).toBeUndefined();
    expect(instance.closed).toEqual(["c0"]);
  });

  test("a refused connection is an HTTP error, not a stream", async () => {
    const { router, instance } = setup();
    instance.refuseConnect = true;
    const res = await router.fetch(
      new Request("http://actor/connect/sse", { headers: { "x-actor-encoding": "json" } }),
      "actor-1",
    );
    expect([res.status, (await res.json()).code]).toEqual([400, "refused"]);
  });
});

describe("actor router: raw HTTP", () => {
  const paths: [string, string][] = [
    ["/raw/http", "http://actor/"],
    ["/raw/http/", "http://actor/"],
    ["/raw/http/api/x/?y=1&y=2", "http://actor/api/x/?y=1&y=2"],
    ["/raw/http/a%2Fb/%E2%9C%93%20?q=%E2%9C%93", "http://actor/a%2Fb/%E2%9C%93%20?q=%E2%9C%93"],
  ];
  for (const [path, expected] of paths) {
    test(`${path} reaches onFetch as ${expected} (ROUTE-6)`, async () => {
      const { router } = setup();
      const res = await router.fetch(new Request(`http://actor${path}`), "actor-1");
      expect((await res.json()).url).toBe(expected);
    });
  }

  test("method, body and client headers arrive; internal headers do not; auth data is passed", async () => {
    const { router } = setup();
    const res = await router.fetch(
      new Request("http://actor/raw/http/upload", {
        method: "PUT",
        body: "payload",
        headers: {
          "x-client": "yes",
          "x-actor-internal-expose-errors": "1",
          "x-actor-internal-auth-data": encodeAuthData({ user: "u" }),
        },
      }),
      "actor-1",
    );
    const seen = await res.json();
    expect(seen.method).toBe("PUT");
    expect(seen.body).toBe("payload");
    expect(seen.headers["x-client"]).toBe("yes");
    expect(Object.keys(seen.headers).filter((h) => h.startsWith("x-actor-internal-"))).toEqual([]);
    expect(seen.auth).toEqual({ user: "u" });
  });
});
