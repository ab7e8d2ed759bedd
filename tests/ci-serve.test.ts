/**
 * `driver-cert serve`: the memory driver with the fixture registry behind the manager router on
 * a loopback port; the printed example requests work as printed (HTTP and WebSocket), and Ctrl-C
 * (the signal) stops it with exit code 0. Also the colour decision for progress output.
 */
import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import { WebSocket } from "ws";
import { shouldColor } from "../harness/reporters/colors.ts";
import { exampleRequests, exampleSubprotocols } from "../harness/serve.ts";
import { Capture } from "./support/capture.ts";
import { cli } from "./support/cli.ts";

describe("driver-cert serve", () => {
  test("prints the URL and example requests that work as printed, and stops on Ctrl-C", {
    timeout: 60_000,
  }, async () => {
    const stdout = new Capture();
    const stop = new AbortController();
    const running = cli(["serve"], { stdout, signal: stop.signal });
    let endpoint: string | undefined;
    for (let i = 0; i < 300 && !endpoint; i++) {
      endpoint = /serves the fixture registry at (http:\/\/127\.0\.0\.1:\d+)/.exec(
        stdout.text,
      )?.[1];
      if (!endpoint) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    try {
      expect(endpoint).toBeDefined();
      expect(stdout.text).toContain(`curl -s ${endpoint}/health`);
      expect(stdout.text).toContain(
        `npx wscat -c ${endpoint!.replace("http", "ws")}/actors/connect/websocket -s actor.v1`,
      );
      const [health, resolveActor, increment] = exampleRequests();
      expect(await (await fetch(`${endpoint}${health.path}`)).text()).toBe("ok");
      const call = (r: typeof increment) =>
        fetch(`${endpoint}${r.path}`, { method: r.method, headers: r.headers, body: r.body });
      const resolved = await call(resolveActor);
      expect(resolved.status).toBe(200);
      expect(await resolved.json()).toEqual({ actorId: expect.any(String) });
      expect(await (await call(increment)).json()).toEqual({ output: 1 });
      expect(await (await call(increment)).json()).toEqual({ output: 2 });
      // The WebSocket example: one action message over a connection to the same actor.
      const ws = new WebSocket(
        `${endpoint!.replace("http", "ws")}/actors/connect/websocket`,
        exampleSubprotocols(),
      );
      const messages: unknown[] = [];
      ws.on("message", (data) => messages.push(JSON.parse(String(data))));
      await new Promise((resolve, reject) => {
        ws.once("open", resolve);
        ws.once("error", reject);
      });
      ws.send(JSON.stringify({ type: "action", id: 1, name: "increment", args: [1] }));
      for (
        let i = 0;
        i < 100 && !messages.some((m) => (m as { type?: string }).type === "action_response");
        i++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      ws.close();
      expect(messages).toContainEqual(
        expect.objectContaining({ type: "action_response", id: 1, output: 3 }),
      );
    } finally {
      stop.abort();
    }
    const { code, stderr } = await running;
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});

describe("colour", () => {
  const tty = Object.assign(new PassThrough(), { isTTY: true });
  const pipe = new PassThrough();
  test.each([
    ["a terminal", tty, {}, true],
    ["a pipe", pipe, {}, false],
    ["NO_COLOR on a terminal", tty, { NO_COLOR: "1" }, false],
    ["CI on a terminal", tty, { CI: "true" }, false],
    ["TERM=dumb", tty, { TERM: "dumb" }, false],
    [
      "FORCE_COLOR on a pipe in CI with NO_COLOR",
      pipe,
      { FORCE_COLOR: "1", CI: "1", NO_COLOR: "1" },
      true,
    ],
    ["FORCE_COLOR=0 on a terminal", tty, { FORCE_COLOR: "0" }, false],
  ] as const)("%s", (_name, stream, env, expected) => {
    expect(shouldColor(stream, env)).toBe(expected);
  });
});

describe("driver-cert/server", () => {
  test("serveManager is a public export: a script serves a registry on loopback with it", async () => {
    const { serveManager } = await import("driver-cert/server");
    const { fixtureRegistry } = await import("../harness/fixtures/registry.ts");
    const { createTinyManager } = await import("./fixtures/drivers/tiny-manager.ts");
    const served = await serveManager({ registry: fixtureRegistry, manager: createTinyManager() });
    try {
      expect(served.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(`${served.endpoint}/health`)).text()).toBe("ok");
    } finally {
      await served.close();
    }
  });
});
