/**
 * The workloads of `driver-cert bench` and the figures each reports: the ids budgets name
 * (`<workload>/<figure>`) and the capability a workload needs. docs/bench.md describes each.
 */
import type { CapabilityName } from "../../runtime/driver/index.ts";

/** The figures of a workload of calls: sequential p50 and p99, CPU per call, throughput. */
const CALL_FIGURES = ["p50", "p99", "cpu", "throughput"] as const;

/** One workload: its id, what it measures, the capability it needs, its figures. */
export interface WorkloadSpec {
  id: string;
  scenario: string;
  /** The driver must declare this capability, else the workload is not applicable. */
  needs?: CapabilityName;
  figures: readonly string[];
  /** Figures without a baseline, so without a ratio a budget could limit. */
  unratioed?: readonly string[];
}

/** Every workload, in the order a run measures them. */
export const WORKLOADS: readonly WorkloadSpec[] = [
  { id: "http-action", scenario: "stateless action over HTTP", figures: CALL_FIGURES },
  {
    id: "ws-action",
    scenario: "action over a WebSocket connection",
    needs: "websocket",
    figures: CALL_FIGURES,
  },
  {
    id: "sse-action",
    scenario: "action over an SSE connection",
    needs: "sse",
    figures: CALL_FIGURES,
  },
  { id: "raw-http", scenario: "raw HTTP round trip (onFetch echo)", figures: CALL_FIGURES },
  {
    id: "raw-websocket",
    scenario: "raw WebSocket echo (onWebSocket)",
    needs: "websocket",
    figures: CALL_FIGURES,
  },
  { id: "create", scenario: "manager createActor (new key)", figures: CALL_FIGURES },
  {
    id: "get-or-create",
    scenario: "manager getOrCreateWithKey (existing actor)",
    figures: CALL_FIGURES,
  },
  { id: "get-for-id", scenario: "manager getForId (existing actor)", figures: CALL_FIGURES },
  {
    id: "broadcast",
    scenario: "broadcast to many connections",
    needs: "websocket",
    figures: ["last-arrival", "cpu"],
  },
  { id: "write-action", scenario: "write-heavy action over HTTP", figures: CALL_FIGURES },
  {
    id: "restart",
    scenario: "restart() with actors stored",
    needs: "durable",
    figures: ["restart"],
    unratioed: ["restart"],
  },
  {
    id: "remote-action",
    scenario: "action, client and owner on different nodes",
    needs: "distributed",
    figures: CALL_FIGURES,
  },
  {
    id: "failover",
    scenario: "failover after killNode",
    needs: "distributed",
    figures: ["failover"],
  },
];

/** Every row id a run can report, `<workload>/<figure>`, in table order. */
export const ROW_IDS: readonly string[] = WORKLOADS.flatMap((w) =>
  w.figures.map((figure) => `${w.id}/${figure}`),
);

/** Row ids without a baseline: a budget cannot limit their ratio. */
export const UNRATIOED_ROW_IDS: ReadonlySet<string> = new Set(
  WORKLOADS.flatMap((w) => (w.unratioed ?? []).map((figure) => `${w.id}/${figure}`)),
);
