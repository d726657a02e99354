import { describe, expect, it } from "vitest";
import {
  formatComponents,
  formatGlossary,
  formatPriorityRules,
  parseComponents,
  parseGlossary,
  parseList,
  parsePriorityRules,
} from "./projectForm";

describe("project fields as text", () => {
  it("reads keywords split by commas or lines, without empties or repeats, in any script", () => {
    expect(parseList("реліз, Deploy\n  деплой ,, deploy\nрелиз")).toEqual(["реліз", "Deploy", "деплой", "релиз"]);
    expect(parseList(" \n , ")).toEqual([]);
  });

  it("reads a glossary and names the lines it cannot read", () => {
    const parsed = parseGlossary("SLA: угода про рівень сервісу\n\nбез двокрапки\nAPI:\nURL: a: b");
    expect(parsed.value).toEqual({ SLA: "угода про рівень сервісу", URL: "a: b" });
    expect(parsed.bad).toEqual([3, 4]);
  });

  it("reads components with or without keywords", () => {
    const parsed = parseComponents("Платежі: оплата, stripe\nAuth:\n: orphan");
    expect(parsed.value).toEqual([
      { name: "Платежі", keywords: ["оплата", "stripe"] },
      { name: "Auth", keywords: [] },
    ]);
    expect(parsed.bad).toEqual([3]);
  });

  it("reads priority rules only with a known priority and at least one keyword", () => {
    const parsed = parsePriorityRules("Critical: прод впав, outage\nurgent: x\nhigh:\nlow: опечатка");
    expect(parsed.value).toEqual([
      { priority: "critical", keywords: ["прод впав", "outage"] },
      { priority: "low", keywords: ["опечатка"] },
    ]);
    expect(parsed.bad).toEqual([2, 3]);
  });

  it("writes back what it reads", () => {
    const glossary = { SLA: "угода", "ТЗ": "технічне завдання" };
    expect(parseGlossary(formatGlossary(glossary)).value).toEqual(glossary);
    const components = [{ name: "API", keywords: ["endpoint", "ендпоінт"] }];
    expect(parseComponents(formatComponents(components)).value).toEqual(components);
    const rules = [{ priority: "high" as const, keywords: ["блокер", "blocker"] }];
    expect(parsePriorityRules(formatPriorityRules(rules)).value).toEqual(rules);
  });
});
