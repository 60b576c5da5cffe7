// @vitest-environment happy-dom
import type { CategoryDto } from "@contract";
import { MantineProvider } from "@mantine/core";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { AliasEditor } from "../../../src-renderer/features/routing/AliasEditor";
import { CategoryTable } from "../../../src-renderer/features/routing/CategoryTable";
import { TryRouteBox } from "../../../src-renderer/features/routing/TryRouteBox";

afterEach(cleanup);

// happy-dom has no CSS Font Loading API; Mantine's autosizing Textarea listens to it.
if (!("fonts" in document))
  Object.defineProperty(document, "fonts", { value: new EventTarget(), configurable: true });

const wrap = (node: ReactNode) => render(<MantineProvider>{node}</MantineProvider>);

const IDS = { localModels: ["qwen", "tiny"], pools: ["lab/gpt-4o"], aliases: ["coder"] };

/**
 * Picks `option` in the combobox named `name`. Inside a modal, happy-dom leaves the opened
 * dropdown `display: none` (its transition never runs), so the option is found among hidden ones;
 * clicking it goes through Mantine's own option handler all the same.
 */
async function choose(name: string, option: string) {
  fireEvent.click(screen.getByRole("combobox", { name }));
  fireEvent.click(await screen.findByRole("option", { name: option, hidden: true }));
}

describe("AliasEditor", () => {
  it("adds targets, reorders them and saves them in the order shown", async () => {
    const saved: unknown[] = [];
    wrap(
      <AliasEditor
        ids={IDS}
        categories={["general", "code"]}
        save={async (id, body) => saved.push({ id, body })}
        onClose={() => {}}
      />,
    );
    fireEvent.change(screen.getByLabelText("Model id"), { target: { value: "lab-default" } });
    fireEvent.click(screen.getByRole("button", { name: "Create alias" }));
    expect(await screen.findByText("Add at least one target.")).toBeTruthy();
    for (const id of ["tiny", "lab/gpt-4o", "qwen"]) {
      await choose("Target to add", id);
      fireEvent.click(screen.getByRole("button", { name: "Add target" }));
    }
    fireEvent.click(screen.getByRole("button", { name: "Move qwen up" }));
    fireEvent.click(screen.getByRole("button", { name: "Move tiny down" }));
    fireEvent.click(screen.getByRole("button", { name: "Remove lab/gpt-4o" }));
    const rows = within(screen.getByRole("group", { name: "Targets, in the order they are tried" }))
      .getAllByRole("listitem")
      .map((li) => li.getAttribute("data-target"));
    expect(rows).toEqual(["qwen", "tiny"]);
    fireEvent.click(screen.getByRole("button", { name: "Create alias" }));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toEqual({
      id: "lab-default",
      body: { description: "", targets: ["qwen", "tiny"], categories: [] },
    });
  });
});

const CATEGORIES: CategoryDto[] = [
  { name: "general", description: "Everyday writing.", examples: [], target: null, builtin: true },
  {
    name: "lab-docs",
    description: "The lab's documents.",
    examples: ["Where is the guide?"],
    target: "coder",
    builtin: false,
  },
];

describe("CategoryTable", () => {
  it("shows a viewer the route table read-only", async () => {
    wrap(
      <CategoryTable
        categories={CATEGORIES}
        targets={[{ group: "Aliases", items: ["coder"] }]}
        defaultTargetLabel="first local model: tiny"
        defaultCategory="general"
        canWrite={false}
        save={async () => {
          throw new Error("a viewer cannot save");
        }}
        remove={async () => {
          throw new Error("a viewer cannot delete");
        }}
      />,
    );
    const table = screen.getByRole("table", { name: "Route table" });
    const row = (name: string) => table.querySelector(`[data-category="${name}"]`) as HTMLElement;
    expect(within(row("general")).getByText("default (first local model: tiny)")).toBeTruthy();
    expect(within(row("lab-docs")).getByText("coder")).toBeTruthy();
    expect(screen.queryByRole("button", { name: "New category" })).toBeNull();
    expect(screen.queryByRole("button", { name: /^Delete/ })).toBeNull();
    fireEvent.click(within(row("lab-docs")).getByRole("button", { name: "View" }));
    const dialog = await screen.findByRole("dialog");
    expect((within(dialog).getByLabelText("Example 1") as HTMLTextAreaElement).value).toBe(
      "Where is the guide?",
    );
    // Read-only: the whole form sits in a disabled fieldset.
    expect(dialog.querySelector("fieldset")!.disabled).toBe(true);
    expect(within(dialog).queryByRole("button", { name: "Save category" })).toBeNull();
  });
});

describe("TryRouteBox", () => {
  it("sends the prompt with the chosen classifier and shows where it would go", async () => {
    const asked: unknown[] = [];
    wrap(
      <TryRouteBox
        aliases={["coder"]}
        test={async (body) => {
          asked.push(body);
          return {
            requested: "auto",
            category: "code",
            classifier: "knn",
            reason: "classified",
            score: 0.91,
            targets: ["coder-local", "lab/gpt-4o"],
            classifier_tokens: 12,
          };
        }}
      />,
    );
    fireEvent.click(screen.getByRole("button", { name: "Route it" }));
    expect(await screen.findByText("Type a prompt to route.")).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Prompt"), { target: { value: "fix my regex" } });
    fireEvent.click(screen.getByLabelText("kNN"));
    fireEvent.click(screen.getByRole("button", { name: "Route it" }));
    const table = await screen.findByRole("table", { name: "Where it would go" });
    expect(asked).toEqual([{ model: "auto", prompt: "fix my regex", classifier: "knn" }]);
    const cells = within(table)
      .getAllByRole("row")
      .map((r) => r.textContent);
    expect(cells).toEqual([
      "Requestedauto",
      "Categorycode",
      "ReasonClassified into this category",
      "Classifierknn",
      "Score0.910",
      "Targets, in ordercoder-local → lab/gpt-4o",
      "Classifier tokens12",
    ]);
  });
});
