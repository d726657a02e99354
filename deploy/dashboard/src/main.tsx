import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { adoptTokenFromUrl } from "@/api/token";
import { App } from "@/app/App";
import "./styles.css";

adoptTokenFromUrl(window.location, window.history);
createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
