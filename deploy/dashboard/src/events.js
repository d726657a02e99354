// Pure helpers (no DOM): what a frame says in one line, and the WebSocket address.

export const TOPICS = [
  "messages", "noise_filtering", "knowledge", "proposals", "tasks",
  "analysis", "experiments", "agents", "providers",
];

export function wsUrl(location, topics, token, since) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const params = new URLSearchParams({ topics: topics.join(","), token });
  if (since > 0) params.set("since", String(since));
  return `${scheme}://${location.host}/ws?${params}`;
}

export function describe(frame) {
  const data = frame.data ?? {};
  switch (frame.type) {
    case "messages.ingested":
      return { text: `${data.author?.display_name ?? "?"}: ${data.text}` };
    case "noise_filtering.message_scored":
      return { text: `${data.classification} ${data.score.toFixed(2)} — ${data.text}`, tone: data.classification };
    case "messages.embedded":
      return { text: `${data.key} embedded (${data.model_id}, ${data.dimensions}-d)` };
    default:
      return { text: data.title ?? data.name ?? data.key ?? data.job_id ?? JSON.stringify(data).slice(0, 160) };
  }
}
