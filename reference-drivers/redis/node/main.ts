/**
 * The entry of a Redis-driver node process under `node --import tsx`: the registry comes from
 * `registryModule` in the node's configuration (run-node.ts).
 */
import { runNode } from "./run-node.ts";

runNode();
