/**
 * The driver host process of the crash suite (clause PERSIST-7): loads a driver module and the
 * fixture registry, starts the driver on the given data directory and namespace, serves the
 * manager router on 127.0.0.1 and prints one line, `ready <endpoint>`. The parent drives it over
 * HTTP and WebSocket and ends it with SIGKILL, or gracefully by writing `stop` to its stdin: the
 * host then calls the instance's `stop()`, prints `stopped` and exits 0. When its stdin closes
 * (the parent is gone) it exits at once, so no host outlives its parent.
 *
 * Lines go out with writeSync: a printed line really happened. Errors print `error <stack>` and
 * exit 3.
 *
 * Run (see host-process.ts): node --import <tsx loader> driver-host.ts <driverModule>
 *   <registryModule URL> <dataDir> <namespace>
 */
import { writeSync } from "node:fs";
import { createDriverRuntimeHelpers, type Registry } from "../../runtime/driver/index.ts";
import { serveManager } from "../../runtime/routing/node-server.ts";
import { loadDriverModule } from "../load-driver.ts";

function print(line: string): void {
  writeSync(1, `${line}\n`);
}

async function main(args: string[]): Promise<void> {
  const [driverModule, registryModule, dataDir, namespace] = args;
  if (namespace === undefined) {
    throw new TypeError(
      "usage: driver-host.ts <driverModule> <registryModule URL> <dataDir> <namespace>",
    );
  }
  const { definition } = await loadDriverModule(driverModule, (url) => import(url));
  const registry = ((await import(registryModule)) as { default: Registry }).default;
  const instance = await definition.start({
    registry,
    registryModule,
    dataDir,
    namespace,
    runtime: createDriverRuntimeHelpers(),
  });
  const served = await serveManager({ registry, manager: instance.manager });
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk: string) => {
    input += chunk;
    if (!input.includes("stop\n")) return;
    input = "";
    void (async () => {
      await served.close();
      await instance.stop();
      print("stopped");
      process.exit(0);
    })().catch(fail);
  });
  process.stdin.on("end", () => process.exit(0));
  print(`ready ${served.endpoint}`);
}

function fail(error: unknown): never {
  print(`error ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(3);
}

main(process.argv.slice(2)).catch(fail);
