/**
 * A TOML reader for the subset gitleaks' config uses: `key = value` with literal ('…', '''…''')
 * and basic ("…") strings, numbers, booleans and arrays (also over several lines), `[table]` and
 * `[[array.of.tables]]` headers, `#` comments. Not a general TOML parser: inline tables, dates
 * and dotted keys are not read (gitleaks.toml has none); anything else throws with the line.
 */
export type TomlValue = string | number | boolean | TomlValue[] | TomlTable | TomlTable[];
export interface TomlTable {
  [key: string]: TomlValue;
}

export function parseToml(text: string): TomlTable {
  const root: TomlTable = {};
  let current: TomlTable = root;
  let i = 0;
  const fail = (msg: string): never => {
    const line = text.slice(0, i).split("\n").length;
    throw new Error(`TOML line ${line}: ${msg}`);
  };
  const skipSpace = (newlines: boolean) => {
    for (;;) {
      const c = text[i];
      if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) i++;
      else if (c === "#") while (i < text.length && text[i] !== "\n") i++;
      else return;
    }
  };
  const readString = (): string => {
    if (text.startsWith("'''", i)) {
      const end = text.indexOf("'''", i + 3);
      if (end < 0) fail("unterminated '''");
      let s = text.slice(i + 3, end);
      if (s.startsWith("\n")) s = s.slice(1);
      i = end + 3;
      return s;
    }
    if (text[i] === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) fail("unterminated '");
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    // Basic string: JSON's escapes are TOML's (\uXXXX, \n, \", \\ …) for what gitleaks uses.
    let j = i + 1;
    while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
    if (j >= text.length) fail('unterminated "');
    const raw = text.slice(i, j + 1);
    i = j + 1;
    return JSON.parse(raw) as string;
  };
  const readValue = (): TomlValue => {
    const c = text[i];
    if (c === "'" || c === '"') return readString();
    if (c === "[") {
      i++;
      const out: TomlValue[] = [];
      for (;;) {
        skipSpace(true);
        if (text[i] === "]") {
          i++;
          return out;
        }
        out.push(readValue());
        skipSpace(true);
        if (text[i] === ",") i++;
        else if (text[i] !== "]") fail("expected , or ]");
      }
    }
    const m = /^(?:true|false|[+-]?\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(i, i + 40),
    );
    if (!m) return fail(`unsupported value ${JSON.stringify(text.slice(i, i + 20))}`);
    i += m[0].length;
    if (m[0] === "true" || m[0] === "false") return m[0] === "true";
    return Number(m[0].replaceAll("_", ""));
  };
  const tableAt = (path: string[], array: boolean): TomlTable => {
    let t: TomlTable = root;
    path.forEach((key, n) => {
      const last = n === path.length - 1;
      let next = t[key];
      if (last && array) {
        if (next === undefined) next = t[key] = [];
        if (!Array.isArray(next)) fail(`${key} is not an array of tables`);
        const fresh: TomlTable = {};
        (next as TomlTable[]).push(fresh);
        t = fresh;
        return;
      }
      if (next === undefined) next = t[key] = {};
      // A header below an array of tables extends its last element (`[[rules.allowlists]]`).
      t = Array.isArray(next) ? (next.at(-1) as TomlTable) : (next as TomlTable);
    });
    return t;
  };

  while (i < text.length) {
    skipSpace(true);
    if (i >= text.length) break;
    if (text[i] === "[") {
      const array = text[i + 1] === "[";
      const end = text.indexOf(array ? "]]" : "]", i);
      if (end < 0) fail("unterminated header");
      const name = text.slice(i + (array ? 2 : 1), end).trim();
      i = end + (array ? 2 : 1);
      current = tableAt(name.split("."), array);
      continue;
    }
    const key = /^[A-Za-z0-9_-]+/.exec(text.slice(i, i + 100));
    if (!key) fail("expected a key");
    i += key![0].length;
    skipSpace(false);
    if (text[i] !== "=") fail("expected =");
    i++;
    skipSpace(false);
    current[key![0]] = readValue();
    skipSpace(false);
    if (i < text.length && text[i] !== "\n") fail("expected end of line");
  }
  return root;
}
