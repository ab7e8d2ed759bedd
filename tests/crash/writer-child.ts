/**
 * The crash test's victim: starts the file-system driver with the real runtime on the data
 * directory given as argv[2] and increments a counter actor through the inline client in a tight
 * loop until it is killed. It prints one line per acknowledgement, after the client's call
 * resolved (the runtime replies only once the state write resolved, PERSIST-2):
 *   `start <count>`  the count found at start
 *   `ack <count>`    the counter's state now holds <count>
 *   `created <key>`  an actor with key [<key>] now exists
 * Lines are written synchronously, so a printed line was really acknowledged.
 * Run: node --import tsx tests/crash/writer-child.ts <dataDir>
 */
import { writeSync } from "node:fs";
import { startFileSystemDriver } from "../../reference-drivers/file-system/index.ts";
import { createInlineClient } from "../../runtime/client/index.ts";
import { crashContext, crashRegistry } from "./crash-support.ts";

function print(line: string): void {
  writeSync(1, `${line}\n`);
}

async function main(dataDir: string): Promise<void> {
  const { ctx } = crashContext(dataDir);
  const driver = await startFileSystemDriver(ctx);
  const client = createInlineClient<typeof crashRegistry>(driver.manager, crashRegistry);
  const counter = client.counter.getOrCreate(["crash"]);
  const start = await counter.read();
  if (!start.consistent) throw new Error(`inconsistent state at start: ${JSON.stringify(start)}`);
  print(`start ${start.count}`);
  for (;;) {
    const count = await counter.increment();
    print(`ack ${count}`);
    if (count % 16 === 0) {
      // Creation is two atomic writes; a kill between them must leave no half-made actor.
      await client.counter.create([`extra-${count}`]);
      print(`created extra-${count}`);
    }
  }
}

const dataDir = process.argv[2];
if (dataDir === undefined) throw new TypeError("usage: writer-child.ts <dataDir>");
main(dataDir).catch((error) => {
  print(`error ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(3);
});
