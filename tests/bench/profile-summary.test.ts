/**
 * The CPU profile summary used to explain missed bench targets: self time per function and per
 * file or package, from a hand-built profile.
 */
import { expect, test } from "vitest";
import { type CpuProfile, summarizeProfile } from "../../bench/profile-summary.ts";

const frame = (functionName: string, url: string, lineNumber = 0) => ({
  functionName,
  url,
  lineNumber,
});

test("self time is summed per function and per file, packages grouped by name", () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame("(root)", ""), children: [2, 3, 4] },
      { id: 2, callFrame: frame("encode", "file:///w/node_modules/cbor-x/encode.js", 9) },
      {
        id: 3,
        callFrame: frame("route", "file:///w/runtime/manager/manager-router.ts", 41),
        children: [5],
      },
      { id: 4, callFrame: frame("fetch", "file:///w/node_modules/@hono/node-server/dist/a.js") },
      { id: 5, callFrame: frame("encode", "file:///w/node_modules/cbor-x/encode.js", 9) },
    ],
    samples: [2, 3, 2, 4, 2, 3, 5],
    timeDeltas: [1000, 2000, 1000, 500, 1000, 500, 4000],
  };
  const { functions, files, ownInclusive, totalMs } = summarizeProfile(profile, "/w");
  expect(totalMs).toBe(10);
  expect(functions[0]).toEqual({ name: "encode node_modules/cbor-x:10", ms: 7, share: 0.7 });
  expect(functions[1].name).toBe("route runtime/manager/manager-router.ts:42");
  expect(functions[1].ms).toBe(2.5);
  expect(files.map((f) => f.name)).toEqual([
    "node_modules/cbor-x",
    "runtime/manager/manager-router.ts",
    "node_modules/@hono/node-server",
  ]);
  // route's own 2.5 ms plus the 4 ms of cbor-x it called; libraries get no inclusive entry.
  expect(ownInclusive).toEqual([
    { name: "route runtime/manager/manager-router.ts:42", ms: 6.5, share: 0.65 },
  ]);
});
