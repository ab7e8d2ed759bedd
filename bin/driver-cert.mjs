#!/usr/bin/env node
// The `driver-cert` command. The installed package runs its built JavaScript (dist/bin/cli.js);
// a checkout, where bin/cli.ts sits beside this file, runs the TypeScript sources through tsx's
// loader, so it never runs a stale build. Either way `.ts` driver modules load through tsx.
import { existsSync } from "node:fs";

const source = new URL("./cli.ts", import.meta.url);
let cli;
if (existsSync(source)) {
  const { register } = await import("tsx/esm/api");
  register();
  cli = await import(source.href);
} else {
  cli = await import("../dist/bin/cli.js");
}
await cli.runCli(process.argv);
