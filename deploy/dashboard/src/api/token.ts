// The API token for this browser tab: kept in sessionStorage (gone when the tab closes), observable for React.
const KEY = "tt.token";
const listeners = new Set<() => void>();

export function getToken(): string | null {
  return sessionStorage.getItem(KEY);
}

let rejected = false;

/** Whether the last token was dropped because the server refused it (the login form says so). */
export function tokenRejected(): boolean {
  return rejected;
}

export function setToken(token: string | null, reason: "rejected" | "signed-out" = "signed-out"): void {
  rejected = token === null && reason === "rejected";
  if (token) sessionStorage.setItem(KEY, token);
  else sessionStorage.removeItem(KEY);
  listeners.forEach((l) => l());
}

export function subscribeToken(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Take the token once from the address — `#token=…` (a fragment never reaches a server) or `?token=…` — and drop
 * it from there, so it is neither bookmarked nor sent again.
 */
export function adoptTokenFromUrl(location: Location, history: History): void {
  const params = new URLSearchParams(location.search);
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const token = fragment.get("token") ?? params.get("token");
  if (!token) return;
  setToken(token);
  params.delete("token");
  fragment.delete("token");
  const query = params.toString();
  const hash = fragment.toString();
  history.replaceState(history.state, "", location.pathname + (query ? `?${query}` : "") + (hash ? `#${hash}` : ""));
}
