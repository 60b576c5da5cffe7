import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventBus } from "../../src-main/app/eventBus.js";
import type { NotificationMessage, Notifier } from "../../src-main/platform/types.js";
import {
  alertNotification,
  dollars,
  notifyOnAlerts,
  type AlertEventData,
} from "../../src-main/shell/alertNotifications.js";
import { startTestServer, type TestServer } from "../helpers/testServer.js";

/** Collects what would have been shown: the Notifier the shell passes is Electron's. */
class ShownNotifications implements Notifier {
  shown: NotificationMessage[] = [];
  notify(message: NotificationMessage): void {
    this.shown.push(message);
  }
}

const alert = (over: Partial<AlertEventData>): AlertEventData => ({
  memberId: "m1",
  kind: "daily_cap",
  thresholdPct: 80,
  period: "2026-05-04",
  capMicros: 10_000_000,
  spentMicros: 8_000_000,
  ...over,
});

describe("alertNotification", () => {
  it("says who, which cap, how much of it, and for which period", () => {
    expect(alertNotification(alert({}), "Ada")).toEqual({
      title: "Ada has used 80% of the daily spending cap",
      body: "$8.00 of $10.00 spent on 2026-05-04.",
    });
    expect(
      alertNotification(
        alert({
          kind: "monthly_cap",
          thresholdPct: 100,
          period: "2026-05",
          spentMicros: 10_250_000,
        }),
        "Ada",
      ),
    ).toEqual({
      title: "Ada reached the monthly spending cap",
      body: "$10.25 of $10.00 spent in 2026-05. Requests that would go over it are refused.",
    });
    expect(alertNotification(alert({ memberId: null, thresholdPct: 100 }), undefined)).toEqual({
      title: "The lab reached the daily spending cap",
      body: "$8.00 of $10.00 spent on 2026-05-04. Requests that would go over it are refused.",
    });
    expect(
      alertNotification(
        alert({ kind: "credits", thresholdPct: 100, capMicros: 63, spentMicros: 0 }),
        "Ada",
      ),
    ).toEqual({
      title: "Ada ran out of credits",
      body: "A request needing $0.000063 was refused with $0.00 available. Add credits in Benchtop.",
    });
    // A member deleted since: still a useful notification.
    expect(alertNotification(alert({}), undefined).title).toBe(
      "A member has used 80% of the daily spending cap",
    );
  });

  it("formats micro-dollars like the API's errors", () => {
    expect([0, 1, 63, 9_999, 10_000, 1_234_567, 12_500_000].map(dollars)).toEqual([
      "$0.00",
      "$0.000001",
      "$0.000063",
      "$0.009999",
      "$0.01",
      "$1.23",
      "$12.50",
    ]);
  });
});

describe("notifyOnAlerts", () => {
  it("notifies for alert events only, and stops when unsubscribed", () => {
    const events = new EventBus();
    const notifier = new ShownNotifications();
    const off = notifyOnAlerts(events, notifier, (id) => (id === "m1" ? "Ada" : undefined));
    events.emit({ type: "usage", memberId: "m1", data: {} });
    events.emit({ type: "alert", memberId: "m1", data: alert({}) });
    // Not an alert's shape: ignored rather than shown half-filled.
    events.emit({ type: "alert", memberId: null, data: { kind: "daily_cap" } });
    expect(notifier.shown).toEqual([
      {
        title: "Ada has used 80% of the daily spending cap",
        body: "$8.00 of $10.00 spent on 2026-05-04.",
      },
    ]);
    off();
    events.emit({ type: "alert", memberId: "m1", data: alert({}) });
    expect(notifier.shown).toHaveLength(1);
    expect(events.size).toBe(0);
  });
});

describe("with a real core", () => {
  let t: TestServer;
  const notifier = new ShownNotifications();
  beforeAll(async () => {
    t = await startTestServer();
    notifyOnAlerts(t.core.events, notifier, (id) => t.core.store.members.get(id)?.name);
  });
  afterAll(() => t?.close());

  const ask = (client: OpenAI) =>
    client.chat.completions
      .create({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 4 })
      .then(
        () => "ok",
        (e: unknown) => {
          if (!(e instanceof OpenAI.APIError)) throw e;
          return `${e.status} ${e.code}`;
        },
      );

  it("shows the ledger's alerts: a member out of credits, a member at a daily cap", async () => {
    // 4 output tokens at $2.50/M: every request's worst case is 10 micro-dollars.
    t.core.store.limits.setPrice({
      model: "tiny",
      input_micros_per_mtok: 0,
      output_micros_per_mtok: 2_500_000,
      billing_mode: "member",
    });
    const grace = t.addMember({ name: "Grace" });
    expect(await ask(grace.openai)).toBe("429 insufficient_credits");
    // Raised once a day: a second refusal shows nothing new.
    expect(await ask(grace.openai)).toBe("429 insufficient_credits");
    expect(notifier.shown).toEqual([
      {
        title: "Grace ran out of credits",
        body: "A request needing $0.00001 was refused with $0.00 available. Add credits in Benchtop.",
      },
    ]);

    t.core.store.limits.setPrice({
      model: "tiny",
      input_micros_per_mtok: 0,
      output_micros_per_mtok: 2_500_000,
      billing_mode: "org",
    });
    const alan = t.addMember({ name: "Alan", limits: { daily_cap_micros: 5 } });
    expect(await ask(alan.openai)).toBe("429 insufficient_quota");
    const [raised] = t.core.store.alerts.list({ memberId: alan.id });
    expect(notifier.shown.slice(1)).toEqual([
      {
        title: "Alan reached the daily spending cap",
        body: `$0.00 of $0.000005 spent on ${raised!.period}. Requests that would go over it are refused.`,
      },
    ]);
  });
});
