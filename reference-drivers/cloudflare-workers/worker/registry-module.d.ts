/** The registry module the harness names in `ctx.registryModule`, aliased by ../bundle.ts. */
declare module "driver-cert:registry" {
  import type { Registry } from "../../../runtime/driver/index.ts";

  const registry: Registry;
  export default registry;
}
