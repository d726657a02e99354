import { describe, expect, it } from "vitest";
import { atomFiltersFrom, atomFiltersTo } from "./atomFilters";

describe("atom filters in the address", () => {
  it("reads known values and drops the rest", () => {
    const params = new URLSearchParams("type=blocker&approved=false&archived=true&q=%20реліз%20&min_confidence=0.7&max_confidence=2&topic=t1");
    expect(atomFiltersFrom(params)).toEqual({
      type: "blocker",
      approved: false,
      archived: true,
      q: "реліз",
      min_confidence: 0.7,
      topic: "t1",
    });
    expect(atomFiltersFrom(new URLSearchParams("type=gossip&approved=maybe&min_confidence=abc"))).toEqual({});
  });

  it("drops an upper bound below the lower one (the API would refuse it)", () => {
    expect(atomFiltersFrom(new URLSearchParams("min_confidence=0.8&max_confidence=0.5"))).toEqual({ min_confidence: 0.8 });
  });

  it("writes back what it reads", () => {
    const filters = { type: "decision" as const, approved: true, min_confidence: 0.5, q: "деплой" };
    expect(atomFiltersFrom(new URLSearchParams(atomFiltersTo(filters)))).toEqual(filters);
  });
});
