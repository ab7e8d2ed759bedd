/** A Writable that keeps what is written, for asserting on CLI and progress output. */
import { Writable } from "node:stream";

export class Capture extends Writable {
  text = "";
  override _write(
    chunk: unknown,
    _encoding: BufferEncoding,
    done: (error?: Error | null) => void,
  ): void {
    this.text += String(chunk);
    done();
  }
}
