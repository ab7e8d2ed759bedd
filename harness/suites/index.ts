/**
 * The map of the certification: every suite, in the order it runs. Each feature area lives in
 * `harness/suites/<area>.ts`, exports `<area>Suite = defineSuite("<area>", (s) => ...)`
 * (harness/suite-api.ts), and is listed here once.
 */
import type { SuiteDefinition } from "../suite-api.ts";
import { actionsSuite } from "./actions.ts";
import { authSuite } from "./auth.ts";
import { connectionsSuite } from "./connections.ts";
import { crashSuite } from "./crash.ts";
import { distributedSuite } from "./distributed.ts";
import { driverRoutingSuite } from "./driver-routing.ts";
import { driverStartsSuite } from "./driver-starts.ts";
import { errorsSuite } from "./errors.ts";
import { eventsSuite } from "./events.ts";
import { idleConnectionsSuite } from "./idle-connections.ts";
import { inlineClientSuite } from "./inline-client.ts";
import { inputDomainsSuite } from "./input-domains.ts";
import { lifecycleSuite } from "./lifecycle.ts";
import { managerSuite } from "./manager.ts";
import { metadataSuite } from "./metadata.ts";
import { persistenceFaultsSuite } from "./persistence-faults.ts";
import { protocolRobustnessSuite } from "./protocol-robustness.ts";
import { rawHttpSuite } from "./raw-http.ts";
import { rawHttpRequestSuite } from "./raw-http-request.ts";
import { rawWebSocketSuite } from "./raw-websocket.ts";
import { restartSuite } from "./restart.ts";
import { scheduleSuite } from "./schedule.ts";
import { sleepSuite } from "./sleep.ts";
import { stateSuite } from "./state.ts";
import { valuesSuite } from "./values.ts";
import { varsSuite } from "./vars.ts";

export const suites: readonly SuiteDefinition[] = [
  // Finding actors, then what a stateless call does.
  managerSuite,
  actionsSuite,
  valuesSuite,
  // The actor's own life: state, vars, metadata, hooks, alarms, errors, restart, sleep.
  stateSuite,
  varsSuite,
  metadataSuite,
  lifecycleSuite,
  scheduleSuite,
  errorsSuite,
  restartSuite,
  persistenceFaultsSuite,
  driverStartsSuite,
  crashSuite,
  sleepSuite,
  // Stateful connections and events, over each transport.
  connectionsSuite,
  eventsSuite,
  idleConnectionsSuite,
  // Actor to actor, auth on every public path, raw handlers, malformed input.
  inlineClientSuite,
  authSuite,
  rawHttpSuite,
  rawHttpRequestSuite,
  rawWebSocketSuite,
  protocolRobustnessSuite,
  // Generated inputs over the clauses with an input domain.
  inputDomainsSuite,
  driverRoutingSuite,
  // Actors on several nodes: races, failover, fencing (capability distributed).
  distributedSuite,
];
