import { Image, Skeleton } from "@mantine/core";
import QRCode from "qrcode";
import { useEffect, useState } from "react";

/** Pixels; the SVG scales, so this is only its box. Defaults to `168`. */
const SIZE = 168;

/**
 * `text` as a QR code image, rendered locally to an SVG `data:` URL (the window's CSP allows
 * `img-src data:`): a teammate's phone or laptop camera picks the address up.
 */
export function QrCode({ text, label }: { text: string; label: string }) {
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    let current = true;
    QRCode.toString(text, { type: "svg", margin: 1, errorCorrectionLevel: "M" }).then(
      (svg) => {
        if (current) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
      },
      () => {
        if (current) setSrc(undefined);
      },
    );
    return () => {
      current = false;
    };
  }, [text]);
  if (!src) return <Skeleton w={SIZE} h={SIZE} />;
  // A white quiet zone in both themes: scanners need dark modules on a light ground.
  return <Image src={src} alt={label} w={SIZE} h={SIZE} bg="white" p={4} radius="sm" />;
}
