/** Worker entry of cf-alarm-slot-overwritten: the object's one alarm slot only ever moves later. */
import registry from "driver-cert:registry";
import { defaultParts } from "../../../../reference-drivers/cloudflare-workers/worker/parts.ts";
import { createWorker } from "../../../../reference-drivers/cloudflare-workers/worker/worker.ts";

const worker = createWorker(registry, {
  ...defaultParts,
  async armAlarm(storage, at) {
    const pending = await storage.getAlarm();
    await storage.setAlarm(pending === null ? at : Math.max(pending, at));
  },
});

export const ActorObject = worker.ActorObject;
export const NamespaceObject = worker.NamespaceObject;
export default { fetch: worker.fetch };
