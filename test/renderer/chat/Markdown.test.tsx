// @vitest-environment happy-dom
import { MantineProvider } from "@mantine/core";
import { cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { Markdown } from "../../../src-renderer/features/chat/Markdown";
import { messageMetricsText, snippetRuns } from "../../../src-renderer/lib/chatMetrics";
import type { ChatMessage } from "../../../src-renderer/stores/useChatStore";

afterEach(cleanup);

const show = (text: string) =>
  render(
    <MantineProvider>
      <Markdown text={text} />
    </MantineProvider>,
  ).container;

describe("chat markdown", () => {
  it("renders markdown and highlights code by its language", () => {
    const el = show(
      "**bold** and `code`\n\n```js\nconst a = 1; // one\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    );
    expect(el.querySelector("strong")?.textContent).toBe("bold");
    expect(el.querySelector("pre code.language-js")).not.toBeNull();
    expect(el.querySelector(".hljs-keyword")?.textContent).toBe("const");
    expect(el.querySelector(".hljs-comment")?.textContent).toBe("// one");
    expect(el.querySelectorAll("td")).toHaveLength(2);
  });

  it("never renders raw HTML, script links or images", () => {
    const el = show(
      '<img src="http://127.0.0.1:9/leak" onerror="alert(1)"><script>alert(2)</script>\n\n' +
        "[click](javascript:alert(3)) ![pic](http://127.0.0.1:9/leak.png)",
    );
    expect(el.querySelector("img")).toBeNull();
    expect(el.querySelector("script")).toBeNull();
    expect(el.querySelector("[onerror]")).toBeNull();
    expect(el.textContent).toContain('<img src="http://127.0.0.1:9/leak" onerror="alert(1)">');
    const links = [...el.querySelectorAll("a")];
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["", "http://127.0.0.1:9/leak.png"]);
    expect(links[1]!.textContent).toBe("[image: pic]");
    expect(links.every((a) => a.getAttribute("rel") === "noreferrer noopener")).toBe(true);
  });
});

describe("message metrics and search snippets", () => {
  const base: ChatMessage = {
    id: "msg_1",
    conversation_id: "conv_1",
    position: 1,
    role: "assistant",
    content: "x",
    model: "tiny",
    request_id: "req_1",
    prompt_tokens: 12,
    completion_tokens: 7,
    cost_micros: 26,
    ttft_ms: 40,
    duration_ms: 350,
    tokens_per_s: 22.46,
    finish_reason: "stop",
    error: null,
    created_ms: 0,
  };

  it("says tokens, time to first token, speed and cost; 'cost pending' until it settles", () => {
    expect(messageMetricsText(base)).toBe(
      "12 in · 7 out tokens · first token 40 ms · 22.5 tokens/s · $0.000026",
    );
    expect(
      messageMetricsText({
        ...base,
        prompt_tokens: null,
        completion_tokens: null,
        tokens_per_s: null,
        cost_micros: null,
        finish_reason: "aborted",
      }),
    ).toBe("first token 40 ms · cost pending · stopped");
    // Refused (no ledger row, so no cost will come): no "cost pending" under the error.
    expect(
      messageMetricsText({
        ...base,
        content: "",
        prompt_tokens: null,
        completion_tokens: null,
        ttft_ms: null,
        tokens_per_s: null,
        cost_micros: null,
        finish_reason: "error",
        error: { code: "insufficient_quota", message: "You exceeded your daily spend cap." },
      }),
    ).toBeNull();
    expect(messageMetricsText({ ...base, role: "user" })).toBeNull();
  });

  it("splits a snippet into plain and matched runs", () => {
    expect(snippetRuns("a \u0002kiwi\u0003 and \u0002b\u0003", "\u0002", "\u0003")).toEqual([
      { text: "a ", match: false },
      { text: "kiwi", match: true },
      { text: " and ", match: false },
      { text: "b", match: true },
    ]);
  });
});
