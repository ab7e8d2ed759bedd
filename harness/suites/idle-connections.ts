/**
 * Idle-connections suite (clause CONN-12): a connection that carries no traffic for a while,
 * over each transport, is neither closed nor reconnected by the driver, and delivers the next
 * event. Real proxies end idle streams after 30 to 100 s; that is too long for a suite, so the
 * idle period is IDLE_MS: a relay with an idle timeout of its own shorter than that fails here,
 * and the runtime's SSE keep-alive comments are what keeps longer idles alive behind proxies.
 */
import { defineSuite } from "../suite-api.ts";
import { clientOf, listen } from "./connectivity-wire.ts";

/** How long the connection sits idle (ms). */
export const IDLE_MS = 3_000;

export const idleConnectionsSuite = defineSuite("idle-connections", (s) => {
  s.test({
    id: "idle-connection-delivers-next-event",
    title: `a connection idle for ${IDLE_MS / 1000} s is not ended and delivers the next event`,
    clause: "CONN-12",
    axes: ["transport"],
    timeoutMs: IDLE_MS + 10_000,
    run: async (t) => {
      const key = t.uniqueKey("idle");
      const conn = clientOf(t).eventHub.getOrCreate(key).connect();
      t.defer(() => conn.dispose());
      await t.step(`the connection opens over ${t.cell.transport}`, conn.waitForOpen());
      const ends: string[] = [];
      conn.onClose((info: { code?: number; reason?: string }) =>
        ends.push(`closed (${info.code ?? "?"} ${info.reason ?? ""})`),
      );
      const news = listen(conn, "news");
      // A round trip orders after the subscribe it sent.
      t.expect(await t.step("mySubscriptions", conn.mySubscriptions())).toEqual(["news"]);
      await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
      await t.step(
        "shout after the idle period",
        clientOf(t).eventHub.getOrCreate(key).shout("news", "after idle"),
      );
      t.expect(await news.next("the event after the idle period"), "the event").toEqual([
        "after idle",
      ]);
      t.expect(ends, `the ${t.cell.transport} connection stayed open while idle`).toEqual([]);
      t.expect(conn.status, "connection status").toBe("open");
    },
  });
});
