import type { CliRss } from "./cliRss.js";
import { median, type RunSummary } from "./stats.js";

export interface ConcurrencyResult {
  /** Medians over the repetitions. */
  decodeTps: number;
  steadyTps: number;
  e2eTps: number;
  tokensPerStream: number;
  meanTtftMs: number;
  runs: RunSummary[];
}

/**
 * Time-to-first-token samples: single stream with the full and with a short prompt, and with
 * the full prompt sent while 2 other streams decode (`busy`).
 */
export interface TtftSamples {
  full: { ms: number; foreignCores: number }[];
  short: { ms: number; foreignCores: number }[];
  busy: { ms: number; foreignCores: number }[];
}

export interface SystemReport {
  name: string;
  info: Record<string, unknown>;
  decode: Record<number, ConcurrencyResult>;
  /** Medians of the kept TTFT samples, ms, and the samples themselves. */
  ttftP50Ms: { full: number; short: number; busy: number };
  ttftSamples: TtftSamples;
  /** Most CPU other processes used during any of this system's measured runs, in cores. */
  maxForeignCores: number;
  /** Runs and TTFT samples left out of the medians because other processes were busy. */
  leftOut: number;
}

/**
 * Runs (or TTFT samples) during which other processes used more than this many cores are left
 * out of the medians (unless none is under the limit): on a 2-core machine a busy
 * neighbour stalls llama.cpp's thread pool and makes a figure meaningless.
 */
export const MAX_FOREIGN_CORES = 0.25;

function keepClean<T extends { foreignCores?: number }>(items: T[]): T[] {
  const clean = items.filter((i) => (i.foreignCores ?? 0) <= MAX_FOREIGN_CORES);
  return clean.length > 0 ? clean : items;
}

/** Medians per concurrency level and per TTFT kind, over the runs that were not disturbed. */
export function aggregateSystem(
  name: string,
  info: Record<string, unknown>,
  runs: Map<number, RunSummary[]>,
  ttft: TtftSamples,
): SystemReport {
  let leftOut = 0;
  const decode: Record<number, ConcurrencyResult> = {};
  for (const [n, all] of runs) {
    const kept = keepClean(all);
    leftOut += all.length - kept.length;
    const med = (f: (r: RunSummary) => number) => median(kept.map(f));
    decode[n] = {
      decodeTps: med((r) => r.decodeTps),
      steadyTps: med((r) => r.steadyTps),
      e2eTps: med((r) => r.e2eTps),
      tokensPerStream: med((r) => r.tokens / r.streams),
      meanTtftMs: med((r) => r.meanTtftMs),
      runs: all,
    };
  }
  const p50 = (samples: TtftSamples[keyof TtftSamples]) => {
    const kept = keepClean(samples);
    leftOut += samples.length - kept.length;
    return median(kept.map((s) => s.ms));
  };
  const ttftP50Ms = { full: p50(ttft.full), short: p50(ttft.short), busy: p50(ttft.busy) };
  const foreign = [
    ...[...runs.values()].flat().map((r) => r.foreignCores ?? 0),
    ...[...ttft.full, ...ttft.short, ...ttft.busy].map((s) => s.foreignCores),
  ];
  return {
    name,
    info,
    decode,
    ttftP50Ms,
    ttftSamples: ttft,
    maxForeignCores: Math.max(0, ...foreign),
    leftOut,
  };
}

export interface ReportOptions {
  promptTokens: number;
  shortPromptTokens: number;
  llamaServerNote?: string;
  cliRss: CliRss;
}

const MB_PER_MIB = 2 ** 20 / 1e6;
/** "Clearly above": the 8-stream aggregate at least this many times the single-stream rate. */
const CLEAR_SCALING = 1.2;
const LEVELS = [1, 4, 8];

const fmt = (n: number | undefined, digits = 1) =>
  n === undefined || !Number.isFinite(n) ? "—" : n.toFixed(digits);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !(b > 0) ? undefined : a / b;
const diff = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : a - b;
const num = (v: unknown) => (typeof v === "number" ? v : undefined);
const signed = (n: number | undefined) => (n === undefined || n < 0 ? fmt(n) : `+${fmt(n)}`);

/**
 * Prints one table (a row per metric, a column per system, then Benchtop/direct and
 * llama-server/Benchtop), RSS and the targets; returns the same figures for the JSON.
 */
export function printReport(systems: SystemReport[], opts: ReportOptions) {
  const by = (name: string) => systems.find((s) => s.name === name);
  const direct = by("direct");
  const benchtop = by("benchtop");
  const server = by("llama-server");
  const ttft = (s: SystemReport | undefined, kind: keyof TtftSamples) => s?.ttftP50Ms[kind];

  type Row = { label: string; value: (s: SystemReport) => number | undefined; digits?: number };
  const rate = (label: string, key: "decodeTps" | "steadyTps" | "e2eTps", n: number): Row => ({
    label: `${label} N=${n}`,
    value: (s) => s.decode[n]?.[key],
  });
  const rateRows: Row[] = [
    ...LEVELS.map((n) => rate("decode t/s", "decodeTps", n)),
    ...[4, 8].map((n) => rate("steady t/s", "steadyTps", n)),
    ...LEVELS.map((n) => rate("e2e t/s", "e2eTps", n)),
  ];
  const ttftRows: Row[] = [
    { label: `TTFT p50 ms, ${opts.promptTokens} tok`, value: (s) => ttft(s, "full") },
    { label: `TTFT p50 ms, ${opts.shortPromptTokens} tok`, value: (s) => ttft(s, "short") },
    { label: "TTFT p50 ms, 2 busy", value: (s) => ttft(s, "busy") },
  ];
  const otherRows: Row[] = [
    ...LEVELS.map((n) => ({
      label: `tokens/stream N=${n}`,
      value: (s: SystemReport) => s.decode[n]?.tokensPerStream,
      digits: 0,
    })),
    { label: "others' CPU, max cores", value: (s) => s.maxForeignCores, digits: 2 },
    { label: "left out (others busy)", value: (s) => s.leftOut, digits: 0 },
  ];

  const widths = [22, ...systems.map((s) => Math.max(9, s.name.length)), 11, 11];
  const line = (cells: string[]) =>
    console.log(
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "),
    );
  console.log("");
  line(["metric (median of reps)", ...systems.map((s) => s.name), "bt/direct", "llama/bt"]);
  for (const r of rateRows) {
    const v = (s?: SystemReport) => (s ? r.value(s) : undefined);
    line([
      r.label,
      ...systems.map((s) => fmt(r.value(s))),
      fmt(ratio(v(benchtop), v(direct)), 2),
      fmt(ratio(v(server), v(benchtop)), 2),
    ]);
  }
  for (const r of ttftRows) {
    const v = (s?: SystemReport) => (s ? r.value(s) : undefined);
    line([
      r.label,
      ...systems.map((s) => fmt(r.value(s))),
      signed(diff(v(benchtop), v(direct))),
      signed(diff(v(server), v(benchtop))),
    ]);
  }
  for (const r of otherRows)
    line([r.label, ...systems.map((s) => fmt(r.value(s), r.digits)), "", ""]);
  if (opts.llamaServerNote) console.log(`llama-server: ${opts.llamaServerNote}`);
  // The starvation figure the issue tracks: a request sent while two others decode, as a ratio.
  const busyVsServer = ratio(ttft(benchtop, "busy"), ttft(server, "busy"));
  console.log(
    `2 busy TTFT p50: benchtop ${fmt(ttft(benchtop, "busy"))} ms` +
      (server
        ? `, llama-server ${fmt(ttft(server, "busy"))} ms: benchtop/llama-server ${fmt(busyVsServer, 2)}x`
        : ", llama-server not measured"),
  );
  console.log(
    "decode: all tokens / first→last token of any stream; steady: while all N streams generate;\n" +
      "e2e: all tokens / first request→last response; TTFT rows: differences in ms;\n" +
      `2 busy: ${opts.promptTokens}-token prompt sent while 2 other streams decode`,
  );

  const perLevel = (a?: SystemReport, b?: SystemReport) =>
    Object.fromEntries(
      LEVELS.map((n) => [
        n,
        {
          decode: ratio(a?.decode[n]?.decodeTps, b?.decode[n]?.decodeTps),
          steady: ratio(a?.decode[n]?.steadyTps, b?.decode[n]?.steadyTps),
          e2e: ratio(a?.decode[n]?.e2eTps, b?.decode[n]?.e2eTps),
        },
      ]),
    ) as Record<number, { decode?: number; steady?: number; e2e?: number }>;
  const ratios = {
    benchtopOverDirect: perLevel(benchtop, direct),
    ttftOverheadMs: diff(ttft(benchtop, "full"), ttft(direct, "full")),
    ttftOverheadShortPromptMs: diff(ttft(benchtop, "short"), ttft(direct, "short")),
    ttftBusyOverheadMs: diff(ttft(benchtop, "busy"), ttft(direct, "busy")),
    /** "2 busy" TTFT p50, Benchtop over llama-server (1 = as quick; above 1 = slower). */
    ttftBusyBenchtopOverLlamaServer: busyVsServer,
    llamaServerOverBenchtop: server ? perLevel(server, benchtop) : undefined,
    llamaServerOverDirect: server ? perLevel(server, direct) : undefined,
    /** Aggregate decode at 8 streams over single-stream decode, per system. */
    scaling8over1: Object.fromEntries(
      systems.map((s) => [s.name, ratio(s.decode[8]?.decodeTps, s.decode[1]?.decodeTps)]),
    ),
  };

  const bi = benchtop?.info ?? {};
  const idleMiB = (num(bi.coreIdleRssMiB) ?? NaN) + (num(bi.hostIdleRssMiB) ?? NaN);
  const loadedMiB = (num(bi.coreLoadedRssMiB) ?? NaN) + (num(bi.hostLoadedRssMiB) ?? NaN);
  const directMiB = num(direct?.info.rssAfterLoadMiB);
  const cli = "skipped" in opts.cliRss ? undefined : opts.cliRss;
  console.log("\nRSS, MiB");
  console.log(
    cli
      ? `  benchtop CLI as shipped (dist, own process): idle core ${fmt(cli.coreIdleMiB, 0)}` +
          ` (engine host not started yet); loaded: core ${fmt(cli.coreLoadedMiB, 0)}` +
          ` + engine host ${fmt(cli.hostLoadedMiB, 0)}`
      : `  benchtop CLI: ${"skipped" in opts.cliRss ? opts.cliRss.skipped : ""}`,
  );
  console.log(
    `  benchtop in-process idle (host started, no model): core ${fmt(num(bi.coreIdleRssMiB), 0)} + engine host ` +
      `${fmt(num(bi.hostIdleRssMiB), 0)} = ${fmt(idleMiB, 0)} (${fmt(idleMiB * MB_PER_MIB, 0)} MB)` +
      `; the core shares this process, which was ${fmt(num(bi.rssBeforeCoreMiB), 0)} before it`,
  );
  console.log(
    `  benchtop in-process loaded: core ${fmt(num(bi.coreLoadedRssMiB), 0)} + engine host ` +
      `${fmt(num(bi.hostLoadedRssMiB), 0)} = ${fmt(loadedMiB, 0)}`,
  );
  console.log(
    `  direct loaded: ${fmt(directMiB, 0)} (this process; ` +
      `+${fmt((directMiB ?? NaN) - (num(direct?.info.rssBeforeLoadMiB) ?? NaN), 0)} for the model)`,
  );
  if (server) console.log(`  llama-server loaded: ${fmt(num(server.info.rssLoadedMiB), 0)}`);

  const single = ratios.benchtopOverDirect[1]?.decode;
  const scaling = ratios.scaling8over1.benchtop;
  const targets = {
    singleStreamDecode: { target: ">= 0.95x direct", value: single, met: (single ?? 0) >= 0.95 },
    ttftOverhead: {
      target: `<= 5 ms over direct (${opts.promptTokens}-token prompt)`,
      value: ratios.ttftOverheadMs,
      met: (ratios.ttftOverheadMs ?? Infinity) <= 5,
    },
    eightStreamScaling: {
      target: `8-stream aggregate decode clearly above single-stream (>= ${CLEAR_SCALING}x)`,
      value: scaling,
      met: (scaling ?? 0) >= CLEAR_SCALING,
    },
    llamaServerRatio: {
      target: "reported (llama-server / benchtop, decode at 8 streams)",
      value: ratios.llamaServerOverBenchtop?.[8]?.decode,
      met: server !== undefined,
    },
    idleRss: cli?.coreIdleMiB
      ? {
          target: "< 200 MB (shipped CLI, no model loaded: the core; the host starts on load)",
          value: cli.coreIdleMiB * MB_PER_MIB,
          met: cli.coreIdleMiB * MB_PER_MIB < 200,
        }
      : {
          target: "< 200 MB (in-process core + engine host, no model; includes tsx and the bench)",
          value: idleMiB * MB_PER_MIB,
          met: idleMiB * MB_PER_MIB < 200,
        },
  };
  console.log("\nTargets (reported, not asserted)");
  for (const [name, t] of Object.entries(targets)) {
    console.log(`  ${t.met ? "met  " : "BELOW"} ${name}: ${fmt(t.value, 3)} (target ${t.target})`);
  }
  return { systems, ratios, targets };
}
