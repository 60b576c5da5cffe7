// Must stay the first import: it configures zod before the contract's schemas are created.
import "./lib/configureZod";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
// Mantine's styles first, so the app's own CSS can refine them.
import "@mantine/core/styles.css";
import "@mantine/notifications/styles.css";
import "@mantine/charts/styles.css";
import "./styles/index.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
