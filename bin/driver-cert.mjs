#!/usr/bin/env node
// The CLI runs TypeScript sources (and .ts driver modules) through tsx's loader.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("./cli.ts");
await runCli(process.argv);
