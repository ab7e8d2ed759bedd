import { describe, expect, test } from "vitest";
import { rawActorUrl, splitUrl } from "./raw-url.ts";

describe("rawActorUrl() (ROUTE-6)", () => {
  const cases: [string, string][] = [
    ["http://actor/raw/http", "http://actor/"],
    ["http://actor/raw/http/", "http://actor/"],
    ["http://actor/raw/http/api/x?y=1", "http://actor/api/x?y=1"],
    ["http://actor/raw/http/api/x/", "http://actor/api/x/"],
    ["http://actor/raw/http/a%2Fb/%E2%9C%93?q=%20&x", "http://actor/a%2Fb/%E2%9C%93?q=%20&x"],
    ["http://actor/raw/http/x?", "http://actor/x?"],
    ["http://actor/raw/http//double", "http://actor//double"],
  ];
  for (const [input, expected] of cases) {
    test(`${input} -> ${expected}`, () => {
      expect(rawActorUrl(input, "/raw/http")).toBe(expected);
    });
  }

  test("a path outside the prefix is not raw", () => {
    expect(rawActorUrl("http://actor/raw/httpx", "/raw/http")).toBeUndefined();
  });

  test("splitUrl drops the fragment and keeps a lone ?", () => {
    expect(splitUrl("http://actor/p?#frag")).toEqual({ pathname: "/p", search: "?" });
  });
});
