/**
 * A Node Readable as a Web ReadableStream that pulls one chunk at a time (no read-ahead, so
 * backpressure reaches the sender) and destroys the Readable when the reader cancels. Used for
 * bodies crossing between nodes, instead of `Readable.toWeb`, which on Node 20 can throw
 * "Controller is already closed" when data arrives after a cancel.
 */
import type { Readable } from "node:stream";

/** Wraps `readable`; chunks arrive as Uint8Array, in order, and the stream ends when it ends. */
export function webStreamOf(readable: Readable): ReadableStream<Uint8Array> {
  const chunks = readable[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else
          controller.enqueue(
            typeof value === "string" ? Buffer.from(value) : new Uint8Array(value),
          );
      },
      cancel() {
        readable.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}
