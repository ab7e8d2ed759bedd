/**
 * The node processes of driver starts. A process is launched from a bundle of the node program
 * and the registry (node-bundle.ts), or with `node --import tsx` so a `.ts` registry module
 * loads from source, with an IPC channel. It serves the namespaces of the starts that joined it.
 *
 * A start's first nodes are shared: the starts of one process use the same few processes
 * (launching one costs about a second of CPU), each start joining them under its own namespace
 * and leaving at stop (its actors, leases, Redis connection, sockets and timers end there);
 * shared processes exit IDLE_EXIT_MS after the last start left, or with this process.
 * A shared node cannot be killed or paused (other starts use it): `startNode()` launches a
 * dedicated process for one start, which the DIST hooks may kill or pause and which exits
 * when that start stops it.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { DriverNode } from "../../runtime/driver/index.ts";
import type { NodeProcessConfig, NodeRunConfig } from "./node/run-node.ts";
import { nodeBundle } from "./node-bundle.ts";

const NODE_ENTRY = fileURLToPath(new URL("./node/main.ts", import.meta.url));
/** The tsx loader, by absolute URL, so nodes start from any working directory. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
/** How long a node may take to launch or join, in ms. */
export const NODE_START_TIMEOUT_MS = 60_000;
/** How long a graceful leave may take before SIGKILL, in ms. */
export const NODE_STOP_TIMEOUT_MS = 4_000;
/** How long an idle process waits for another start before it exits, in ms. */
export const IDLE_EXIT_MS = 10_000;

type NodeMessage = { type?: string; id?: number; address?: string; message?: string };

/** One launched process. */
class NodeProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly ready: Promise<void>;
  address = "";
  alive = true;
  #next = 1;

  /** Launches `bundle` (node-bundle.ts), or node/main.ts under tsx when there is none. */
  constructor(registryModule: string, bundle: string | undefined) {
    const config: NodeProcessConfig = { registryModule };
    this.child = fork(bundle ?? NODE_ENTRY, [], {
      execArgv: bundle ? [] : ["--import", TSX_LOADER],
      env: { ...process.env, DRIVER_CERT_REDIS_NODE: JSON.stringify(config) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    // Neither the process nor its channel keeps this process running; waits below hold timers.
    this.child.unref();
    (this.child as unknown as { channel?: { unref(): void } }).channel?.unref();
    this.exited = once(this.child, "exit").then(() => {
      this.alive = false;
    });
    this.ready = this.#await((m) => m.type === "ready", "launching a node").then((m) => {
      this.address = m.address!;
    });
    this.ready.catch(() => this.kill());
  }

  #await(match: (m: NodeMessage) => boolean, what: string): Promise<NodeMessage> {
    let listener: ((m: NodeMessage) => void) | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    return new Promise<NodeMessage>((resolve, reject) => {
      listener = (m) => {
        if (!match(m ?? {})) return;
        if (m.type === "failed") reject(new Error(`${what} failed: ${m.message}`));
        else resolve(m);
      };
      this.child.on("message", listener);
      this.exited.then(() => reject(new Error(`${what} failed: the node process exited`)));
      timer = setTimeout(
        () => reject(new Error(`${what} did not finish within ${NODE_START_TIMEOUT_MS} ms`)),
        NODE_START_TIMEOUT_MS,
      );
    }).finally(() => {
      clearTimeout(timer);
      this.child.off("message", listener!);
    });
  }

  /** Sends `message` with a fresh id and resolves the answer of type `want` with that id. */
  request(message: object, want: string, what: string): Promise<NodeMessage> {
    const id = this.#next++;
    const answer = this.#await(
      (m) => m.id === id && (m.type === want || m.type === "failed"),
      what,
    );
    if (this.child.connected) this.child.send({ ...message, id }, () => {});
    return answer;
  }

  kill(): Promise<void> {
    if (this.alive) {
      this.child.kill("SIGCONT");
      this.child.kill("SIGKILL");
    }
    return this.exited;
  }

  /** Ends the process by closing its channel; SIGKILL if it is still there after a second. */
  async retire(): Promise<void> {
    if (!this.alive) return;
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.kill(), 1_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The shared processes of one registry module, used by every start of this process. */
class SharedNodes {
  readonly #registryModule: string;
  readonly #nodes: NodeProcess[] = [];
  #users = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(registryModule: string) {
    this.#registryModule = registryModule;
  }

  /**
   * The first `count` shared processes, launched as needed (each may still be starting: await
   * its `ready`); the caller must `release()` once.
   */
  async acquire(count: number): Promise<NodeProcess[]> {
    this.#users += 1;
    clearTimeout(this.#idleTimer);
    try {
      const bundle = await nodeBundle(this.#registryModule);
      for (let i = 0; i < count; i++) {
        if (!this.#nodes[i]?.alive) this.#nodes[i] = new NodeProcess(this.#registryModule, bundle);
      }
      return this.#nodes.slice(0, count);
    } catch (error) {
      this.release();
      throw error;
    }
  }

  /** One start is done with the processes; the last one out lets them exit after IDLE_EXIT_MS. */
  release(): void {
    this.#users -= 1;
    if (this.#users > 0) return;
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => {
      if (this.#users > 0) return;
      for (const node of this.#nodes.splice(0)) void node.retire();
    }, IDLE_EXIT_MS);
    this.#idleTimer.unref();
  }
}

const shared = new Map<string, SharedNodes>();

/** Resolves when `promise` settles or after `ms`, whichever comes first. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    promise,
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}

interface Member {
  nodeId: string;
  node: NodeProcess;
  dedicated: boolean;
  /** True while the node serves this start. */
  serving: boolean;
  resumeTimer?: ReturnType<typeof setTimeout>;
}

/** The nodes of one driver start. */
export class NodeProcesses {
  readonly #registryModule: string;
  readonly #run: Omit<NodeRunConfig, "nodeId">;
  readonly #shared: SharedNodes;
  readonly #members: Member[] = [];
  #usesShared = false;
  #joining: Promise<void> = Promise.resolve();
  #next = 1;

  constructor(registryModule: string, run: Omit<NodeRunConfig, "nodeId">) {
    this.#registryModule = registryModule;
    this.#run = run;
    const nodes = shared.get(registryModule) ?? new SharedNodes(registryModule);
    shared.set(registryModule, nodes);
    this.#shared = nodes;
  }

  async #join(node: NodeProcess, dedicated: boolean): Promise<DriverNode> {
    const nodeId = `node-${this.#next++}`;
    const member: Member = { nodeId, node, dedicated, serving: true };
    this.#members.push(member);
    node.exited.then(() => {
      member.serving = false;
      clearTimeout(member.resumeTimer);
    });
    try {
      await node.request(
        { type: "join", run: { ...this.#run, nodeId } },
        "joined",
        `node ${nodeId} joining`,
      );
    } catch (error) {
      member.serving = false;
      throw error;
    }
    return this.#describe(member);
  }

  /**
   * Joins this start to `count` shared processes (the start's first nodes). Resolves once the
   * first one serves the start; the others join meanwhile (a cold process takes a while to
   * launch), and `settled()` resolves when all did. A node that fails to join is not used.
   */
  async joinShared(count: number): Promise<void> {
    const nodes = await this.#shared.acquire(count);
    this.#usesShared = true;
    const joins = nodes.map(async (node) => {
      await node.ready;
      return this.#join(node, false);
    });
    this.#joining = Promise.allSettled(joins).then(() => {});
    await Promise.any(joins).catch((error: AggregateError) => {
      throw error.errors[0];
    });
  }

  /** Resolves once every node asked for has joined or failed to. */
  settled(): Promise<void> {
    return this.#joining;
  }

  /** Launches a process for this start alone and joins it (the `startNode` hook). */
  async launchDedicated(): Promise<DriverNode> {
    const node = new NodeProcess(this.#registryModule, await nodeBundle(this.#registryModule));
    try {
      await node.ready;
      return await this.#join(node, true);
    } catch (error) {
      await node.kill();
      throw error;
    }
  }

  #describe(member: Member): DriverNode {
    return { nodeId: member.nodeId, pid: member.node.child.pid ?? -1, alive: member.serving };
  }

  #find(nodeId: string): Member {
    const member = this.#members.find((m) => m.nodeId === nodeId);
    if (!member) throw new TypeError(`no node ${JSON.stringify(nodeId)} in this driver start`);
    return member;
  }

  #dedicated(nodeId: string, what: string): Member {
    const member = this.#find(nodeId);
    if (!member.dedicated) {
      throw new TypeError(
        `${what}: node ${nodeId} is a process shared with other driver starts; ${what} works on nodes from startNode()`,
      );
    }
    return member;
  }

  /** Every node of this start, in join order. */
  list(): DriverNode[] {
    return this.#members.map((m) => this.#describe(m));
  }

  /** The loopback address of a node. */
  address(nodeId: string): string {
    return this.#find(nodeId).node.address;
  }

  /** SIGKILL to a dedicated node, resolved once the process exited. */
  async kill(nodeId: string): Promise<void> {
    const member = this.#dedicated(nodeId, "killNode");
    member.serving = false;
    await member.node.kill();
  }

  /** SIGSTOP to a dedicated node now, SIGCONT after `ms`. */
  async pause(nodeId: string, ms: number): Promise<void> {
    const member = this.#dedicated(nodeId, "pauseNode");
    if (!member.serving) throw new TypeError(`node ${nodeId} is not running`);
    member.node.child.kill("SIGSTOP");
    clearTimeout(member.resumeTimer);
    member.resumeTimer = setTimeout(() => {
      if (member.node.alive) member.node.child.kill("SIGCONT");
    }, ms);
  }

  /**
   * A graceful stop of one node for this start: final saves, leases released, then a dedicated
   * process exits. SIGKILL (dedicated) if it takes NODE_STOP_TIMEOUT_MS.
   */
  async stop(nodeId: string): Promise<void> {
    const member = this.#find(nodeId);
    if (!member.serving) {
      if (member.dedicated) await member.node.kill();
      return;
    }
    member.serving = false;
    clearTimeout(member.resumeTimer);
    const { node } = member;
    if (member.dedicated) node.child.kill("SIGCONT");
    const left = node
      .request({ type: "leave", namespace: this.#run.namespace }, "left", `node ${nodeId} leaving`)
      .then(
        () => "left" as const,
        () => "late" as const,
      );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), NODE_STOP_TIMEOUT_MS);
    });
    const outcome = await Promise.race([left, late]);
    clearTimeout(timer);
    if (member.dedicated) await (outcome === "left" ? node.retire() : node.kill());
  }

  /**
   * Stops every node of this start; resolves when none serves it any more. First every node
   * drains (fires no more alarms, finishes the runs in progress, while all still serve), then all
   * leave at once; a drain that takes NODE_STOP_TIMEOUT_MS is not waited for longer.
   */
  async stopAll(): Promise<void> {
    await this.#joining;
    const serving = this.#members.filter((m) => m.serving);
    await Promise.all(
      serving.map((m) => {
        if (m.dedicated) m.node.child.kill("SIGCONT");
        const drained = m.node
          .request({ type: "drain", namespace: this.#run.namespace }, "drained", "draining")
          .catch(() => {});
        return settleWithin(drained, NODE_STOP_TIMEOUT_MS);
      }),
    );
    await Promise.all(this.#members.map((m) => this.stop(m.nodeId)));
    if (this.#usesShared) {
      this.#usesShared = false;
      this.#shared.release();
    }
  }
}
