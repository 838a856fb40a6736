// From the model-input view back to the original image: the model sees the image resized (shorter side to
// pre.resize) and center-cropped to pre.crop, so a heatmap box lives in that crop's pixels.
import type { EdgeBox } from '../../core/cropBox';
import type { Preprocess } from '../model/types';
import { cropOffset, resizedSize } from '../image/geometry';

/**
 * Maps a box in model-input pixels (edges in 0..pre.crop) to the original (EXIF-oriented) image's pixels through the
 * same resize + center-crop geometry as decoding (torchvision's truncated resize, round-half-even crop offsets).
 * Edges are real-valued and clipped to the image; null when the box lies wholly in the zero padding of an image
 * smaller than the crop.
 */
export function inputBoxToOriginal(box: EdgeBox, original: { width: number; height: number }, pre: Preprocess): EdgeBox | null {
  const resized = resizedSize(original.width, original.height, pre.resize);
  const { top, left } = cropOffset(resized.width, resized.height, pre.crop);
  // Per axis: the truncated longer side makes the two scale factors differ slightly.
  const sx = original.width / resized.width;
  const sy = original.height / resized.height;
  const clip = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  const out = {
    x0: clip((box.x0 + left) * sx, original.width),
    x1: clip((box.x1 + left) * sx, original.width),
    y0: clip((box.y0 + top) * sy, original.height),
    y1: clip((box.y1 + top) * sy, original.height),
  };
  return out.x1 > out.x0 && out.y1 > out.y0 ? out : null;
}
