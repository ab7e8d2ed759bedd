/**
 * A second process for the directory-lock tests: `node --import tsx dir-lock-child.ts <dataDir>
 * try|hold`. `try` opens the store and prints `acquired` (then closes it) or `refused <message>`;
 * `hold` opens it, prints `held <pid>` and keeps it until stdin ends.
 */
import { ActorStore } from "./actor-store.ts";

const [dataDir, mode] = process.argv.slice(2);
try {
  const store = await ActorStore.open(dataDir!);
  if (mode === "hold") {
    process.stdout.write(`held ${process.pid}\n`);
    process.stdin.resume();
    process.stdin.on("end", () => void store.close().then(() => process.exit(0)));
  } else {
    process.stdout.write("acquired\n");
    await store.close();
  }
} catch (error) {
  process.stdout.write(`refused ${(error as Error).message}\n`);
}
