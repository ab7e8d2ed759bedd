/** CONN-7 broken: connection errors reach the client re-coded as a masked internal_error. */
import { MASKED_MESSAGE } from "../../runtime/actor/errors.ts";
import { filterBridges } from "./support/bridge.ts";
import { clientFrame, onMessages } from "./support/messages.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "CONN-7",
  description: "WebSocket bridges rewrite connection errors (no actionId) as internal_error",
  suites: ["connections"],
  grep: "on-before-connect-refusal",
  transport: "websocket",
};

export default mutantDriver("conn-refusal-code-lost", "memory", {
  manager: (inner) =>
    filterBridges(
      inner,
      onMessages((info) => ({
        toClient(message, data) {
          if (message.type !== "error" || message.actionId !== undefined) return [data];
          const masked = {
            type: "error" as const,
            code: "internal_error",
            message: MASKED_MESSAGE,
          };
          return [clientFrame(masked, info.encoding)];
        },
      })),
    ),
});
