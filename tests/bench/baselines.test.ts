/**
 * The bench's bare baselines answer correctly, so the ratios compare like with like: the hono
 * handler echoes the action argument, the ws client matches replies by id in both encodings,
 * and the broadcast baseline reaches every socket.
 */
import { describe, expect, onTestFinished, test } from "vitest";
import {
  callHonoBaseline,
  connectWsRpc,
  decodeFrame,
  encodeFrame,
  startHonoBaseline,
  startWsBroadcastBaseline,
  startWsEchoBaseline,
} from "../../bench/baselines.ts";

describe("bench baselines", () => {
  test("the hono handler answers { output } with the first argument", async () => {
    const server = await startHonoBaseline();
    onTestFinished(() => server.close());
    expect(await callHonoBaseline(server.url, { a: [1, "x"] })).toEqual({ a: [1, "x"] });
  });

  for (const encoding of ["json", "cbor"] as const) {
    test(`the ws echo client matches 50 concurrent replies by id (${encoding})`, async () => {
      const server = await startWsEchoBaseline();
      onTestFinished(() => server.close());
      const client = await connectWsRpc(server.url, encoding);
      onTestFinished(() => client.close());
      const inputs = Array.from({ length: 50 }, (_, i) => `value-${i}`);
      expect(await Promise.all(inputs.map((x) => client.call(x)))).toEqual(inputs);
    });
  }

  test("the broadcast baseline reaches every socket and reports a time", async () => {
    const baseline = await startWsBroadcastBaseline(20, "cbor");
    onTestFinished(() => baseline.close());
    const ms = await baseline.broadcastOnce(1);
    expect(ms).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(ms)).toBe(true);
  });

  test("frames round-trip: JSON as text, cbor as bytes", () => {
    const message = { type: "event", name: "tick", args: [3] };
    const json = encodeFrame(message, "json");
    const cbor = encodeFrame(message, "cbor");
    expect(typeof json).toBe("string");
    expect(cbor).toBeInstanceOf(Uint8Array);
    expect(decodeFrame(Buffer.from(json as string), "json")).toEqual(message);
    expect(decodeFrame(Buffer.from(cbor as Uint8Array), "cbor")).toEqual(message);
  });
});
