// Wires the one LiveSocket to the query cache and exposes its state and per-page topic subscriptions.
import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { getToken, setToken } from "@/api/token";
import { LiveCache } from "./invalidation";
import { LiveSocket, type ConnectionState } from "./socket";

type Live = { socket: LiveSocket; state: ConnectionState };
const LiveContext = createContext<Live | null>(null);

/** The socket's address: topics and resume point only; the token goes in the first frame, never the URL. */
export function socketUrl(base: Location, topics: string[], since: number | null): string {
  const params = new URLSearchParams({ topics: topics.join(",") });
  if (since !== null) params.set("since", String(since));
  const scheme = base.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${base.host}/ws?${params}`;
}

export function LiveProvider({ token, children }: { token: string; children: ReactNode }) {
  const client = useQueryClient();
  const [state, setState] = useState<ConnectionState>("idle");
  const socket = useMemo(() => {
    const cache = new LiveCache(client);
    return new LiveSocket({
      url: (topics, since) => socketUrl(window.location, topics, since),
      token: getToken,
      onEvent: (frame) => cache.apply(frame),
      onResync: () => cache.resync(),
      onState: (s) => {
        setState(s);
        if (s === "unauthorized") setToken(null, "rejected");
      },
    });
  }, [client]);

  useEffect(() => {
    socket.start();
    return () => socket.stop();
  }, [socket, token]);

  const value = useMemo(() => ({ socket, state }), [socket, state]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error("useLive outside LiveProvider");
  return live;
}

export function useConnectionState(): ConnectionState {
  return useLive().state;
}

/** Receive these topics' events while the calling component is mounted. */
export function useLiveTopics(topics: readonly string[]): void {
  const { socket } = useLive();
  const joined = topics.join(",");
  useEffect(() => socket.want(joined.split(",").filter(Boolean)), [socket, joined]);
}
