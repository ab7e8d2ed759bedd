/**
 * Stress test of the limits against hostile load, on loopback, against a server in its own
 * process (tests/stress/hostile-server.ts): its peak RSS under large anonymous bodies and
 * frames, and its event-loop delay under adversarial CBOR. The figures are printed; the bounds
 * are generous (a server that reads bodies whole grows by hundreds of MB, one that decodes a
 * 65 KB bignum blocks for one to two seconds) so load from other processes does not trip them;
 * honest requests of the same sizes are measured in the same run as the baseline.
 */
import { type ChildProcess, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { buildSubprotocols } from "../../runtime/protocol/subprotocols.ts";

/** Peak RSS may grow by at most this much over the idle server's RSS, in bytes. */
const PEAK_RSS_GROWTH_BOUND = 160 * 1024 * 1024;
/**
 * The longest the server's event loop may stall while it refuses adversarial CBOR, in ms, or
 * twice the longest stall of honest requests of the same sizes in the same run if that is more
 * (a single 65 KB bignum decoded by cbor-x stalls it for one to two seconds on its own).
 */
const LOOP_DELAY_BOUND_MS = 750;

interface Stats {
  rssBytes: number;
  peakRssBytes: number;
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
}

let child: ChildProcess;
let endpoint: string;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

function ask<T>(message: string): Promise<T> {
  return new Promise((resolve) => {
    child.once("message", (reply) => resolve(reply as T));
    child.send(message);
  });
}

beforeAll(async () => {
  child = fork(new URL("./hostile-server.ts", import.meta.url).pathname, [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  endpoint = await new Promise<string>((resolve, reject) => {
    child.once("message", (message) => resolve((message as { endpoint: string }).endpoint));
    child.once("exit", (code) => reject(new Error(`the server exited with ${code}`)));
  });
});

afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.disconnect();
  await exited;
});

const query = (name: "gate" | "open", key: string) => ({ getOrCreateForKey: { name, key: [key] } });

function headers(name: "gate" | "open", encoding: "json" | "cbor" = "json") {
  return {
    "x-actor-query": JSON.stringify(query(name, "k")),
    "x-actor-encoding": encoding,
  };
}

/** POSTs up to `total` bytes (chunked) and stops at the answer; resolves the status. */
function postStreamed(path: string, head: Record<string, string>, total: number) {
  const url = new URL(endpoint);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  return new Promise<number>((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request(
      { host: url.hostname, port: url.port, path, method: "POST", headers: head },
      (res) => {
        answered = true;
        res.resume();
        res.on("end", () => {
          req.destroy();
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on("error", (error) => (answered ? undefined : reject(error)));
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

/**
 * Opens a WebSocket by hand on `path` and writes one message of `total` bytes as masked binary
 * frames: one frame declaring the whole length, or `fragment`-byte frames without FIN. Stops when
 * the server closes; resolves the close code the server sent (0 if none).
 */
function sendHugeMessage(path: string, protocols: string[], total: number, fragment?: number) {
  const url = new URL(endpoint);
  return new Promise<number>((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let received = Buffer.alloc(0);
    let upgraded = false;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      socket.destroy();
      const at = received.indexOf(0x88);
      resolve(at === -1 || at + 3 >= received.length ? 0 : received.readUInt16BE(at + 2));
    };
    socket.on("data", (data) => {
      received = Buffer.concat([received, data]);
      if (!upgraded && received.includes("\r\n\r\n")) {
        upgraded = true;
        received = received.subarray(received.indexOf("\r\n\r\n") + 4);
        pump();
      }
    });
    socket.on("close", finish);
    // A server that reads the whole message and never closes still ends the attempt.
    const giveUp = setTimeout(finish, 20_000);
    socket.on("close", () => clearTimeout(giveUp));
    socket.on("error", () => finish());
    socket.once("connect", () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Protocol: ${protocols.join(", ")}\r\n\r\n`,
      );
    });
    const zeros = Buffer.alloc(64 * 1024);
    let sent = 0;
    let frameLeft = 0;
    const header = (length: number, first: boolean, fin: boolean) => {
      const opcode = first ? 0x2 : 0x0;
      const head = Buffer.alloc(14);
      head[0] = (fin ? 0x80 : 0) | opcode;
      head[1] = 0x80 | 127; // masked, 64-bit length
      head.writeBigUInt64BE(BigInt(length), 2);
      return head; // mask key 0: the payload goes out as is
    };
    const pump = () => {
      while (!finished && sent < total) {
        if (frameLeft === 0) {
          const length = fragment ?? total;
          socket.write(header(length, sent === 0, fragment === undefined));
          frameLeft = length;
        }
        const piece = zeros.subarray(0, Math.min(zeros.length, frameLeft));
        sent += piece.length;
        frameLeft -= piece.length;
        if (!socket.write(piece)) return void socket.once("drain", pump);
      }
    };
  });
}

describe("hostile load on loopback", () => {
  test("peak RSS stays bounded under anonymous 100 MB bodies and 100 MiB frames", async () => {
    // Warm up every route once, then take the idle figures.
    expect(await postStreamed("/actors/actions/echo", headers("open"), 10)).toBe(400);
    const idle = await ask<Stats>("stats");
    const bodies = [
      ...Array.from({ length: 4 }, () =>
        postStreamed("/actors/actions/echo", headers("gate"), 100e6),
      ),
      ...Array.from({ length: 4 }, () =>
        postStreamed("/actors/raw/http/x", headers("gate"), 100e6),
      ),
      ...Array.from({ length: 4 }, () =>
        postStreamed(
          "/actors/connections/message",
          {
            "x-actor-encoding": "json",
            "x-actor-id": "a",
            "x-actor-conn-id": "c",
            "x-actor-conn-token": "t",
          },
          100e6,
        ),
      ),
    ];
    const statuses = await Promise.all(bodies);
    const connect = buildSubprotocols({ encoding: "json", query: query("open", "ws") });
    const frames = await Promise.all([
      sendHugeMessage("/actors/connect/websocket", connect, 100 * 1024 * 1024),
      sendHugeMessage("/actors/raw/websocket/x", connect, 100 * 1024 * 1024),
      sendHugeMessage("/actors/connect/websocket", connect, 64 * 1024 * 1024, 64 * 1024),
      sendHugeMessage("/actors/raw/websocket/x", connect, 64 * 1024 * 1024, 64 * 1024),
    ]);
    const after = await ask<Stats>("stats");
    const growth = after.peakRssBytes - idle.rssBytes;
    console.log(
      `[stress] idle RSS ${mb(idle.rssBytes)}, peak RSS ${mb(after.peakRssBytes)} (growth ${mb(growth)}, bound ${mb(PEAK_RSS_GROWTH_BOUND)}) ` +
        "after 12 anonymous 100 MB bodies and 4 WebSockets sending 100 MiB frames / 64 MiB fragmented messages",
    );
    expect(statuses).toEqual(Array(12).fill(413));
    expect(frames).toEqual([1009, 1009, 1009, 1009]);
    expect(growth).toBeLessThan(PEAK_RSS_GROWTH_BOUND);
    expect(await (await fetch(`${endpoint}/health`)).text()).toBe("ok");
  });

  test("the event loop keeps turning while adversarial CBOR is refused", async () => {
    const args = (item: number[]) => [0xa1, 0x64, ...Buffer.from("args"), 0x81, ...item];
    // { "args": [ tag 2 (65,000-byte byte string) ] }: 65,011 bytes, under the 64 KiB body limit.
    const bignum = new Uint8Array(11 + 65_000).fill(0xff);
    bignum.set(args([0xc2, 0x59, 0xfd, 0xe8]));
    // The same bytes as a plain byte string: what an honest client sends.
    const bytes = bignum.slice(1);
    bytes.set(args([0x59, 0xfd, 0xe8]));
    const deep = new Uint8Array(65_000).fill(0x81);
    deep.set(args([]));
    const shallow = new Uint8Array([...args(new Array(100).fill(0x81)), 0x00]);
    const regexp = new Uint8Array(
      args([0xd8, 0x1b, 0x82, 0x66, ...Buffer.from("RegExp"), 0x81, 0x61, 0x78]),
    );
    const plain = new Uint8Array(args([0x01]));
    // An 8 KB bignum in the query header's $cbor input, to the refusing and the open actor.
    const bigInput = Buffer.from([0xc2, 0x59, 0x1f, 0x40, ...new Uint8Array(8_000).fill(0xff)]);
    const smallInput = Buffer.from([0xc2, 0x48, ...new Uint8Array(8).fill(0xff)]);
    const inputQuery = (name: "gate" | "open", input: Buffer) => ({
      "x-actor-query": JSON.stringify({
        getOrCreateForKey: { name, key: ["q"], input: { $cbor: input.toString("base64") } },
      }),
      "x-actor-encoding": "cbor",
    });
    const send = (body: Uint8Array, head: Record<string, string>) =>
      fetch(`${endpoint}/actors/actions/echo`, {
        method: "POST",
        headers: head,
        body: body as Uint8Array<ArrayBuffer>,
      }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    const benign = await loadPhase(() => [
      ...Array.from({ length: 8 }, () => send(bytes, headers("open", "cbor"))),
      send(shallow, headers("open", "cbor")),
      send(plain, headers("open", "cbor")),
      send(plain, inputQuery("open", smallInput)),
      send(plain, inputQuery("gate", smallInput)),
    ]);
    const hostile = await loadPhase(() => [
      ...Array.from({ length: 8 }, () => send(bignum, headers("open", "cbor"))),
      send(deep, headers("open", "cbor")),
      send(regexp, headers("open", "cbor")),
      send(plain, inputQuery("open", bigInput)),
      send(plain, inputQuery("gate", bigInput)),
    ]);
    const line = (phase: Phase) =>
      `event-loop delay max ${phase.stats.loopDelayMaxMs.toFixed(1)} ms, p99 ${phase.stats.loopDelayP99Ms.toFixed(1)} ms, ` +
      `/health worst ${phase.worstHealthMs.toFixed(1)} ms over ${phase.healthProbes} probes`;
    // A loaded machine stalls honest requests too: the bound grows with the baseline's stalls.
    const bound = Math.max(LOOP_DELAY_BOUND_MS, 2 * benign.stats.loopDelayMaxMs);
    console.log(
      `[stress] ${benign.statuses.length} honest CBOR requests of the same sizes (baseline): ${line(benign)}\n` +
        `[stress] ${hostile.statuses.length} adversarial CBOR requests (65 KB bignums, 65,000-deep nesting, tag 27, 8 KB $cbor bignums): ` +
        `${line(hostile)} (bound ${bound.toFixed(0)} ms)`,
    );
    expect(hostile.statuses).toEqual(Array(hostile.statuses.length).fill(400));
    expect(hostile.stats.loopDelayMaxMs).toBeLessThan(bound);
  });
});

interface Phase {
  statuses: number[];
  stats: Stats;
  worstHealthMs: number;
  healthProbes: number;
}

/** Runs four rounds of `round()` while /health is probed; the server's delay window is reset first. */
async function loadPhase(round: () => Promise<number>[]): Promise<Phase> {
  await ask("reset-delay");
  const health: number[] = [];
  let loading = true;
  const probe = (async () => {
    while (loading) {
      const started = performance.now();
      await (await fetch(`${endpoint}/health`)).text();
      health.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push(...(await Promise.all(round())));
  loading = false;
  await probe;
  const stats = await ask<Stats>("stats");
  return { statuses, stats, worstHealthMs: Math.max(...health), healthProbes: health.length };
}
