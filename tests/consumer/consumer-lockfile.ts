/**
 * A package-lock.json for the consumer project of the installed-package test, cut from this
 * repository's own lockfile: the packed tarball plus every package its dependencies (and the
 * consumer's own dev dependencies) reach, at the versions `npm ci` installed here. `npm ci
 * --offline` then installs it from the npm cache `npm ci` filled, with no registry request
 * (`npm ci` caches tarballs, not the registry metadata a lockfile-less install would need).
 * A dependency the tarball declares but this lockfile lacks fails here, by name.
 */

/** One entry of a lockfile's `packages` (lockfileVersion 3). */
interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [field: string]: unknown;
}

/** The parts of the packed package's package.json the consumer lock records. */
export interface PackedManifest {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  license?: string;
}

export interface ConsumerLockOptions {
  /** This repository's package-lock.json, parsed. */
  repoLock: { packages: Record<string, LockEntry> };
  /** The packed package's manifest. */
  manifest: PackedManifest;
  /** The tarball's file name, beside the consumer's package.json, and its sha512 integrity. */
  tarball: { fileName: string; integrity: string };
  /** The consumer's package.json name and its devDependencies besides the tarball. */
  name: string;
  devDependencies: Record<string, string>;
}

/** Where `name` resolves from the package at `from`, the way Node walks node_modules up. */
function locate(
  packages: Record<string, LockEntry>,
  from: string,
  name: string,
): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (dir === "") return undefined;
    const up = dir.lastIndexOf("/node_modules/");
    dir = up === -1 ? "" : dir.slice(0, up);
  }
}

/**
 * Builds the consumer's lockfile. Throws naming the package when a required dependency is not
 * in the repository's lockfile (so it was never fetched into the cache).
 */
export function consumerLockfile(options: ConsumerLockOptions): object {
  const { repoLock, manifest, tarball } = options;
  const self = `node_modules/${manifest.name}`;
  const packages: Record<string, LockEntry> = {
    "": {
      name: options.name,
      devDependencies: {
        ...options.devDependencies,
        [manifest.name]: `file:${tarball.fileName}`,
      },
    },
    [self]: {
      version: manifest.version,
      resolved: `file:${tarball.fileName}`,
      integrity: tarball.integrity,
      dev: true,
      license: manifest.license,
      dependencies: manifest.dependencies,
      peerDependencies: manifest.peerDependencies,
      bin: manifest.bin,
      engines: manifest.engines,
    },
  };
  const queue: Array<{ from: string; name: string; optional: boolean }> = [];
  const need = (from: string, entry: LockEntry) => {
    for (const name of Object.keys(entry.dependencies ?? {})) {
      queue.push({ from, name, optional: false });
    }
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      queue.push({ from, name, optional: true });
    }
    for (const name of Object.keys(entry.peerDependencies ?? {})) {
      queue.push({ from, name, optional: entry.peerDependenciesMeta?.[name]?.optional === true });
    }
  };
  for (const name of Object.keys(options.devDependencies)) {
    queue.push({ from: "", name, optional: false });
  }
  need(self, packages[self]);
  for (let item = queue.shift(); item; item = queue.shift()) {
    const found =
      item.from === self
        ? locate(repoLock.packages, "", item.name)
        : locate(repoLock.packages, item.from, item.name);
    if (!found) {
      if (item.optional) continue;
      throw new Error(
        `${item.from || "the consumer"} needs ${item.name}, which this repository's lockfile does not hold`,
      );
    }
    if (packages[found]) continue;
    packages[found] = repoLock.packages[found];
    need(found, repoLock.packages[found]);
  }
  return { name: options.name, lockfileVersion: 3, requires: true, packages };
}
