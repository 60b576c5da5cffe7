// Must stay the first import: it configures zod before the contract's schemas are created.
import "./lib/configureZod";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
// The component kit's styles (its global baseline sets the page's font, colours and box sizing
// for both themes); features style themselves with Mantine props, chat's markdown with chat.css.
import "@mantine/core/styles.css";
import "@mantine/notifications/styles.css";
import "@mantine/charts/styles.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
