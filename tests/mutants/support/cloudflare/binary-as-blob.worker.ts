/** Worker entry of cf-binary-frames-as-blobs: sockets accepted without `binaryType`. */
import registry from "driver-cert:registry";
import { defaultParts } from "../../../../reference-drivers/cloudflare-workers/worker/parts.ts";
import { wrapAcceptedSocket } from "../../../../reference-drivers/cloudflare-workers/worker/socket.ts";
import { createWorker } from "../../../../reference-drivers/cloudflare-workers/worker/worker.ts";

const worker = createWorker(registry, {
  ...defaultParts,
  acceptSocket(ws, protocol) {
    ws.accept();
    return wrapAcceptedSocket(ws, protocol);
  },
});

export const ActorObject = worker.ActorObject;
export const NamespaceObject = worker.NamespaceObject;
export default { fetch: worker.fetch };
