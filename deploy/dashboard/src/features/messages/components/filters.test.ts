import { describe, expect, it } from "vitest";
import { filtersFromParams } from "./filters";

describe("feed filters from the address", () => {
  it("reads every filter and ignores junk", () => {
    const f = filtersFromParams(
      new URLSearchParams("chat=-100&author=7&class=signal&min=0.4&max=2&q=%20реліз%20&since=2026-03-01&until=2026-03-02"),
    );
    expect(f).toMatchObject({ chat: "-100", author: "7", classification: "signal", min_score: 0.4, max_score: 1, q: "реліз" });
    // "to date" includes the whole day
    expect(new Date(f.until!).getTime() - new Date(f.since!).getTime()).toBe(2 * 86_400_000);
  });

  it("drops values the API would refuse", () => {
    expect(filtersFromParams(new URLSearchParams("class=important&author=%20&since=yesterday"))).toEqual({});
    expect(filtersFromParams(new URLSearchParams("author=olena"))).toEqual({ author: "olena" });
  });
});
