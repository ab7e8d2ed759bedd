/**
 * Node processes start from one JavaScript bundle of the node program and the registry module,
 * built once per process with esbuild: a node then loads in a fraction of the CPU time that
 * compiling the TypeScript sources under `node --import tsx` takes (about 0.9 s against 2.8 s
 * here). npm packages stay outside the bundle and load from node_modules as usual, except
 * `driver-cert` itself, which is bundled so the registry and the node share one runtime. When
 * the bundle cannot be built, nodes start under tsx instead (node-processes.ts).
 */
import { createHash } from "node:crypto";
import { mkdirSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Where bundles go: inside the package, so their bare imports resolve from its node_modules. */
const CACHE_DIR = join(PACKAGE_ROOT, "node_modules", ".cache", "driver-cert-redis");
const RUN_NODE = fileURLToPath(new URL("./node/run-node.ts", import.meta.url));

const built = new Map<string, Promise<string | undefined>>();

/**
 * The path of a bundle that runs a node hosting the registry of `registryModule` (a `file:` URL),
 * or undefined when esbuild is unavailable or the build failed (the reason is logged once).
 * The file is removed when this process exits.
 */
export function nodeBundle(registryModule: string): Promise<string | undefined> {
  let pending = built.get(registryModule);
  if (!pending) {
    pending = build(registryModule);
    built.set(registryModule, pending);
  }
  return pending;
}

async function build(registryModule: string): Promise<string | undefined> {
  const hash = createHash("sha256").update(registryModule).digest("hex").slice(0, 12);
  const stem = join(CACHE_DIR, `node-${hash}-${process.pid}`);
  const entry = `${stem}.entry.ts`;
  const outfile = `${stem}.mjs`;
  try {
    const esbuild = await import("esbuild");
    mkdirSync(dirname(entry), { recursive: true });
    writeFileSync(
      entry,
      `import registry from ${JSON.stringify(fileURLToPath(registryModule))};\n` +
        `import { runNode } from ${JSON.stringify(RUN_NODE)};\n` +
        "runNode(registry);\n",
    );
    process.once("exit", () => {
      for (const file of [entry, outfile]) {
        try {
          unlinkSync(file);
        } catch {
          // Already gone.
        }
      }
    });
    await esbuild.build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      logLevel: "silent",
      plugins: [
        {
          name: "npm-packages-external",
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (args) =>
              args.path === "driver-cert" || args.path.startsWith("driver-cert/")
                ? undefined
                : { path: args.path, external: true },
            );
          },
        },
      ],
    });
    return outfile;
  } catch (error) {
    console.error(
      `redis driver: nodes start under tsx (bundling ${registryModule} failed: ${(error as Error).message})`,
    );
    return undefined;
  }
}
