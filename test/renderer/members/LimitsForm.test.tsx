// @vitest-environment happy-dom
import type { LimitsDto, LimitsViewDto } from "@contract";
import { MantineProvider } from "@mantine/core";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { LimitsForm } from "../../../src-renderer/features/members/LimitsForm";
import { SpendGauge } from "../../../src-renderer/features/members/SpendGauge";

afterEach(cleanup);

const VIEW: LimitsViewDto = {
  set: { daily_cap_micros: 100_000 },
  effective: {
    rpm: 60,
    tpm: null,
    max_concurrent: null,
    max_tokens: null,
    daily_cap_micros: 100_000,
    monthly_cap_micros: null,
    allowed_models: null,
    allowed_categories: null,
    gpu_weight: null,
    gpu_priority: null,
    max_gpu_sequences: null,
    max_queued: null,
  },
};

function showForm(view: LimitsViewDto = VIEW) {
  const saved: LimitsDto[] = [];
  render(
    <MantineProvider>
      <LimitsForm
        label="Limits of Ada"
        view={view}
        inherits
        models={["tiny"]}
        categories={["code", "simple"]}
        onSave={async (body) => {
          saved.push(body);
          return { set: body, effective: { ...view.effective, ...body } };
        }}
      />
    </MantineProvider>,
  );
  return saved;
}

/** Picks a field's mode through its segmented control. */
const pick = (field: string, mode: string) =>
  fireEvent.click(
    within(screen.getByRole("radiogroup", { name: `${field}: how it is set` })).getByLabelText(
      mode,
    ),
  );

describe("LimitsForm", () => {
  it("starts from what the member sets, hints the default, and saves exact micro-dollars", async () => {
    const saved = showForm();
    expect((screen.getByLabelText("Daily spend cap") as HTMLInputElement).value).toBe("0.10");
    expect(screen.getByText("Default: 60 requests/min")).toBeTruthy();
    pick("Requests per minute", "Set");
    fireEvent.change(screen.getByLabelText("Requests per minute"), { target: { value: "1" } });
    fireEvent.change(screen.getByLabelText("Daily spend cap"), { target: { value: "$0.29" } });
    pick("Tokens per minute", "No limit");
    fireEvent.click(screen.getByRole("button", { name: "Save limits" }));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toEqual({ rpm: 1, tpm: null, daily_cap_micros: 290_000 });
  });

  it("shows what is wrong per field and sends nothing", async () => {
    const saved = showForm();
    pick("Requests per minute", "Set");
    fireEvent.change(screen.getByLabelText("Requests per minute"), { target: { value: "-1" } });
    fireEvent.change(screen.getByLabelText("Daily spend cap"), { target: { value: "0.0000001" } });
    fireEvent.click(screen.getByRole("button", { name: "Save limits" }));
    await screen.findByText("Must be at least 1.");
    expect(
      screen.getByText("Use at most 6 decimal places (one micro-dollar is $0.000001)."),
    ).toBeTruthy();
    expect(saved).toEqual([]);
  });
});

describe("LimitsForm access by category", () => {
  it("offers the routing categories, reads the two lists together, and saves the picked ones", async () => {
    const saved = showForm({
      set: { allowed_models: ["tiny"] },
      effective: { ...VIEW.effective, allowed_models: ["tiny"] },
    });
    const categories = screen.getByRole("combobox", {
      name: "Allowed categories",
    }) as HTMLInputElement;
    expect(categories.disabled).toBe(true);
    // The default sets no category while this member lists a model: only that model passes.
    expect(screen.getByText("Default: None (only the models listed)")).toBeTruthy();
    pick("Allowed categories", "Set");
    fireEvent.click(categories);
    fireEvent.click(await screen.findByRole("option", { name: "code" }));
    pick("Allowed models", "No limit");
    expect(screen.getByText("None by id (only by category)")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Save limits" }));
    await waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]).toEqual({ allowed_models: null, allowed_categories: ["code"] });
  });

  it("says every model and every category when neither list is set", () => {
    showForm();
    expect(screen.getByText("Default: Every model")).toBeTruthy();
    expect(screen.getByText("Default: Every category")).toBeTruthy();
  });
});

describe("SpendGauge", () => {
  it("shows exact dollars against the cap", () => {
    render(
      <MantineProvider>
        <SpendGauge label="Today" spentMicros={37} capMicros={100_000} />
        <SpendGauge label="Month" spentMicros={1_234_500_000} capMicros={null} />
      </MantineProvider>,
    );
    expect(screen.getByText("$0.000037 of $0.10")).toBeTruthy();
    expect(screen.getByText("$1,234.50 · no cap")).toBeTruthy();
    expect(screen.getByRole("progressbar", { name: "Today: $0.000037 of $0.10" })).toBeTruthy();
  });
});
