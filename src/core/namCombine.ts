/** Mean of several per-image max-normalised activation maps (same h x w); used for "spurious cue" overlays. */
export function meanOfNormalized(maps: Float32Array[]): Float32Array {
  if (maps.length === 0) throw new Error('meanOfNormalized needs at least one map');
  const n = maps[0].length;
  const out = new Float32Array(n);
  for (const m of maps) {
    if (m.length !== n) throw new Error(`maps differ in size: ${m.length} vs ${n} values`);
    let max = 0;
    for (let i = 0; i < n; i++) if (m[i] > max) max = m[i];
    if (max <= 0) continue; // a silent feature adds nothing rather than dividing by zero
    for (let i = 0; i < n; i++) out[i] += Math.max(0, m[i]) / max / maps.length;
  }
  return out;
}
