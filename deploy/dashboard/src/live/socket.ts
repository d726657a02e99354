// One WebSocket to the gateway for the whole app. Pages add topics while they are shown; the socket sends
// subscribe/unsubscribe frames instead of reconnecting. After a drop it reconnects with backoff and asks for
// what it missed (`since` = the last sequence it saw). It answers the server's pings and treats a silent
// connection (no frame for `silenceMs`) as dead, because a browser may never notice a vanished peer.
// The token never goes in the URL (the gateway refuses that with 4401): the first frame on an open socket is
// `{"action":"auth","token":…}`, and the server's `connection` frame is the answer. Close codes: 4401 means
// signed out (no retry); anything else, 4408 (too slow) and 4410 (no pong) included, means reconnect.

export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "unauthorized";

export type EventFrame = { seq: number; topic: string; type: string; occurred_at: string; data: Record<string, unknown> };

type ControlFrame = { type: "connection" | "ping" | "subscription" | "error"; [k: string]: unknown };

export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type LiveSocketOptions = {
  /** The address to connect to for these topics, resuming after `since` when given. */
  url: (topics: string[], since: number | null) => Promise<string> | string;
  /** The token sent in the first frame once the socket opens. */
  token?: () => string | null;
  onEvent: (frame: EventFrame) => void;
  onState?: (state: ConnectionState) => void;
  /** Called after a reconnect that could not resume (nothing seen yet): everything shown may be stale. */
  onResync?: () => void;
  create?: (url: string) => SocketLike;
  backoffMs?: (attempt: number) => number;
  silenceMs?: number;
};

const OPEN = 1;
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_TOO_SLOW = 4408; // the server dropped us for not reading fast enough: reconnect, resume
export const CLOSE_NO_PONG = 4410; // our pong did not arrive in time: reconnect, resume

export function backoff(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(15_000, 500 * 2 ** attempt);
  return Math.round(base / 2 + (random() * base) / 2); // jitter: many tabs do not return in step
}

export class LiveSocket {
  private socket: SocketLike | null = null;
  private counts = new Map<string, number>();
  private sent = new Set<string>(); // topics the server has been asked for on this connection
  private lastSeq = 0;
  private attempt = 0;
  private everOpened = false;
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private silenceTimer: ReturnType<typeof setTimeout> | null = null;
  private syncScheduled = false;
  private opening = false; // between deciding to connect and having a socket (the address may be fetched)
  state: ConnectionState = "idle";

  constructor(private readonly options: LiveSocketOptions) {}

  get topics(): string[] {
    return [...this.counts.keys()].sort();
  }

  get since(): number {
    return this.lastSeq;
  }

  /** Start (or keep) the connection; it opens once at least one topic is wanted. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (this.counts.size > 0) void this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "bye");
    this.sent.clear();
    this.setState("idle");
  }

  /** Want these topics until the returned function is called (counted: pages may share a topic). */
  want(topics: string[]): () => void {
    topics.forEach((t) => this.counts.set(t, (this.counts.get(t) ?? 0) + 1));
    this.scheduleSync();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      topics.forEach((t) => {
        const n = (this.counts.get(t) ?? 0) - 1;
        if (n <= 0) this.counts.delete(t);
        else this.counts.set(t, n);
      });
      this.scheduleSync();
    };
  }

  // Page changes release one set of topics and add the next in the same tick: sync once, afterwards.
  private scheduleSync(): void {
    if (this.syncScheduled) return;
    this.syncScheduled = true;
    queueMicrotask(() => {
      this.syncScheduled = false;
      this.sync();
    });
  }

  private sync(): void {
    if (this.stopped) return;
    if (!this.socket) {
      if (this.counts.size > 0 && !this.opening && this.retryTimer === null) void this.connect();
      return;
    }
    if (this.socket.readyState !== OPEN) return; // the topics go along when it opens (see onopen)
    for (const topic of this.counts.keys()) {
      if (!this.sent.has(topic)) this.send({ action: "subscribe", topic });
    }
    for (const topic of [...this.sent]) {
      if (!this.counts.has(topic)) this.send({ action: "unsubscribe", topic });
    }
    this.sent = new Set(this.counts.keys());
  }

  private send(frame: object): void {
    if (this.socket?.readyState === OPEN) this.socket.send(JSON.stringify(frame));
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onState?.(state);
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.retryTimer = this.silenceTimer = null;
  }

  private armSilence(socket: SocketLike): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      if (this.socket === socket) socket.close(4000, "no frame from the server");
    }, this.options.silenceMs ?? 45_000);
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    if (this.stopped || this.socket) return;
    const topics = this.topics;
    if (topics.length === 0) return;
    this.setState(this.everOpened ? "reconnecting" : "connecting");
    const resume = this.everOpened && this.lastSeq > 0 ? this.lastSeq : null;
    let url: string;
    this.opening = true;
    try {
      url = await this.options.url(topics, resume);
    } catch {
      this.retry();
      return;
    } finally {
      this.opening = false;
    }
    if (this.stopped || this.socket) return;
    const socket = (this.options.create ?? ((u: string) => new WebSocket(u) as unknown as SocketLike))(url);
    this.socket = socket;
    this.sent = new Set(topics);
    let welcomed = false;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      socket.send(JSON.stringify({ action: "auth", token: this.options.token?.() ?? "" }));
      this.armSilence(socket);
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      this.armSilence(socket);
      let frame: EventFrame | ControlFrame;
      try {
        frame = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if ("seq" in frame && typeof frame.seq === "number") {
        if (frame.seq <= this.lastSeq) return; // replay and live frames may overlap by one
        this.lastSeq = frame.seq;
        this.options.onEvent(frame as EventFrame);
      } else if (frame.type === "ping") {
        this.send({ action: "pong" });
      } else if (frame.type === "connection" && !welcomed) {
        welcomed = true;
        const wasReconnect = this.everOpened;
        this.everOpened = true;
        this.attempt = 0;
        this.setState("open");
        this.sync(); // topics wanted while the handshake ran
        if (wasReconnect && resume === null) this.options.onResync?.();
      }
    };
    socket.onerror = () => undefined; // onclose follows and decides
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.sent.clear();
      if (this.silenceTimer) clearTimeout(this.silenceTimer);
      if (this.stopped) return;
      if (ev.code === CLOSE_UNAUTHORIZED) {
        this.setState("unauthorized");
        return;
      }
      this.retry();
    };
  }

  private retry(): void {
    if (this.stopped) return;
    this.setState(this.everOpened ? "reconnecting" : "connecting");
    const delay = (this.options.backoffMs ?? backoff)(this.attempt++);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }
}
