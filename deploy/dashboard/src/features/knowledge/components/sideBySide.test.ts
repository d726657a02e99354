import { describe, expect, it } from "vitest";
import { sideBySide } from "./sideBySide";

describe("side-by-side diff", () => {
  it("pairs removed and added lines and keeps unchanged ones on both sides", () => {
    const unified = [
      "--- content@v1",
      "+++ content@v2",
      "@@ -1,3 +1,3 @@",
      " Реліз 2.4",
      "-у пʼятницю",
      "+у понеділок",
      "+після тестів",
      " кінець",
    ].join("\n");
    expect(sideBySide(unified)).toEqual([
      { left: "Реліз 2.4", right: "Реліз 2.4", kind: "same" },
      { left: "у пʼятницю", right: "у понеділок", kind: "changed" },
      { left: null, right: "після тестів", kind: "added" },
      { left: "кінець", right: "кінець", kind: "same" },
    ]);
  });

  it("is empty for an empty diff", () => {
    expect(sideBySide("")).toEqual([]);
  });
});
