/** Worker entry of cf-foreign-id-throws: idFromString unguarded, so a foreign id throws. */
import registry from "driver-cert:registry";
import { defaultParts } from "../../../../reference-drivers/cloudflare-workers/worker/parts.ts";
import { createWorker } from "../../../../reference-drivers/cloudflare-workers/worker/worker.ts";

const worker = createWorker(registry, {
  ...defaultParts,
  resolveActorId: (env, actorId) => env.ACTORS.idFromString(actorId),
});

export const ActorObject = worker.ActorObject;
export const NamespaceObject = worker.NamespaceObject;
export default { fetch: worker.fetch };
