import assert from "node:assert/strict";
import { test } from "node:test";

import { describe, TOPICS, wsUrl } from "../src/events.js";

test("the WebSocket address resumes from the last sequence and carries the topics and token", () => {
  const url = new URL(wsUrl({ protocol: "https:", host: "tracker.example" }, ["messages", "tasks"], "t0k", 42));
  assert.equal(url.protocol, "wss:");
  assert.equal(url.pathname, "/ws");
  assert.equal(url.searchParams.get("topics"), "messages,tasks");
  assert.equal(url.searchParams.get("token"), "t0k");
  assert.equal(url.searchParams.get("since"), "42");
});

test("a first connection asks for live events only", () => {
  const url = new URL(wsUrl({ protocol: "http:", host: "localhost:8000" }, ["messages"], "t", 0));
  assert.equal(url.protocol, "ws:");
  assert.equal(url.searchParams.has("since"), false);
});

test("a scored message reads as its class, score and text", () => {
  const line = describe({
    type: "noise_filtering.message_scored",
    data: { classification: "signal", score: 0.7312, text: "Прод впав: 502" },
  });
  assert.deepEqual(line, { text: "signal 0.73 — Прод впав: 502", tone: "signal" });
});

test("an ingested message shows its author", () => {
  const line = describe({ type: "messages.ingested", data: { author: { display_name: "Оля" }, text: "привіт" } });
  assert.equal(line.text, "Оля: привіт");
});

test("every topic the bus relays can be chosen", () => {
  assert.equal(new Set(TOPICS).size, 9);
});
