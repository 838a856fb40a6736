// torchvision's Resize(int) + CenterCrop geometry in plain numbers: shared by decoding (native/sharp.ts) and by the
// mapping of heatmap boxes back to original pixels (crop/geometry.ts), which must not load sharp to do arithmetic.

/** Python's round(): halves go to the even neighbour; torchvision's center_crop uses it for the offsets. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** torchvision Resize(int) output size: the shorter side becomes `size`, the longer is truncated (int()), as in torchvision 0.14. */
export function resizedSize(width: number, height: number, size: number): { width: number; height: number } {
  if (width <= height) return { width: size, height: Math.max(1, Math.floor((size * height) / width)) };
  return { width: Math.max(1, Math.floor((size * width) / height)), height: size };
}

/** torchvision center_crop offsets (top, left) of a crop x crop window in a width x height image; negative when the crop is larger (zero padding). */
export function cropOffset(width: number, height: number, crop: number): { top: number; left: number } {
  return { top: roundHalfEven((height - crop) / 2), left: roundHalfEven((width - crop) / 2) };
}
