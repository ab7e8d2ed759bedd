/**
 * Bundles the Worker with esbuild: a Worker entry module (worker/entry.ts unless a caller names
 * another), the runtime, and the registry module of `ctx.registryModule` (the entry imports it as
 * `driver-cert:registry`). One ES module, `platform: "neutral"`: nothing of Node gets in, and an
 * import workerd cannot satisfy fails here, naming the module, instead of at request time.
 */
import { fileURLToPath } from "node:url";

/** The Worker entry this driver runs unless told otherwise. */
export const DEFAULT_WORKER_ENTRY = new URL(
  // Beside this module: entry.ts in the sources, entry.js in the built package (dist/).
  // (tsx may add a query to the module's URL: look at the path.)
  new URL(import.meta.url).pathname.endsWith(".ts") ? "./worker/entry.ts" : "./worker/entry.js",
  import.meta.url,
).href;

const bundles = new Map<string, Promise<string>>();

function pathOf(moduleUrl: string): string {
  return moduleUrl.startsWith("file:") ? fileURLToPath(moduleUrl) : moduleUrl;
}

/**
 * The Worker script for `entry` (a `file:` URL or path) and `registryModule` (a `file:` URL
 * whose default export is the registry). Built once per pair in this process. Rejects with
 * esbuild's error (file, line and text of each problem) when the bundle cannot be built.
 */
export function bundleWorker(entry: string, registryModule: string): Promise<string> {
  const cacheKey = `${entry}\n${registryModule}`;
  let bundle = bundles.get(cacheKey);
  if (bundle === undefined) {
    bundle = build(pathOf(entry), pathOf(registryModule));
    bundles.set(cacheKey, bundle);
    bundle.catch(() => bundles.delete(cacheKey));
  }
  return bundle;
}

async function build(entry: string, registry: string): Promise<string> {
  const esbuild = await import("esbuild");
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    logLevel: "silent",
    // Smaller for workerd to compile at start; names kept, so stacks stay readable.
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [
      {
        name: "driver-cert-registry",
        setup(build) {
          build.onResolve({ filter: /^driver-cert:registry$/ }, () => ({ path: registry }));
        },
      },
    ],
  });
  return result.outputFiles[0].text;
}
