// Lint rules. The import boundaries from DESIGN.md §1 are errors here:
//   electron*        only in src-main/shell/
//   node-llama-cpp   only in src-main/engine/
//   better-sqlite3   only in src-main/store/
//   the renderer imports nothing from src-main except src-main/contract/
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

const electronPaths = [
  { name: "electron", message: "Only src-main/shell/ may import electron (DESIGN.md §1)." },
  { name: "electron-updater", message: "Only src-main/shell/ may import electron-updater." },
];
const llamaPath = {
  name: "node-llama-cpp",
  message: "Only src-main/engine/ may import node-llama-cpp (DESIGN.md §1).",
};
const sqlitePath = {
  name: "better-sqlite3",
  message: "Only src-main/store/ may import better-sqlite3 (DESIGN.md §1).",
};

/** no-restricted-imports for a folder: every native owner except the folder's own. */
function restrict(...paths) {
  return { "no-restricted-imports": ["error", { paths }] };
}

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "release/**",
      "node_modules/**",
      "coverage/**",
      "test-results/**",
      "bench/.cache/**",
      "bench/results/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "error",
    },
  },
  // The core: no electron anywhere; each native dependency only in its owner folder.
  {
    files: ["src-main/**/*.ts"],
    ignores: ["src-main/shell/**", "src-main/engine/**", "src-main/store/**"],
    rules: restrict(...electronPaths, llamaPath, sqlitePath),
  },
  { files: ["src-main/engine/**/*.ts"], rules: restrict(...electronPaths, sqlitePath) },
  { files: ["src-main/store/**/*.ts"], rules: restrict(...electronPaths, llamaPath) },
  { files: ["src-main/shell/**/*.{ts,cts}"], rules: restrict(llamaPath, sqlitePath) },
  // The contract is shared with the renderer: zod only.
  {
    files: ["src-main/contract/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ group: ["node:*", "../*"], message: "The contract depends on zod only." }],
          paths: [...electronPaths, llamaPath, sqlitePath],
        },
      ],
    },
  },
  {
    files: ["src-renderer/**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [...electronPaths, llamaPath, sqlitePath],
          patterns: [
            {
              group: ["**/src-main/**", "!**/src-main/contract/**"],
              message: "The renderer may import only src-main/contract/ from src-main.",
            },
          ],
        },
      ],
    },
  },
  // Tests, benchmarks and scripts may print and may use any dependency (they drive the real parts).
  {
    files: ["test/**/*.{ts,tsx}", "bench/**/*.ts", "scripts/**/*.ts", "bin/**/*.js"],
    rules: { "no-console": "off" },
  },
  // Renderer tests run the renderer's code in a DOM (happy-dom) next to a real server.
  {
    files: ["test/renderer/**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
);
