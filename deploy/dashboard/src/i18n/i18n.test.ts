import { describe, expect, it } from "vitest";
import { en } from "./en";
import { translate } from "./I18nProvider";
import { uk } from "./uk";

describe("translations", () => {
  it("has the same keys and placeholders in both languages", () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(uk).sort());
    for (const key of Object.keys(uk) as (keyof typeof uk)[]) {
      const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(vars(en[key]), key).toEqual(vars(uk[key]));
    }
  });

  it("fills placeholders", () => {
    expect(translate("uk", "overview.daysN", { n: 7 })).toBe("7 днів");
    expect(translate("en", "jobs.estimated", { n: 10, s: 0.1 })).toBe("≈ 10 messages, ≈ 0.1 s");
  });
});
