/**
 * The Worker's entry module, bundled by ../bundle.ts with the runtime and the registry module
 * the harness names in `ctx.registryModule` (imported here as `driver-cert:registry`).
 */
import registry from "driver-cert:registry";
import { createWorker } from "./worker.ts";

const worker = createWorker(registry);

export const ActorObject = worker.ActorObject;
export const NamespaceObject = worker.NamespaceObject;
export default { fetch: worker.fetch };
