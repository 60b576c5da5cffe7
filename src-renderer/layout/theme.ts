import { Badge, createTheme, Modal, Notification, type CSSVariablesResolver } from "@mantine/core";

/**
 * One theme for the whole app; light/dark follow the OS until the user picks one.
 *
 * Contrast: Mantine's defaults put small text under WCAG AA's 4.5:1 in places (dimmed text is
 * 3.3:1 on white and 3.5:1 on a dark card; green and teal badge text 3.8–4.3:1; white on
 * indigo-6 4.3:1). The primary shade is one step darker in the light theme, filled colours pick
 * black or white text by luminance, and `cssVariablesResolver` below darkens the rest.
 */
export const theme = createTheme({
  primaryColor: "indigo",
  // Light: indigo-7 (white text 5:1) instead of 6; dark: Mantine's default.
  primaryShade: { light: 7, dark: 8 },
  // Filled badges and buttons on light colours (teal, lime, yellow…) get black text.
  autoContrast: true,
  defaultRadius: "md",
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, sans-serif',
  fontFamilyMonospace: 'ui-monospace, "SF Mono", "Cascadia Mono", "DejaVu Sans Mono", monospace',
  components: {
    // A badge is a word or two: never ellipsised to "ERR…" when a table column is tight.
    Badge: Badge.extend({ styles: { root: { flexShrink: 0, minWidth: "max-content" } } }),
    // Mantine's close buttons are bare icons: name them for screen readers.
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { "aria-label": "Close" } } }),
    Notification: Notification.extend({
      defaultProps: { closeButtonProps: { "aria-label": "Close notification" } },
    }),
  },
});

/** Text colour for coloured text, light badges and outlines in the light theme: shade 9, darkened. */
const darkened = (color: string) =>
  `color-mix(in srgb, var(--mantine-color-${color}-9) 70%, black)`;

/**
 * CSS variables on top of Mantine's (passed to MantineProvider): dimmed text and coloured text
 * at 4.5:1 or more on the backgrounds they sit on (white, gray-0/1 table stripes, light badge
 * tints; dark-7 page and dark-6 cards).
 */
export const cssVariablesResolver: CSSVariablesResolver = (t) => {
  const light: Record<string, string> = {
    "--mantine-color-dimmed": "var(--mantine-color-gray-7)",
    "--mantine-color-error": "var(--mantine-color-red-9)",
  };
  for (const color of Object.keys(t.colors)) {
    if (color === "dark" || color === "gray") continue;
    light[`--mantine-color-${color}-text`] = darkened(color);
    light[`--mantine-color-${color}-light-color`] = darkened(color);
    light[`--mantine-color-${color}-outline`] = darkened(color);
  }
  return {
    variables: {},
    light,
    // Between dark-1 and dark-2: 5:1 on dark-6 cards, still quieter than the text (dark-0).
    // Error text red-5 (Mantine: red-8, 3.5:1 on the dark page).
    dark: {
      "--mantine-color-dimmed": "#a3a3a3",
      "--mantine-color-error": "var(--mantine-color-red-5)",
    },
  };
};
