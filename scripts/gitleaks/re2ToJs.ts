/**
 * Go RE2 syntax → a JavaScript RegExp (no `u` flag), for gitleaks' rules. What differs and how
 * it is converted:
 * - Flags: a leading `(?i)` with no `(?-i…)` anywhere becomes the `i` flag. Otherwise flags are
 *   scoped as RE2 scopes them (`(?i)` to the end of the enclosing group, `(?i:…)` to the group)
 *   and case-insensitive parts are spelled out (`a` → `[aA]`, `[a-f]` → `[a-fA-F]`), since
 *   Node 20's V8 has no inline modifiers.
 * - `(?s)` / `(?s:…)`: `.` becomes `[\s\S]`. `(?m)`: `^`/`$` become line-boundary lookarounds.
 *   `(?U)` (ungreedy) is refused.
 * - `(?P<name>…)` / `(?<name>…)` become plain capturing groups (same numbering; JS refuses
 *   repeated names and nothing reads the names).
 * - `[[:alnum:]]`-style POSIX classes are spelled out; `]` first in a class is a literal.
 * - `\z` → `(?![\s\S])`, `\A` → `(?<![\s\S])`, `\Q…\E` → escaped literal, `\x{HHHH}` → `\uHHHH`.
 * - `\p{…}`, `\C` and anything else unknown are refused (the rule is dropped and listed).
 * Known residual differences: RE2's `\s` is ASCII ([\t\n\f\r ]) while JS's also matches Unicode
 * spaces; JS `.` also stops at \r, U+2028 and U+2029; and JS backtracks where RE2 does not
 * (same matches, different cost).
 */
export type Converted = { source: string; flags: string } | { error: string };

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
}

const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

class Refused extends Error {}

export function re2ToJs(pattern: string): Converted {
  try {
    return convert(pattern);
  } catch (err) {
    if (err instanceof Refused) return { error: err.message };
    throw err;
  }
}

function convert(pattern: string): Converted {
  let pos = 0;
  const root: Flags = { i: false, s: false, m: false };
  // A leading flag group sets the root's flags; `i` then becomes the RegExp flag unless some
  // part of the pattern turns it off again.
  const lead = /^\(\?([imsU]+)\)/.exec(pattern);
  if (lead) {
    applyFlags(root, lead[1]!);
    pos = lead[0].length;
  }
  const globalI = root.i && !/\(\?[a-zA-Z]*-[a-zA-Z]*i/.test(pattern);
  const stack: Flags[] = [{ ...root }];
  let out = "";
  const fold = () => stack.at(-1)!.i && !globalI;

  while (pos < pattern.length) {
    const c = pattern[pos]!;
    const flags = stack.at(-1)!;
    if (c === "\\") {
      const [js, len] = escape(pattern, pos, fold());
      out += js;
      pos += len;
    } else if (c === "[") {
      const [js, len] = charClass(pattern, pos, fold());
      out += js;
      pos += len;
    } else if (c === "(") {
      if (pattern[pos + 1] !== "?") {
        stack.push({ ...flags });
        out += "(";
        pos++;
        continue;
      }
      const rest = pattern.slice(pos + 2);
      const named = /^P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      if (named) {
        stack.push({ ...flags });
        out += "(";
        pos += 2 + named[0].length;
        continue;
      }
      const flagGroup = /^([imsU]*(?:-[imsU]+)?)(:|\))/.exec(rest);
      if (!flagGroup)
        throw new Refused(`unsupported group syntax at ${pos}: (?${rest.slice(0, 6)}`);
      if (flagGroup[2] === ")") {
        // `(?i)` mid-pattern: applies to the rest of the enclosing group.
        applyFlags(flags, flagGroup[1]!);
      } else {
        const scoped = { ...flags };
        applyFlags(scoped, flagGroup[1]!);
        stack.push(scoped);
        out += "(?:";
      }
      pos += 2 + flagGroup[0].length;
    } else if (c === ")") {
      if (stack.length === 1) throw new Refused(`unbalanced ) at ${pos}`);
      stack.pop();
      out += ")";
      pos++;
    } else if (c === ".") {
      out += flags.s ? "[\\s\\S]" : ".";
      pos++;
    } else if (c === "^") {
      out += flags.m ? "(?<![^\\n])" : "^";
      pos++;
    } else if (c === "$") {
      out += flags.m ? "(?![^\\n])" : "$";
      pos++;
    } else if (c === "{") {
      // A repetition is copied as is (digits only); a `{` that is not one is a literal in both.
      const rep = /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(pos));
      if (rep) {
        out += rep[0];
        pos += rep[0].length;
      } else {
        out += "\\{";
        pos++;
      }
    } else if (c === "}") {
      out += "\\}";
      pos++;
    } else {
      out += fold() && isLetter(c) ? `[${bothCases(c)}]` : c;
      pos++;
    }
  }
  if (stack.length !== 1) throw new Refused("unbalanced (");
  const jsFlags = globalI ? "i" : "";
  try {
    new RegExp(out, jsFlags);
  } catch (err) {
    throw new Refused(`JS RegExp refused the conversion: ${(err as Error).message}`);
  }
  return { source: out, flags: jsFlags };
}

function applyFlags(target: Flags, spec: string) {
  const [on, off = ""] = spec.split("-");
  for (const f of on!) setFlag(target, f, true);
  for (const f of off) setFlag(target, f, false);
}

function setFlag(target: Flags, f: string, value: boolean) {
  if (f === "U") throw new Refused("ungreedy flag (?U) has no JS equivalent");
  target[f as keyof Flags] = value;
}

const isLetter = (c: string) => /[A-Za-z]/.test(c);
const bothCases = (c: string) => c.toLowerCase() + c.toUpperCase();

/** One escape outside a class: [JS text, characters consumed]. */
function escape(p: string, pos: number, fold: boolean): [string, number] {
  const n = p[pos + 1];
  if (n === undefined) throw new Refused("trailing backslash");
  if (n === "z") return ["(?![\\s\\S])", 2];
  if (n === "A") return ["(?<![\\s\\S])", 2];
  if (n === "Q") {
    const end = p.indexOf("\\E", pos + 2);
    const lit = p.slice(pos + 2, end < 0 ? p.length : end);
    const js = [...lit]
      .map((c) =>
        fold && isLetter(c) ? `[${bothCases(c)}]` : c.replace(/[\\^$.*+?()[\]{}|/-]/, "\\$&"),
      )
      .join("");
    return [js, (end < 0 ? p.length : end + 2) - pos];
  }
  if (n === "x" && p[pos + 2] === "{") {
    const end = p.indexOf("}", pos);
    const hex = p.slice(pos + 3, end);
    if (!/^[0-9a-fA-F]{1,4}$/.test(hex)) throw new Refused(`\\x{${hex}} beyond the BMP`);
    return [`\\u${hex.padStart(4, "0")}`, end + 1 - pos];
  }
  if (n === "x") return [p.slice(pos, pos + 4), 4];
  if (/[pPC]/.test(n)) throw new Refused(`\\${n} (Unicode classes) not converted`);
  if (/[1-9]/.test(n)) throw new Refused("backreference-like escape");
  if (/[dDwWsSbBnrtfv0]/.test(n)) return [`\\${n}`, 2];
  if (/[A-Za-z]/.test(n)) throw new Refused(`unknown escape \\${n}`);
  return [`\\${n}`, 2];
}

/** A class `[...]` starting at pos: [JS text, characters consumed]. */
function charClass(p: string, pos: number, fold: boolean): [string, number] {
  let i = pos + 1;
  let negate = false;
  if (p[i] === "^") {
    negate = true;
    i++;
  }
  const parts: string[] = [];
  const ranges: [number, number][] = [];
  let first = true;
  const readChar = (): { code: number } | { text: string } => {
    const c = p[i]!;
    if (c === "\\") {
      const n = p[i + 1];
      if (n === undefined) throw new Refused("trailing backslash in class");
      if (/[dDwWsS]/.test(n)) {
        i += 2;
        return { text: `\\${n}` };
      }
      if (/[pPC]/.test(n)) throw new Refused(`\\${n} in class not converted`);
      const simple: Record<string, number> = { n: 10, r: 13, t: 9, f: 12, v: 11, "0": 0 };
      if (n in simple) {
        i += 2;
        return { code: simple[n]! };
      }
      if (n === "x") {
        if (p[i + 2] === "{") {
          const end = p.indexOf("}", i);
          const code = parseInt(p.slice(i + 3, end), 16);
          i = end + 1;
          return { code };
        }
        const code = parseInt(p.slice(i + 2, i + 4), 16);
        i += 4;
        return { code };
      }
      if (/[A-Za-z0-9]/.test(n)) throw new Refused(`unknown escape \\${n} in class`);
      i += 2;
      return { code: n.charCodeAt(0) };
    }
    i++;
    return { code: c.charCodeAt(0) };
  };
  for (;;) {
    if (i >= p.length) throw new Refused("unterminated class");
    if (p[i] === "]" && !first) {
      i++;
      break;
    }
    first = false;
    const posix = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(i));
    if (posix) {
      const body = POSIX[posix[2]!];
      if (!body) throw new Refused(`unknown POSIX class ${posix[2]}`);
      if (posix[1]) throw new Refused("negated POSIX class inside a class");
      parts.push(body);
      i += posix[0].length;
      continue;
    }
    const lo = readChar();
    if ("text" in lo) {
      parts.push(lo.text);
      continue;
    }
    if (p[i] === "-" && p[i + 1] !== "]" && p[i + 1] !== undefined) {
      i++;
      const hi = readChar();
      if ("text" in hi) throw new Refused("class range ending in a class escape");
      ranges.push([lo.code, hi.code]);
    } else {
      ranges.push([lo.code, lo.code]);
    }
  }
  if (fold) {
    for (const [lo, hi] of [...ranges]) {
      const addShifted = (from: number, to: number, shift: number) => {
        const a = Math.max(lo, from);
        const b = Math.min(hi, to);
        if (a <= b) ranges.push([a + shift, b + shift]);
      };
      addShifted(97, 122, -32);
      addShifted(65, 90, 32);
    }
  }
  const body =
    parts.join("") + ranges.map(([a, b]) => (a === b ? lit(a) : `${lit(a)}-${lit(b)}`)).join("");
  return [`[${negate ? "^" : ""}${body}]`, i - pos];
}

function lit(code: number): string {
  const c = String.fromCharCode(code);
  if (/[A-Za-z0-9 _!"#%&',:;<=>@`~]/.test(c)) return c;
  if (/[\\\][^\-/.$*+?(){}|]/.test(c)) return `\\${c}`;
  return `\\u${code.toString(16).padStart(4, "0")}`;
}
