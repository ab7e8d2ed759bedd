/**
 * A second, separately evaluated copy of one of the package's modules, as a driver's own
 * install of driver-cert would give it: tsx's `tsImport` evaluates the module (and what it
 * imports) again, so its classes are not the ones the test imported.
 */
import { tsImport } from "tsx/esm/api";

/** Imports `moduleUrl` again through tsx; `base` is the caller's import.meta.url. */
export async function secondCopy<T>(moduleUrl: URL, base: string): Promise<T> {
  return (await tsImport(moduleUrl.href, base)) as T;
}
