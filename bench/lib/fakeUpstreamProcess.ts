// The fake OpenAI-compatible upstream of test/fixtures/fakeUpstream.ts in a process of its own, so
// the benchmark's load generator does not share its CPU: `node --import tsx` this file; it prints
// `{"url": "http://127.0.0.1:<port>"}` on one stdout line once listening and exits on SIGTERM,
// SIGINT or when its stdin closes (the parent went away).
//
// It answers every request at once (no delay) with the fixture's default: "Hello from upstream",
// usage 11 prompt + 7 completion tokens; streamed answers are a role chunk, 3 content chunks, a
// finish chunk, the usage chunk (when `stream_options.include_usage` is set) and `[DONE]`.
import { startFakeUpstream } from "../../test/fixtures/fakeUpstream.js";

const upstream = await startFakeUpstream({ protocol: "openai", models: ["gpt-4o-mini"] });
// The fixture records every request for tests; a benchmark sends hundreds of thousands, so the
// record is cleared often to keep memory (and the GC) flat.
const trim = setInterval(() => upstream.reset(), 200);
process.stdout.write(`${JSON.stringify({ url: upstream.url })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  clearInterval(trim);
  void upstream.close().then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
process.stdin.on("end", stop);
process.stdin.on("close", stop);
process.stdin.resume();
