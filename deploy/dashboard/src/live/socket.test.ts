import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoff, LiveSocket, type EventFrame, type SocketLike } from "./socket";

class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  closed: { code?: number; reason?: string } | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number, reason?: string) {
    this.closed = { code, reason };
  }
  // server side
  open() {
    this.readyState = 1;
    this.onopen?.({});
    this.frame({ type: "connection", data: { status: "connected" } });
  }
  frame(payload: object) {
    this.onmessage?.({ data: JSON.stringify(payload) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const events: EventFrame[] = [];
  const states: string[] = [];
  const resyncs: number[] = [];
  const live = new LiveSocket({
    url: (topics, since) => `ws://x/ws?topics=${topics.join(",")}${since !== null ? `&since=${since}` : ""}`,
    token: () => "secret-token",
    onEvent: (f) => events.push(f),
    onState: (s) => states.push(s),
    onResync: () => resyncs.push(1),
    create: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    backoffMs: () => 1000,
    silenceMs: 45_000,
  });
  return { live, sockets, events, states, resyncs };
}

const event = (seq: number, type = "messages.ingested"): EventFrame => ({
  seq,
  topic: type.split(".")[0],
  type,
  occurred_at: "2026-01-01T00:00:00Z",
  data: {},
});

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("LiveSocket", () => {
  it("opens one connection for the wanted topics and answers pings", async () => {
    const { live, sockets, states } = setup();
    live.start();
    live.want(["messages", "noise_filtering"]);
    await vi.runOnlyPendingTimersAsync();
    expect(sockets).toHaveLength(1);
    expect(sockets[0].url).toBe("ws://x/ws?topics=messages,noise_filtering");
    sockets[0].open();
    expect(states.at(-1)).toBe("open");
    sockets[0].frame({ type: "ping", ts: 1 });
    expect(sockets[0].sent).toContainEqual({ action: "pong" });
  });

  it("changes topics with subscribe/unsubscribe frames instead of reconnecting", async () => {
    const { live, sockets } = setup();
    live.start();
    const release = live.want(["messages"]);
    await vi.runOnlyPendingTimersAsync();
    sockets[0].open();
    release();
    live.want(["knowledge"]);
    await Promise.resolve();
    expect(sockets).toHaveLength(1);
    expect(sockets[0].sent).toEqual([
      { action: "auth", token: "secret-token" },
      { action: "subscribe", topic: "knowledge" },
      { action: "unsubscribe", topic: "messages" },
    ]);
  });

  it("counts topics wanted by two pages and keeps them until both release", async () => {
    const { live } = setup();
    const a = live.want(["messages"]);
    const b = live.want(["messages", "knowledge"]);
    a();
    expect(live.topics).toEqual(["knowledge", "messages"]);
    b();
    expect(live.topics).toEqual([]);
  });

  it("reconnects after a drop, shows reconnecting, and resumes after the last sequence seen", async () => {
    const { live, sockets, events, states } = setup();
    live.start();
    live.want(["messages"]);
    await vi.runOnlyPendingTimersAsync();
    sockets[0].open();
    sockets[0].frame(event(41));
    sockets[0].frame(event(42));
    sockets[0].drop();
    expect(states.at(-1)).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    expect(sockets[1].url).toBe("ws://x/ws?topics=messages&since=42");
    sockets[1].open();
    sockets[1].frame(event(42)); // replay and live overlap: delivered once
    sockets[1].frame(event(43));
    expect(events.map((e) => e.seq)).toEqual([41, 42, 43]);
    expect(states.at(-1)).toBe("open");
  });

  it("asks for a full refresh when it reconnects without having seen any event", async () => {
    const { live, sockets, resyncs } = setup();
    live.start();
    live.want(["messages"]);
    await vi.runOnlyPendingTimersAsync();
    sockets[0].open();
    sockets[0].drop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets[1].url).not.toContain("since");
    sockets[1].open();
    expect(resyncs).toHaveLength(1);
  });

  it("closes a connection that stays silent past the heartbeat window", async () => {
    const { live, sockets } = setup();
    live.start();
    live.want(["messages"]);
    await vi.runOnlyPendingTimersAsync();
    sockets[0].open();
    await vi.advanceTimersByTimeAsync(44_000);
    expect(sockets[0].closed).toBeNull();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sockets[0].closed?.code).toBe(4000);
  });

  it("authenticates with a first frame, never with the token in the URL", async () => {
    const { live, sockets, states } = setup();
    live.start();
    live.want(["messages"]);
    await vi.runOnlyPendingTimersAsync();
    expect(sockets[0].url).not.toContain("token");
    sockets[0].readyState = 1;
    sockets[0].onopen?.({});
    expect(sockets[0].sent[0]).toEqual({ action: "auth", token: "secret-token" });
    expect(states.at(-1)).toBe("connecting"); // open only once the server answers with its connection frame
    sockets[0].frame({ type: "connection", data: { status: "connected" } });
    expect(states.at(-1)).toBe("open");
  });

  it.each([4408, 4410])("reconnects and resumes after close code %i", async (code) => {
    const { live, sockets, states } = setup();
    live.start();
    live.want(["messages"]);
    await vi.runOnlyPendingTimersAsync();
    sockets[0].open();
    sockets[0].frame(event(7));
    sockets[0].drop(code);
    expect(states.at(-1)).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    expect(sockets[1].url).toBe("ws://x/ws?topics=messages&since=7");
    sockets[1].open();
    expect(sockets[1].sent[0]).toEqual({ action: "auth", token: "secret-token" });
  });

  it("stops retrying when the server refuses the token", async () => {
    const { live, sockets, states } = setup();
    live.start();
    live.want(["messages"]);
    await vi.runOnlyPendingTimersAsync();
    sockets[0].open();
    sockets[0].drop(4401);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
    expect(states.at(-1)).toBe("unauthorized");
  });

  it("backs off exponentially with jitter up to 15 s", () => {
    expect(backoff(0, () => 0)).toBe(250);
    expect(backoff(3, () => 1)).toBe(4000);
    expect(backoff(20, () => 1)).toBe(15000);
  });
});
