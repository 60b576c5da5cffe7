// @vitest-environment happy-dom
import { MantineProvider } from "@mantine/core";
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { MessageView } from "../../../src-renderer/features/chat/MessageView";
import type { ChatMessage } from "../../../src-renderer/stores/useChatStore";

afterEach(cleanup);

const pending: ChatMessage = {
  id: "local_1",
  conversation_id: "local",
  position: 1,
  role: "assistant",
  content: "",
  model: "tiny",
  request_id: null,
  prompt_tokens: null,
  completion_tokens: null,
  cost_micros: null,
  ttft_ms: null,
  duration_ms: null,
  tokens_per_s: null,
  finish_reason: null,
  error: null,
  created_ms: 0,
  streaming: true,
};

function show(m: ChatMessage) {
  const view = (message: ChatMessage) => (
    <MantineProvider>
      <MessageView message={message} busy onRegenerate={() => {}} onEditAndResend={() => {}} />
    </MantineProvider>
  );
  const r = render(view(m));
  return { rerender: (next: ChatMessage) => r.rerender(view(next)) };
}

describe("the answer's place in line", () => {
  it("says how many are ahead in a polite live region, then gives way to the answer", () => {
    const { rerender } = show(pending);
    // The live region is there (empty) before the first place arrives, so that change is read out.
    const region = screen.getByRole("status");
    expect(region.getAttribute("aria-live")).toBe("polite");
    expect(region.textContent).toBe("");

    rerender({ ...pending, queuedAhead: 3 });
    expect(screen.getByRole("status").textContent).toBe("Waiting for the model — 3 ahead");
    expect(screen.getByRole("status")).toBe(region);
    rerender({ ...pending, queuedAhead: 0 });
    expect(screen.getByRole("status").textContent).toBe("Waiting for the model — next in line");

    rerender({ ...pending, content: "Hello there" });
    expect(screen.queryByRole("status")).toBeNull();
    expect(screen.queryByText(/Waiting for the model/)).toBeNull();
    expect(screen.getByText("Hello there")).toBeTruthy();
  });

  it("an answer no longer streaming shows no notice", () => {
    show({ ...pending, streaming: false, queuedAhead: 2 });
    expect(screen.queryByText(/Waiting for the model/)).toBeNull();
  });
});

describe("a routed answer", () => {
  it("says under the answer which category and target served it", () => {
    const answer = { ...pending, content: "Hello", streaming: false, model: "auto" };
    show({ ...answer, route: { category: "code", target: "tiny" } });
    expect(screen.getByText("routed: code → tiny")).toBeTruthy();
    cleanup();
    show(answer);
    expect(screen.queryByText(/^routed/)).toBeNull();
  });
});
