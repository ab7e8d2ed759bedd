/**
 * The manager side: the public router, actor query resolution and onAuth.
 */
export { authenticate, intentsFor, type RouteIntent } from "./auth.ts";
export { type GateRequest, type GateResult, passGate } from "./gate.ts";
export {
  createManagerRouter,
  type ManagerRouter,
  type ManagerRouterOptions,
} from "./manager-router.ts";
export { callDriver, definitionFor, lookupById, queryName, resolveQuery } from "./resolve.ts";
