/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): the functions and the files or
 * packages with the most self time, so a missed bench target can be traced to what holds it
 * back. Usage: `node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25]`.
 */
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { pathToFileURL } from "node:url";

/** The part of the `.cpuprofile` format (Chrome DevTools Profiler.Profile) read here. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  /** Microseconds since the previous sample, one per sample. */
  timeDeltas: number[];
}

/** Self time of one entry, in ms and as a share of the profile. */
export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

/** What {@link summarizeProfile} returns; every list is sorted by descending time. */
export interface ProfileSummary {
  /** Self time per function (`name file:line`). */
  functions: SelfTime[];
  /** Self time per file, packages under node_modules grouped by package name. */
  files: SelfTime[];
  /**
   * Inclusive time (self plus callees, each sample counted once per entry) of the project's own
   * functions: what a call through our code costs, libraries included.
   */
  ownInclusive: SelfTime[];
  totalMs: number;
}

/**
 * Summarises a profile. The idle and GC pseudo-nodes are kept, so self-time shares add up to
 * the whole profile.
 */
export function summarizeProfile(profile: CpuProfile, cwd = process.cwd()): ProfileSummary {
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const labels = new Map<number, { fn: string; file: string; own: boolean }>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = fileLabel(url, cwd);
    const fn = `${functionName || "(anonymous)"} ${file}${url ? `:${lineNumber + 1}` : ""}`;
    const own =
      url.startsWith("file://") && !file.startsWith("node_modules/") && !file.startsWith("..");
    labels.set(node.id, { fn, file, own });
  }
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us);
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    const us = profile.timeDeltas[i] ?? 0;
    const label = labels.get(id);
    if (!label || us <= 0) continue;
    totalUs += us;
    add(functions, label.fn, us);
    add(files, label.file, us);
    // Recursion would count a frame twice; each function gets the sample once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = labels.get(at);
      if (frame?.own && !seen.has(frame.fn)) {
        seen.add(frame.fn);
        add(inclusive, frame.fn, us);
      }
    }
  }
  const sorted = (entries: Map<string, number>) =>
    [...entries]
      .map(([name, us]) => ({ name, ms: us / 1000, share: totalUs ? us / totalUs : 0 }))
      .sort((a, b) => b.ms - a.ms);
  return {
    functions: sorted(functions),
    files: sorted(files),
    ownInclusive: sorted(inclusive),
    totalMs: totalUs / 1000,
  };
}

/** `node_modules/<package>` for dependencies, a cwd-relative path for our files. */
function fileLabel(url: string, cwd: string): string {
  if (!url) return "(native)";
  const path = url.startsWith("file://") ? new URL(url).pathname : url;
  const modules = path.lastIndexOf("node_modules/");
  if (modules >= 0) {
    const rest = path.slice(modules + "node_modules/".length).split("/");
    return `node_modules/${rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  return path.startsWith("/") ? relative(cwd, path) : path;
}

function printTop(title: string, entries: SelfTime[], top: number): void {
  console.log(title);
  for (const entry of entries.slice(0, top)) {
    const share = `${(entry.share * 100).toFixed(1)}%`.padStart(6);
    console.log(`${share} ${entry.ms.toFixed(0).padStart(7)} ms  ${entry.name}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const [path, topText = "25", ...rest] = argv;
  const top = Number(topText);
  if (!path || !Number.isInteger(top) || top <= 0 || rest.length > 0) {
    console.error("usage: profile-summary <file.cpuprofile> [top, a positive integer]");
    process.exitCode = 2;
    return;
  }
  const profile = JSON.parse(await readFile(path, "utf8")) as CpuProfile;
  const { functions, files, ownInclusive, totalMs } = summarizeProfile(profile);
  console.log(`${path}: ${(totalMs / 1000).toFixed(1)} s sampled`);
  printTop("self time by function:", functions, top);
  printTop("self time by file or package:", files, top);
  printTop("inclusive time of the project's own functions:", ownInclusive, top);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main(process.argv.slice(2));
}
