/**
 * Importing TypeScript modules (driver modules, suite lists) where Node 20 cannot load `.ts`
 * itself, through one tsx loader registration per process.
 *
 * tsx's `tsImport()` registers a new loader under a new namespace on every call, and each
 * namespace evaluates its own copy of every module it reaches: a process that certifies many
 * drivers (the mutant runner) would pile up loader hooks that every later import crosses, and
 * load the runtime once per call. One namespace shares both.
 */
import { type NamespacedUnregister, register } from "tsx/esm/api";

let loader: NamespacedUnregister | undefined;

/**
 * Imports `url` (a file URL or a specifier resolved from this package) through this process's
 * tsx namespace; a module imported before is returned from the cache, as `import()` does.
 * Rejects with the module's own error when it does not load.
 */
export function importTypeScript(url: string): Promise<unknown> {
  loader ??= register({ namespace: `driver-cert-${process.pid}` });
  return loader.import(url, import.meta.url);
}
