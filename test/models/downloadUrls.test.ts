import { describe, expect, it } from "vitest";
import { downloadUrlProblem, redirectProblem } from "../../src-main/models/httpTransfer.js";

/**
 * Where a model download may go (the admin's URL and every redirect hop). Downloads run inside
 * the lab's network with the workstation's reach, so a URL from a model card must not be able
 * to make Benchtop fetch from this machine's own services or the cloud metadata endpoint.
 */
describe("downloadUrlProblem", () => {
  it("accepts https anywhere else and plain http to this machine", () => {
    for (const url of [
      "https://huggingface.co/org/repo/resolve/main/m.gguf",
      "https://10.1.2.3/m.gguf",
      "http://127.0.0.1:8080/m.gguf",
      "http://localhost/m.gguf",
      "http://[::1]:9000/m.gguf",
    ])
      expect(downloadUrlProblem(url), url).toBeNull();
  });

  it("refuses link-local, unspecified and metadata addresses, however they are written", () => {
    const problem = "must not name a link-local, unspecified or cloud metadata address";
    for (const url of [
      "https://169.254.169.254/latest/meta-data/m.gguf",
      "https://2852039166/m.gguf", // 169.254.169.254 as one number
      "https://[::ffff:169.254.169.254]/m.gguf",
      "https://[fe80::1]/m.gguf",
      "https://0.0.0.0/m.gguf",
      "https://[::]/m.gguf",
      "https://[fd00:ec2::254]/m.gguf",
      "https://100.100.100.200/m.gguf",
    ])
      expect(downloadUrlProblem(url), url).toBe(problem);
  });
});

describe("redirectProblem", () => {
  const hop = (from: string, to: string) => redirectProblem(new URL(from), new URL(to));

  it("refuses a hop from another machine to this one, over http or https", () => {
    const problem = "must not lead from another machine to this one";
    expect(hop("https://models.example/m.gguf", "http://127.0.0.1:11434/api/tags")).toBe(problem);
    expect(hop("https://models.example/m.gguf", "https://localhost:4747/v1/models")).toBe(problem);
    expect(hop("https://models.example/m.gguf", "http://[::1]/m.gguf")).toBe(problem);
  });

  it("knows this machine in every spelling the URL parser leaves (the address guard checks the rest)", () => {
    const problem = "must not lead from another machine to this one";
    for (const to of [
      "https://[::ffff:127.0.0.1]:8443/m.gguf",
      "https://[::ffff:7f00:1]/m.gguf",
      "https://localhost./m.gguf",
      "https://LOCALHOST../m.gguf",
      "https://api.localhost/m.gguf",
      "https://127.1/m.gguf",
      "https://0x7f000001/m.gguf",
      "https://017700000001/m.gguf",
      "https://[0:0:0:0:0:0:0:1]/m.gguf",
    ])
      expect(hop("https://models.example/m.gguf", to), to).toBe(problem);
    expect(hop("http://localhost./a.gguf", "http://[::ffff:127.0.0.1]/b.gguf")).toBeNull();
  });

  it("lets a mirror on this machine redirect within it, and anyone redirect to https elsewhere", () => {
    expect(hop("http://127.0.0.1:8080/a.gguf", "http://localhost:8080/b.gguf")).toBeNull();
    expect(hop("http://127.0.0.1:8080/a.gguf", "https://cdn.example/b.gguf")).toBeNull();
    expect(hop("https://huggingface.co/m.gguf", "https://cdn-lfs.hf.co/m.gguf")).toBeNull();
  });

  it("applies the URL rules to the hop too", () => {
    expect(hop("https://models.example/m.gguf", "http://10.0.0.5/m.gguf")).toBe(
      "must use https (plain http only to this machine)",
    );
    expect(hop("https://models.example/m.gguf", "https://169.254.169.254/m.gguf")).toBe(
      "must not name a link-local, unspecified or cloud metadata address",
    );
  });
});
