/**
 * The import-purity check: loading a driver module, and everything it imports, must not start
 * timers, do I/O or generate random values at module scope. Such work runs whenever anything
 * imports the module (`driver-cert list` included), leaks timers and sockets no `stop()` owns,
 * and is refused outright by runtimes like workerd ("Disallowed operation called within global
 * scope"). Work belongs in `start(ctx)`.
 *
 * While the module loads, the functions below are wrapped. A call is the module's when its
 * synchronous stack has a frame outside Node's internals and the module loaders (tsx, vitest,
 * vite, esbuild) and none of this toolkit's harness (see moduleFrame): the call is refused with an ImpureImportError, and the load
 * fails naming the first such call and where it came from, even if the module caught the error.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createRequire, syncBuiltinESMExports } from "node:module";
import { fileURLToPath } from "node:url";

/** Thrown inside the module by a refused call, and recorded for the loader's message. */
export class ImpureImportError extends Error {
  /** What was called, e.g. `setTimeout`, `fs.readFileSync`, `crypto.randomUUID`. */
  readonly call: string;
  /** The first stack frame outside the harness and the loaders, e.g. `file:///x/driver.ts:3:1`. */
  readonly at: string;

  constructor(call: string, at: string) {
    super(`${call}() was called at module scope (at ${at})`);
    this.name = "ImpureImportError";
    this.call = call;
    this.at = at;
  }
}

const require = createRequire(import.meta.url);

/** Module objects and the members wrapped on each, by kind of effect. */
const TRAPPED: { module: string; label: string; names: string[] }[] = [
  { module: "timers", label: "", names: ["setTimeout", "setInterval", "setImmediate"] },
  {
    module: "timers/promises",
    label: "timers/promises.",
    names: ["setTimeout", "setInterval", "setImmediate"],
  },
  {
    module: "fs",
    label: "fs.",
    names: [
      "readFile",
      "readFileSync",
      "writeFile",
      "writeFileSync",
      "appendFile",
      "appendFileSync",
      "open",
      "openSync",
      "readdir",
      "readdirSync",
      "stat",
      "statSync",
      "lstat",
      "lstatSync",
      "existsSync",
      "mkdir",
      "mkdirSync",
      "mkdtemp",
      "mkdtempSync",
      "rm",
      "rmSync",
      "unlink",
      "unlinkSync",
      "rename",
      "renameSync",
      "copyFile",
      "copyFileSync",
      "access",
      "accessSync",
      "createReadStream",
      "createWriteStream",
      "watch",
      "watchFile",
    ],
  },
  {
    module: "fs/promises",
    label: "fs/promises.",
    names: [
      "readFile",
      "writeFile",
      "appendFile",
      "open",
      "readdir",
      "stat",
      "lstat",
      "mkdir",
      "mkdtemp",
      "rm",
      "unlink",
      "rename",
      "copyFile",
      "access",
    ],
  },
  { module: "net", label: "net.", names: ["connect", "createConnection", "createServer"] },
  { module: "http", label: "http.", names: ["request", "get", "createServer"] },
  { module: "https", label: "https.", names: ["request", "get", "createServer"] },
  {
    module: "child_process",
    label: "child_process.",
    names: ["spawn", "spawnSync", "exec", "execSync", "execFile", "execFileSync", "fork"],
  },
  { module: "dgram", label: "dgram.", names: ["createSocket"] },
  { module: "dns", label: "dns.", names: ["lookup", "resolve"] },
  {
    module: "crypto",
    label: "crypto.",
    names: [
      "randomBytes",
      "randomUUID",
      "randomInt",
      "randomFill",
      "randomFillSync",
      "getRandomValues",
    ],
  },
];

/** Globals wrapped, as [owner, member, label]. */
function trappedGlobals(): [Record<string, any>, string, string][] {
  const g = globalThis as Record<string, any>;
  return [
    [g, "setTimeout", "setTimeout"],
    [g, "setInterval", "setInterval"],
    [g, "setImmediate", "setImmediate"],
    [g, "fetch", "fetch"],
    [g.Math, "random", "Math.random"],
    [g.crypto, "getRandomValues", "crypto.getRandomValues"],
    [g.crypto, "randomUUID", "crypto.randomUUID"],
  ];
}

const THIS_FILE = fileURLToPath(import.meta.url);

/** This toolkit's own code: a call with one of its frames on the stack is the toolkit's. */
const TOOLKIT_DIRS = [
  fileURLToPath(new URL(".", import.meta.url)),
  fileURLToPath(new URL("../bin/", import.meta.url)),
];
/** Module loaders, native-addon loaders and test runners: their frames are not the module's. */
const LOADERS =
  /[\\/]node_modules[\\/](tsx|vitest|@vitest|vite|vite-node|esbuild|birpc|tinypool|get-tsconfig|commander|node-gyp-build|node-gyp-build-optional-packages)[\\/]/;

/** `file:///x.ts:3:1` or `/x.js:3:1` of a stack line; undefined for `node:` and native frames. */
function frameLocation(line: string): { at: string; path: string } | undefined {
  // tsx runs a CommonJS .ts module from a data: URL that names its file in `filePath=`.
  const data = /(?:\(|at )data:[^\s]*?[?&]filePath=([^\s&?:)]+)[^\s]*?:(\d+):(\d+)\)?\s*$/.exec(
    line,
  );
  if (data) {
    const path = decodeURIComponent(data[1]).replace(/\?.*$/, "");
    return { at: `${path} (compiled by tsx)`, path };
  }
  const match = /(?:\(|at (?:async )?)((?:file:\/\/)?\/[^\s()]*?):(\d+):(\d+)\)?\s*$/.exec(line);
  if (!match) return undefined;
  // A loader's cache-busting query (tsx's `?tsx-namespace=`) is not part of the file's name.
  const file = match[1].replace(/\?[^/]*$/, "");
  return {
    at: `${file}:${match[2]}:${match[3]}`,
    path: file.startsWith("file://") ? fileURLToPath(file) : file,
  };
}

/**
 * The frame to blame when the current call is the loaded module graph's, else undefined: its
 * direct caller. A call whose direct caller is Node itself (the CommonJS loader reading a file)
 * or a module loader is loading, not the module's doing. A module's top-level code runs from
 * Node's module job, so no frame of this toolkit lies between it and the job; a call made by
 * the toolkit itself (the importer, a harness timer, through any library) has one.
 */
function moduleFrame(): string | undefined {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  let blamed: string | undefined;
  let direct = true;
  for (const line of stack.split("\n").slice(1)) {
    if (/^\s*at async /.test(line)) continue;
    // Below Node's module job lies only the importer's chain (printed without "async" by some
    // stack formatters): the module's own frames are all above it.
    if (line.includes("node:internal/modules/esm/")) break;
    const frame = frameLocation(line);
    if (frame?.path === THIS_FILE) continue;
    if (direct) {
      direct = false;
      // Called by Node itself (the CommonJS loader reading a file) or by a loader: allowed.
      if (frame === undefined || LOADERS.test(frame.path)) return undefined;
      blamed = frame.at;
    }
    if (frame !== undefined && TOOLKIT_DIRS.some((dir) => frame.path.startsWith(dir))) {
      return undefined;
    }
  }
  return blamed;
}

/** One load under check: its refused calls, in order. */
interface PurityCheck {
  refused: ImpureImportError[];
}

/**
 * The check a call belongs to: the async context of the `importPurely` that started the load.
 * Module evaluation runs in the context of the `import()` that caused it, so a call made by
 * another chain of work at the same time (another run's `start()` importing a library) is not
 * charged to the module being checked.
 */
const currentCheck = new AsyncLocalStorage<PurityCheck>();
/** Loads under check right now; the traps are installed while there is one. */
let activeChecks = 0;
/** Undoes the traps; set while they are installed. */
let removeTraps: (() => void) | undefined;

function installTraps(): () => void {
  const restore: (() => void)[] = [];
  const wrap = (owner: Record<string, any> | undefined, name: string, label: string) => {
    const original = owner?.[name];
    if (typeof original !== "function") return;
    const descriptor = Object.getOwnPropertyDescriptor(owner, name);
    if (descriptor && !descriptor.writable && !descriptor.set) return;
    const trapped = function (this: unknown, ...args: unknown[]) {
      const check = currentCheck.getStore();
      const at = check === undefined ? undefined : moduleFrame();
      if (check !== undefined && at !== undefined) {
        const error = new ImpureImportError(label, at);
        check.refused.push(error);
        throw error;
      }
      return Reflect.apply(original, this, args);
    };
    Object.defineProperty(trapped, "name", { value: original.name });
    owner![name] = trapped;
    restore.push(() => {
      owner![name] = original;
    });
  };
  for (const { module, label, names } of TRAPPED) {
    const exports = require(module) as Record<string, any>;
    for (const name of names) wrap(exports, name, `${label}${name}`);
  }
  for (const [owner, name, label] of trappedGlobals()) wrap(owner, name, label);
  syncBuiltinESMExports();
  return () => {
    for (const undo of restore.reverse()) undo();
    syncBuiltinESMExports();
  };
}

/**
 * Runs `load` (an import) with timers, I/O and randomness refused to the module graph it
 * evaluates. Resolves what `load` resolved; rejects with the first ImpureImportError when the
 * graph made such a call (even if `load` itself succeeded), else with `load`'s own error.
 * Loads may overlap: each is charged only with calls made in its own async context, and the
 * traps are removed when the last load settles.
 */
export async function importPurely<T>(load: () => Promise<T>): Promise<T> {
  const check: PurityCheck = { refused: [] };
  if (activeChecks === 0) removeTraps = installTraps();
  activeChecks += 1;
  let result: T;
  try {
    result = await currentCheck.run(check, load);
  } catch (error) {
    if (check.refused.length > 0) throw check.refused[0];
    throw error;
  } finally {
    activeChecks -= 1;
    if (activeChecks === 0) {
      removeTraps?.();
      removeTraps = undefined;
    }
  }
  if (check.refused.length > 0) throw check.refused[0];
  return result;
}
