/**
 * CPU profiles of chosen bench steps only (`npm run bench -- --profile`): the V8 profiler is
 * started and stopped through the inspector around the measured work, so start-up, module
 * loading and connection set-up stay out of the profile. Read a profile with
 * `node --import tsx bench/profile-summary.ts <file>`.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

/** Sampling interval of bench profiles, in µs (V8's default is 1000). */
const SAMPLING_INTERVAL_US = 250;

/** Where profiles go, or `undefined` when profiling is off. */
export interface ProfileTarget {
  dir: string;
}

/**
 * Runs `run` under the CPU profiler and writes `<dir>/<name>.cpuprofile` (name made file-safe);
 * without a target it just runs `run`. Resolves `run`'s value and the written path, if any. The
 * profile is written even when `run` rejects, and the rejection is passed on.
 */
export async function withCpuProfile<T>(
  target: ProfileTarget | undefined,
  name: string,
  run: () => Promise<T>,
): Promise<{ value: T; file?: string }> {
  if (!target) return { value: await run() };
  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US });
    await session.post("Profiler.start");
    const file = join(target.dir, `${fileSafe(name)}.cpuprofile`);
    let value: T;
    try {
      value = await run();
    } finally {
      const { profile } = await session.post("Profiler.stop");
      await mkdir(target.dir, { recursive: true });
      await writeFile(file, JSON.stringify(profile));
    }
    return { value, file };
  } finally {
    session.disconnect();
  }
}

function fileSafe(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
