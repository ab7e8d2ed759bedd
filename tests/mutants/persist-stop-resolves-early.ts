/**
 * PERSIST-8 broken the way a stop() that starts the shutdown without awaiting it breaks it:
 * stop() resolves at once and the actors' final saves land afterwards, after the caller was told
 * the driver had stopped (and while a next start may already use the directory).
 */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "PERSIST-8",
  description: "stop() resolves before the shutdown ran: the final saves are written after it",
  suites: ["driver-starts"],
  grep: "nothing-written-after-stop",
};

export default mutantDriver("persist-stop-resolves-early", "file-system", {
  instance: (inner) => {
    let stopped: Promise<void> | undefined;
    return {
      ...inner,
      async stop() {
        stopped ??= new Promise<void>((resolve) => setTimeout(resolve, 150)).then(() =>
          inner.stop(),
        );
      },
      async restart() {
        await (stopped ?? inner.stop());
        return inner.restart!();
      },
    };
  },
});
