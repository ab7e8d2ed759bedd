/**
 * A Node Readable as a Web ReadableStream that pulls one chunk at a time (no read-ahead, so
 * backpressure reaches the sender) and destroys the Readable when the reader cancels. Used for
 * bodies crossing between nodes, instead of `Readable.toWeb`, which on Node 20 can throw
 * "Controller is already closed" when data arrives after a cancel.
 */
import type { Readable } from "node:stream";

/**
 * Wraps `readable`; chunks arrive as Uint8Array, in order, and the stream ends when it ends. A
 * read that fails while `ending()` says the source is being shut down on purpose ends the
 * stream instead of erroring it.
 */
export function webStreamOf(
  readable: Readable,
  ending: () => boolean = () => false,
): ReadableStream<Uint8Array> {
  const chunks = readable[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let next: IteratorResult<Buffer | string>;
        try {
          next = await chunks.next();
        } catch (error) {
          if (!ending()) throw error;
          next = { done: true, value: undefined };
        }
        const { done, value } = next;
        if (done) controller.close();
        else
          controller.enqueue(
            typeof value === "string" ? Buffer.from(value) : new Uint8Array(value),
          );
      },
      cancel() {
        // Destroying emits the abort as an error nobody is reading for any more.
        readable.on("error", () => {});
        readable.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}
