#!/usr/bin/env node
// The CLI runs TypeScript sources (and .ts driver modules) through tsx's loader.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./cli.ts");
process.exitCode = await main(process.argv);
