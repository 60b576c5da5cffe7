import { describe, expect, it } from "vitest";
import { createDetectors } from "../../src-main/guard/detect/index.js";
import type { PiiType } from "../../src-main/guard/types.js";

const detectors = createDetectors();
/** [type, value] of each PII finding in `text`. */
const found = (text: string, types?: PiiType[]) =>
  detectors.pii(text, types && new Set(types)).map((f) => [f.type, f.value]);

describe("PII detectors", () => {
  it("find each type with its exact value and span", () => {
    const text = "Mail jane.doe+work@example.co.uk or call +44 20 7946 0958.";
    const findings = detectors.pii(text);
    expect(findings).toEqual([
      {
        kind: "pii",
        type: "email",
        rule: "pii.email",
        start: 5,
        end: 32,
        value: "jane.doe+work@example.co.uk",
      },
      {
        kind: "pii",
        type: "phone",
        rule: "pii.phone",
        start: 41,
        end: 57,
        value: "+44 20 7946 0958",
      },
    ]);
    for (const f of findings) expect(text.slice(f.start, f.end)).toBe(f.value);
  });

  it.each([
    ["phone", "Reach me at +1 415 555 2671 after 5pm", "+1 415 555 2671"],
    ["phone", "Büro: +49 30 901820, Handy später", "+49 30 901820"],
    ["phone", "Appelez le +33 1 42 68 53 00 svp", "+33 1 42 68 53 00"],
    ["phone", "office (415) 555-2671 ext 3", "(415) 555-2671"],
    ["phone", "my phone is 4155552671", "4155552671"],
    ["phone", "tel: 020 7946 0958", "020 7946 0958"],
    ["card", "card 4111 1111 1111 1111 exp 12/29", "4111 1111 1111 1111"],
    ["card", "amex 378282246310005.", "378282246310005"],
    ["card", "mc 5555-5555-5555-4444", "5555-5555-5555-4444"],
    ["iban", "IBAN: DE89 3704 0044 0532 0130 00 please", "DE89 3704 0044 0532 0130 00"],
    ["iban", "pay GB82WEST12345698765432 today", "GB82WEST12345698765432"],
    ["ip", "ssh to 10.20.30.40 then", "10.20.30.40"],
    ["ip", "server 2001:db8:85a3::8a2e:370:7334 is down", "2001:db8:85a3::8a2e:370:7334"],
    ["ssn", "her number 536-22-8790 on file", "536-22-8790"],
    ["ssn", "SSN: 536228790", "536228790"],
    ["nino", "NI number AB 12 34 56 C.", "AB 12 34 56 C"],
    ["nino", "nino=JG103759A", "JG103759A"],
    ["dob", "DOB: 1984-07-21", "1984-07-21"],
    ["dob", "born on July 4, 1976 in Ohio", "July 4, 1976"],
    ["dob", "geboren am 21.07.1984 in Köln", "21.07.1984"],
    ["dob", "née le 3 mars 1990", "3 mars 1990"],
    [
      "address",
      "ship to 1600 Pennsylvania Avenue, Washington, DC 20500 asap",
      "1600 Pennsylvania Avenue, Washington, DC 20500",
    ],
    ["address", "at 221B Baker Street, London NW1 6XE.", "221B Baker Street, London NW1 6XE"],
    ["address", "Wohnt in der Hauptstraße 5, 10115 Berlin", "Hauptstraße 5, 10115 Berlin"],
  ] as const)("%s: %s", (type, text, value) => {
    expect(found(text)).toEqual([[type, value]]);
  });

  it.each([
    ["ISO date", "released 2024-01-15 and 15/01/2024"],
    ["order id", "Order #4155552671 shipped; order 415-555-2671 too"],
    ["build number", "build 20231107.3 and build 1234 5678 901"],
    ["UUID", "id 123e4567-e89b-12d3-a456-426614174000"],
    ["semver", "upgrade to 1.2.3 or v10.0.19041 (version 4.1.12)"],
    ["version quad", "version 1.2.3.4 and v2.0.0.1"],
    ["price", "costs $1,299.00 or €4155552671"],
    ["git SHA", "commit 4155552671a3f0b1c2d3e4f5a6b7c8d9e0f1a2b3"],
    ["Luhn-invalid card", "4111 1111 1111 1112"],
    ["unknown issuer", "9111 1111 1111 1111"],
    ["IBAN bad checksum", "DE88 3704 0044 0532 0130 00"],
    ["invalid SSN areas", "000-12-3456 666-12-3456 912-34-5678 123-00-4567"],
    ["bare 9 digits without cue", "ticket 536228790"],
    ["NINO bad prefix", "GB 12 34 56 A"],
    ["date without cue", "the meeting on 1984-07-21"],
    ["loopback", "listen on 127.0.0.1:8080 or [::1] or 0.0.0.0"],
    ["time", "at 12:30:45 sharp"],
    ["out-of-range octets", "999.1.1.1 and 1.2.3.256"],
    ["code", "const x = arr[1234]; for (let i = 0; i < 100000; i++) sum += i * 4155;"],
  ])("not PII: %s", (_, text) => {
    expect(found(text)).toEqual([]);
  });

  it("scans only the types asked for", () => {
    const text = "jane@example.com, +1 415 555 2671";
    expect(found(text, ["phone"])).toEqual([["phone", "+1 415 555 2671"]]);
    expect(found(text, [])).toEqual([]);
  });

  it("an email's digits are not also a phone (non-overlapping)", () => {
    expect(found("write to 4155552671@txt.example.com")).toEqual([
      ["email", "4155552671@txt.example.com"],
    ]);
  });

  it("git SSH remotes and package scopes are not emails", () => {
    expect(found("git clone git@github.com:org/repo.git; npm i @types/node")).toEqual([]);
  });
});
