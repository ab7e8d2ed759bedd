/** EVT-4 broken: event arguments are re-encoded with BigInt narrowed to Number. */
import { filterBridges } from "./support/bridge.ts";
import { clientFrame, onMessages } from "./support/messages.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "EVT-4",
  description: "WebSocket bridges re-encode event arguments, turning BigInt into Number",
  suites: ["events"],
  grep: "event-args-exact",
  transport: "websocket",
};

function narrow(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(narrow);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [narrow(k), narrow(v)]));
  if (
    value !== null &&
    typeof value === "object" &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, narrow(v)]));
  }
  return value;
}

export default mutantDriver("evt-args-narrowed", "memory", {
  manager: (inner) =>
    filterBridges(
      inner,
      onMessages((info) => ({
        toClient: (message, data) =>
          message.type === "event"
            ? [clientFrame({ ...message, args: message.args.map(narrow) }, info.encoding)]
            : [data],
      })),
    ),
});
