import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { I18nProvider } from "@/i18n/I18nProvider";
import { chartGeometry, VolumeChart } from "./VolumeChart";

const days = [
  { date: "2026-03-01", total: 10, signal: 5, weak_signal: 2, noise: 3, signal_ratio: 0.5 },
  { date: "2026-03-02", total: 20, signal: 4, weak_signal: 6, noise: 10, signal_ratio: 0.2 },
];

describe("volume chart", () => {
  it("scales the tallest day to the full height and stacks the classes", () => {
    const { max, bars } = chartGeometry(days);
    expect(max).toBe(20);
    const heights = bars[1].parts.map((p) => p.h);
    expect(heights.reduce((a, b) => a + b)).toBeCloseTo(166); // the inner height
    expect(bars[0].parts.map((p) => p.cls)).toEqual(["noise", "weak_signal", "signal"]);
  });

  it("carries the figures in a table for screen readers", () => {
    render(
      <I18nProvider>
        <VolumeChart days={days} />
      </I18nProvider>,
    );
    expect(screen.getByRole("img").getAttribute("aria-label")).toMatch(/сигнал/);
    expect(screen.getByRole("row", { name: /2026-03-02/ }).textContent).toContain("20");
  });
});
