/**
 * Closing an inline SSE connection reaches the actor even after a garbage collection: the
 * Request the inline client sends follows the event stream's abort signal only weakly, so
 * nothing but the client may keep it alive (onDisconnect must run, CONN-9).
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { expect, onTestFinished, test } from "vitest";
import { startMemoryDriver } from "../../reference-drivers/memory/index.ts";
import { actor } from "../actor/definition.ts";
import { setup } from "../actor/registry.ts";
import { createDriverRuntimeHelpers } from "../driver/index.ts";
import { createInlineClient } from "./inline-client.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const disconnected: string[] = [];
const watched = actor({
  state: {},
  onDisconnect: (_c, conn) => {
    disconnected.push(conn.id);
  },
  actions: { whoAmI: (c) => c.conn.id },
});
const registry = setup({ use: { watched } });

test("an inline SSE connection disposed after a GC still ends on the actor", async () => {
  const driver = await startMemoryDriver({
    registry,
    dataDir: "/nonexistent",
    namespace: "inline-sse-close",
    runtime: createDriverRuntimeHelpers(),
  });
  onTestFinished(() => driver.stop());
  const client = createInlineClient(driver.manager, registry, { transport: "sse" });
  const conn = client.watched.getOrCreate(["a"]).connect();
  await conn.waitForOpen();
  const id = (await conn.whoAmI()) as string;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc();
  await conn.dispose();
  await expect.poll(() => disconnected, { timeout: 3000 }).toContain(id);
});
