// Live view of the bus: one WebSocket (resumed from the last sequence seen), noise statistics and search.
import { describe, wsUrl, TOPICS } from "./events.js";

const state = { socket: null, retry: 0, lastSeq: Number(localStorage.getItem("tt.lastSeq") ?? 0) };
const $ = (id) => document.getElementById(id);
const token = () => localStorage.getItem("tt.token") ?? "";

function setConnection(text, ok) {
  $("connection").textContent = text;
  $("connection").classList.toggle("ok", ok);
}

function selectedTopics() {
  return [...document.querySelectorAll("#topics input:checked")].map((box) => box.value);
}

function showEvent(frame) {
  const item = document.createElement("li");
  const meta = document.createElement("span");
  meta.className = "meta";
  meta.textContent = `#${frame.seq} ${new Date(frame.occurred_at).toLocaleTimeString()} ${frame.type}`;
  const body = document.createElement("span");
  const { text, tone } = describe(frame);
  body.textContent = text;
  if (tone) body.className = tone;
  item.append(meta, body);
  $("events").prepend(item);
  while ($("events").children.length > 300) $("events").lastChild.remove();
}

async function recentStart(count = 200) {
  // A first visit shows the latest events from the durable log rather than an empty page.
  try {
    const health = await (await fetch("/api/v1/health/detailed")).json();
    return Math.max(0, (health.checks?.bus?.last_seq ?? 0) - count);
  } catch {
    return 0;
  }
}

async function connect() {
  state.socket?.close();
  if (!token()) return setConnection("no token", false);
  if (state.lastSeq === 0) state.lastSeq = await recentStart();
  const socket = new WebSocket(wsUrl(location, selectedTopics(), token(), state.lastSeq));
  state.socket = socket;
  socket.onopen = () => { state.retry = 0; setConnection("live", true); };
  socket.onmessage = (message) => {
    const frame = JSON.parse(message.data);
    if (frame.type === "ping") return socket.send(JSON.stringify({ action: "pong" }));
    if (frame.seq === undefined) return;
    state.lastSeq = Math.max(state.lastSeq, frame.seq);
    localStorage.setItem("tt.lastSeq", String(state.lastSeq));
    showEvent(frame);
  };
  socket.onclose = (event) => {
    setConnection(event.reason || "disconnected", false);
    if (event.code === 4401 || state.socket !== socket) return; // a bad token, or replaced by a newer socket
    state.retry = Math.min(state.retry + 1, 6);
    setTimeout(connect, 500 * 2 ** state.retry); // resumes with `since`, so nothing is missed
  };
}

async function refreshStats() {
  try {
    const stats = await (await fetch("/api/v1/noise/stats")).json();
    const rows = [
      ["messages", stats.total], ["signal", stats.counts.signal], ["weak signal", stats.counts.weak_signal],
      ["noise", stats.counts.noise], ["signal ratio", `${Math.round(stats.signal_ratio * 100)} %`],
    ];
    $("counts").replaceChildren(...rows.flatMap(([name, value]) => {
      const dt = document.createElement("dt"); dt.textContent = name;
      const dd = document.createElement("dd"); dd.textContent = value;
      return [dt, dd];
    }));
  } catch (error) {
    $("counts").textContent = `statistics unavailable (${error})`;
  }
}

async function search(event) {
  event.preventDefault();
  const params = new URLSearchParams({ q: $("query").value, mode: $("mode").value });
  const response = await fetch(`/api/v1/search?${params}`);
  const body = await response.json();
  const items = (body.results ?? []).map((hit) => {
    const item = document.createElement("li");
    item.textContent = `${hit.type}: ${hit.title ?? hit.text}`;
    return item;
  });
  if (!response.ok) items.push(Object.assign(document.createElement("li"), { textContent: body.detail }));
  $("results").replaceChildren(...items);
}

for (const topic of TOPICS) {
  const label = document.createElement("label");
  const box = Object.assign(document.createElement("input"), { type: "checkbox", value: topic, checked: true });
  box.addEventListener("change", connect);
  label.append(box, ` ${topic}`);
  $("topics").append(label);
}
// `…/dashboard/?token=…` (the link `tracker up` prints) stores the token and drops it from the address bar.
const tokenFromUrl = new URLSearchParams(location.search).get("token");
if (tokenFromUrl) {
  localStorage.setItem("tt.token", tokenFromUrl);
  history.replaceState(null, "", location.pathname);
}
$("token").value = token();
$("token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  localStorage.setItem("tt.token", $("token").value.trim());
  connect();
});
$("search-form").addEventListener("submit", search);
connect();
refreshStats();
setInterval(refreshStats, 10_000);
