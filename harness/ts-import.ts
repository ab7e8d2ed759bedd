/**
 * Importing TypeScript modules (driver modules, suite lists) where Node 20 cannot load `.ts`
 * itself, through one tsx loader registration per process.
 *
 * tsx's `tsImport()` registers a new loader under a new namespace on every call, and each
 * namespace evaluates its own copy of every module it reaches: a process that certifies many
 * drivers (the mutant runner) would pile up loader hooks that every later import crosses, and
 * load the runtime once per call. One namespace (its ESM and CommonJS hooks) shares both.
 */
import { register as registerCommonJs } from "tsx/cjs/api";
import { type NamespacedUnregister, register } from "tsx/esm/api";

let loader: NamespacedUnregister | undefined;

/**
 * Imports `url` (a file URL or a specifier resolved from this package) through this process's
 * tsx namespace; a module imported before is returned from the cache, as `import()` does.
 * Rejects with the module's own error when it does not load.
 */
export function importTypeScript(url: string): Promise<unknown> {
  if (loader === undefined) {
    const namespace = `driver-cert-${process.pid}`;
    // As tsImport does: the CommonJS hook under the same namespace, so a `.ts` module of a
    // CommonJS project (no "type": "module"), which Node loads through require, is compiled too.
    registerCommonJs({ namespace });
    loader = register({ namespace });
  }
  return loader.import(url, import.meta.url);
}
