// A fake extension host for the harness page: defines acquireVsCodeApi and answers the panel's
// messages with deterministic mock data (10 classes of ~250 images, SVG data-URI thumbnails).
// Typed against src/shared/protocol.ts: every message it sends is a HostToWebview, every message it answers a
// WebviewToHost, and the switch over them is exhaustive, so a protocol change breaks `npm run typecheck` here
// instead of the screenshots. build.mjs bundles it (esbuild, IIFE) to dist/harness/mock-host.js.
// Query parameters: theme=light|dark|high-contrast, tab=<tab>, big=1 (first class gets 10,000 images),
// detail=1 (open an image detail), run=1 (start a mitigation run), results=1 (finished runs); README.md lists the rest.
import {
  assertNever, type ClassPageItem, type ClassSummary, type CollisionPair, type ComparisonView, type CompareModelView, type CropRecheck,
  type CropRecheckItem, type FeatureCard, type FeatureLabel, type HeatMode, type HostToWebview, type LabelingModels, type TuningMethod,
  type MitigationState, type PanelJob, type PanelState, type ReviewItem, type ReviewMarkKind, type SensitivityView, type SpuriousSubtype,
  type WebviewToHost,
} from '../../src/shared/protocol';

/** One mock image: its spuriosity score s, a variant number v for its drawing, and its prediction. */
interface MockImage {
  id: string;
  s: number;
  v: number;
  correct: boolean;
  predicted: string;
}
/** One mock top feature (the card fields the host owns). */
interface MockFeature {
  feature: number;
  rank: number;
  importance: number;
  perFeatureGap: number;
  label: FeatureLabel | null;
  subtype: SpuriousSubtype | null;
  /** The label is an accepted mask suggestion. */
  machine?: boolean;
}
/** One mock class. */
interface MockClass {
  name: string;
  c: number;
  images: MockImage[];
  features: MockFeature[];
  train: number;
}
/** What the smoke checks of screenshot.mjs read back: every message sent and received. */
interface HarnessLog {
  sent: WebviewToHost[];
  received: HostToWebview[];
}
declare global {
  interface Window {
    __harness: HarnessLog;
    acquireVsCodeApi: () => { postMessage(m: WebviewToHost): void; getState(): unknown; setState(s: unknown): void };
  }
}

(() => {
  const q = new URLSearchParams(location.search);
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const names = ['tench', 'goldfinch', 'golf ball', 'parachute', 'church', 'garbage truck', 'French horn', 'gas pump', 'chain saw', 'English springer'];
  const cues = ['water', 'sky', 'grass', 'sky', 'sky', 'road', 'people', 'road', 'wood', 'grass'];
  const cueColour: Record<string, string> = { water: '#3a78b5', sky: '#8cc4f0', grass: '#5a9a3a', road: '#777777', people: '#c89070', wood: '#8a6a40' };
  const objColour = ['#c0a040', '#e0c020', '#f0f0f0', '#d04040', '#a08070', '#408040', '#d0a020', '#c03030', '#e07020', '#805030'];
  const sent: WebviewToHost[] = []; const received: HostToWebview[] = [];
  window.__harness = { sent, received };

  const svg = (body: string): string => 'data:image/svg+xml,' + encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="128" height="128">${body}</svg>`);
  const thumb = (c: number, s: number, v: number): string => {
    const cue = cueColour[cues[c]];
    const t = Math.max(0, Math.min(1, 0.5 + s / 4));
    const r = 10 + (v % 7);
    // High spuriosity: the cue fills more of the frame; low: plain background.
    return svg(`<rect width="64" height="64" fill="#d8d4cc"/><rect y="${64 - 64 * t}" width="64" height="${64 * t}" fill="${cue}"/>` +
      `<circle cx="${20 + (v % 25)}" cy="${22 + (v % 19)}" r="${r}" fill="${objColour[c]}" stroke="#222" stroke-width="1"/>`);
  };
  // inferno, as the engine renders (dark = low, light yellow = high), blended at half opacity
  const heat = (x: number, y: number, r: number): string => svg(`<defs><radialGradient id="g"><stop offset="0" stop-color="#fcffa4" stop-opacity="0.9"/>` +
    `<stop offset="0.4" stop-color="#f98e09" stop-opacity="0.7"/><stop offset="0.7" stop-color="#bc3754" stop-opacity="0.55"/>` +
    `<stop offset="1" stop-color="#000004" stop-opacity="0.5"/></radialGradient></defs><rect width="64" height="64" fill="#000004" fill-opacity="0.5"/>` +
    `<circle cx="${x}" cy="${y}" r="${r}" fill="url(#g)"/>`);
  // an inferno-coloured heat layer (the host renders the colormap alone, laid over the crop at the panel's opacity)
  const heatLayer = (x: number, y: number, r: number): string => svg(`<defs><radialGradient id="g"><stop offset="0" stop-color="#fcffa4"/><stop offset="0.3" stop-color="#f98e09"/>` +
    `<stop offset="0.55" stop-color="#bc3754"/><stop offset="0.8" stop-color="#57106e"/><stop offset="1" stop-color="#000004"/></radialGradient></defs>` +
    `<rect width="64" height="64" fill="#000004"/><circle cx="${x}" cy="${y}" r="${r * 1.6}" fill="url(#g)"/>`);
  // images the review file flags as label errors (another engineer's review actions write it; here a fixed few)
  const labelErrors = new Set(['val/tench/img_00002.jpg', 'val/golf ball/img_00004.jpg', 'val/golf ball/img_00011.jpg']);
  const blend = (c: number, s: number, v: number, x: number, y: number, r: number): string => svg(`<image href="${thumb(c, s, v)}" width="64" height="64"/><image href="${heat(x, y, r)}" width="64" height="64"/>`);

  // classes=N (e.g. 1000) adds synthetic classes of 50 images to exercise the overview at ImageNet scale.
  for (let i = names.length; i < Number(q.get('classes') ?? 0); i++) { names.push(`class_${String(i).padStart(4, '0')}`); cues.push(cues[i % 10]); objColour.push(objColour[i % 10]); }
  const classes: MockClass[] = names.map((name, c) => {
    const n = q.get('big') === '1' && c === 0 ? 10000 : c >= 10 ? 50 : 230 + Math.floor(rand() * 40);
    const images: MockImage[] = [];
    for (let i = 0; i < n; i++) {
      const s = gauss();
      // church (4): a negative gap; goldfinch (1): a weak one whose interval includes 0 ("not significant")
      const wrongProb = c === 4 ? 0.15 + 0.1 * s : c === 1 ? 0.2 - 0.015 * s : 0.2 - 0.12 * s;
      const correct = rand() > wrongProb;
      images.push({ id: `val/${name}/img_${String(i).padStart(5, '0')}.jpg`, s, v: i * 7 + c, correct,
        predicted: correct ? name : names[(c + 1 + Math.floor(rand() * 9)) % 10] });
    }
    const features: MockFeature[] = [0, 1, 2, 3, 4].map((r) => ({ feature: 100 * c + 37 * r + 11, rank: r, importance: +(0.9 / (r + 1)).toFixed(3),
      perFeatureGap: +(0.25 - 0.06 * r + (c === 4 ? -0.3 : 0) + 0.02 * gauss()).toFixed(3), label: null, subtype: null }));
    return { name, c, images, features, train: 500 + Math.floor(rand() * 100) };
  });
  // Pre-label the first classes so rankings, gaps (one negative) and collisions exist.
  for (const c of [...classes.slice(0, 6), ...classes.slice(10).filter((_, i) => i % 3 === 0)]) {
    c.features.forEach((f, i) => {
      f.label = i === 1 || (i === 3 && c.c % 2 === 0) ? 'spurious' : 'core';
      f.subtype = f.label === 'spurious' ? (i === 1 ? 'background' : 'separate_object') : null;
    });
  }
  for (const c of classes.slice(6, 8)) c.features[0].label = 'core';

  /** 95% percentile-bootstrap interval of the k-high minus k-low accuracy over images sorted by spuriosity (seeded, 200 resamples). */
  const bootstrapCi = (sorted: MockImage[], k: number, seed0: number): [number, number] => {
    let bs = seed0;
    const r = () => ((bs = (bs * 1103515245 + 12345) % 2147483648) / 2147483648);
    const n = sorted.length;
    const gaps: number[] = [];
    for (let b = 0; b < 200; b++) {
      const cnt = new Array(n).fill(0);
      for (let j = 0; j < n; j++) cnt[Math.floor(r() * n)]++;
      let left = k, low = 0, high = 0;
      for (let p = 0; left > 0; p++) { const m = Math.min(cnt[p], left); low += m * (sorted[p].correct ? 1 : 0); left -= m; }
      left = k;
      for (let p = n - 1; left > 0; p--) { const m = Math.min(cnt[p], left); high += m * (sorted[p].correct ? 1 : 0); left -= m; }
      gaps.push((high - low) / k);
    }
    gaps.sort((a, b) => a - b);
    return [gaps[Math.floor(0.025 * (gaps.length - 1))], gaps[Math.ceil(0.975 * (gaps.length - 1))]];
  };
  const acc = (imgs: MockImage[]): number => imgs.filter((i) => i.correct).length / Math.max(1, imgs.length);
  const summary = (c: MockClass): ClassSummary => {
    const spurious = c.features.filter((f) => f.label === 'spurious').length;
    const sorted = [...c.images].sort((a, b) => a.s - b.s);
    const k = Math.min(25, Math.floor(sorted.length / 2));
    let gap: ClassSummary['gap'] = null;
    if (spurious > 0) {
      const v = acc(sorted.slice(-k)) - acc(sorted.slice(0, k));
      // a percentile bootstrap like core/gap.ts (a normal approximation gave [+52.3, +107.7]: past +100 points)
      const [lo, hi] = bootstrapCi(sorted, k, 1000 + c.c);
      gap = { value: v, lo, hi, k };
    }
    // the host's rule: negative only when the interval lies below 0 (the panel derives "not significant" itself)
    return { name: c.name, index: c.c, images: c.train, valImages: c.images.length, accuracy: acc(c.images), spuriousFeatures: spurious,
      labeled: c.features.every((f) => f.label !== null), gap, negative: gap !== null && gap.hi < 0 };
  };
  const mitigation: MitigationState = { running: null, maxEpochs: 10, history: [], results: [] };
  if (q.get('results') === '1') {
    mitigation.history = Array.from({ length: 7 }, (_, e) => ({ epoch: e, accuracy: 0.81 - 0.003 * e, gap: 0.16 * Math.exp(-e / 3) + 0.02 }));
    mitigation.results = [
      { method: 'low-spuriosity', before: { epoch: 0, accuracy: 0.81, gap: 0.18 }, after: { epoch: 6, accuracy: 0.792, gap: 0.041 }, epochs: 6, stoppedEarly: true, trainImages: 600 },
      { method: 'random', before: { epoch: 0, accuracy: 0.81, gap: 0.18 }, after: { epoch: 10, accuracy: 0.808, gap: 0.15 }, epochs: 10, stoppedEarly: false, trainImages: 1000 },
      { method: 'error', before: { epoch: 0, accuracy: 0.81, gap: 0.18 }, after: { epoch: 10, accuracy: 0.776, gap: 0.11 }, epochs: 10, stoppedEarly: false, trainImages: 1000 },
    ];
  }
  const state = (): PanelState => {
    const rows = classes.map(summary);
    const gaps = rows.flatMap((r) => (r.gap ? [r.gap.value] : []));
    const mean = gaps.length ? gaps.reduce((a, b) => a + b, 0) / gaps.length : null;
    const se = mean !== null && gaps.length > 1 ? Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / (gaps.length - 1) / gaps.length) : 0;
    return {
      dataset: { name: 'imagenette-mini', root: '/data/imagenette-mini' }, model: { name: 'resnet50-robust-l2-eps3' },
      splits: { train: rows.reduce((a, r) => a + r.images, 0), val: rows.reduce((a, r) => a + r.valImages, 0) },
      classes: rows, meanGap: mean === null ? null : { value: mean, lo: mean - 1.96 * se, hi: mean + 1.96 * se },
      progress: { labeledClasses: rows.filter((r) => r.labeled).length, totalClasses: rows.length },
      labelingOrder: [...classes].sort((a, b) => Math.max(...b.features.map((f) => f.perFeatureGap)) - Math.max(...a.features.map((f) => f.perFeatureGap))).map((c) => c.name),
      topK: 5, extraction: q.get('extraction') === '1' ? { split: 'train', done: 1830, total: 5480, rate: 17.9 } : null, mitigation,
      head: { source: q.get('head') === 'fit' ? 'fit' : 'model', mode: q.get('head') === 'fit' ? 'fit' : 'auto' },
    };
  };
  const byName = (n: string): MockClass | undefined => classes.find((c) => c.name === n);
  const findImage = (id: string): { c: MockClass; im: MockImage } | null => { for (const c of classes) { const im = c.images.find((i) => i.id === id); if (im) return { c, im }; } return null; };
  // Mask suggestions by rank: two confident core, two confident spurious, one between the thresholds.
  const SHARES = [0.83, 0.07, 0.14, 0.62, 0.05];
  const suggestionOf = (f: MockFeature): Pick<FeatureCard, 'suggestion' | 'suggestionNote'> => {
    const share = SHARES[f.rank % SHARES.length];
    if (share > 0.13 && share < 0.15) return { suggestion: null, suggestionNote: 'between the thresholds (13% - 15% on the object)' };
    return { suggestion: { label: share >= 0.15 ? 'core' : 'spurious', subtype: share >= 0.15 ? null : 'background', share, sd: 0.04, images: 20 }, suggestionNote: null };
  };
  const cards = (c: MockClass): FeatureCard[] => c.features.map((f) => ({ class: c.name, ...f, ...suggestionOf(f),
    images: [...c.images].sort((a, b) => b.s - a.s).slice(0, 5).map((im, j) => ({ id: im.id, thumbUri: thumb(c.c, im.s, im.v),
      heatUri: blend(c.c, im.s, im.v, 12 + ((f.rank * 13 + j * 7) % 40), 12 + ((f.rank * 29 + j * 11) % 40), 14), activation: +(3 - 0.3 * j).toFixed(2) })) }));

  const send = (msg: HostToWebview, delay = 10): void => void setTimeout(() => { received.push(msg); window.dispatchEvent(new MessageEvent('message', { data: msg })); }, delay);
  let timer: ReturnType<typeof setInterval> | undefined;
  const runMitigation = (method: TuningMethod): void => {
    clearInterval(timer);
    let epoch = 0;
    const point = () => ({ epoch, accuracy: 0.81 - 0.002 * epoch * (method === 'error' ? 2 : 1), gap: method === 'random' ? 0.18 - 0.003 * epoch : 0.16 * Math.exp(-epoch / 3) + 0.02 });
    send({ type: 'mitigationProgress', method, point: point() });
    timer = setInterval(() => {
      epoch++;
      send({ type: 'mitigationProgress', method, point: point() });
      if (epoch >= 6) {
        clearInterval(timer);
        send({ type: 'mitigationResult', result: { method, before: { epoch: 0, accuracy: 0.81, gap: 0.18 }, after: point(), epochs: epoch, stoppedEarly: method === 'low-spuriosity', trainImages: 600 } });
      }
    }, q.get('run') === '1' ? 500 : 150);
  };

  // Core crops: a box around the object circle of the thumbnail, squared and grown 20%; high-spuriosity images of
  // class 4 (the negative-gap one) often change prediction on the crop.
  const cropOf = (c: MockClass, im: MockImage, idx: number): Omit<CropRecheckItem, 'thumbUri' | 'spuriosity'> => {
    const r = 10 + (im.v % 7); const cx = 20 + (im.v % 25); const cy = 22 + (im.v % 19);
    const side = Math.min(64, 2 * r * 1.2); const x = Math.max(0, Math.min(64 - side, cx - side / 2)); const y = Math.max(0, Math.min(64 - side, cy - side / 2));
    const reliable = idx % 3 !== 2;
    const croppedPred = c.c === 4 && idx % 2 === 0 ? c.name : im.predicted;
    const noBox = idx === 7;
    return { id: im.id, box: noBox ? null : { x: x / 64, y: y / 64, w: side / 64, h: side / 64 },
      pixels: noBox ? null : [Math.round(x * 8), Math.round(y * 8), Math.round(side * 8), Math.round(side * 8)], imageSize: { width: 512, height: 512 },
      reliable: !noBox && reliable, reason: noBox ? 'no core activation on this image' : reliable ? '' : 'core activation 0.41 is below the class top-20% cutoff 0.87',
      original: { predicted: im.predicted, correct: im.correct }, cropped: noBox ? null : { predicted: croppedPred, correct: croppedPred === c.name } };
  };
  const recheck = (c: MockClass): CropRecheck => {
    const items = [...c.images].sort((a, b) => b.s - a.s).slice(0, 10).map((im, j) => ({ ...cropOf(c, im, j), thumbUri: thumb(c.c, im.s, im.v), spuriosity: im.s }));
    const withCrop = items.filter((i) => i.cropped);
    const changed = withCrop.filter((i) => i.cropped!.predicted !== i.original.predicted);
    return { class: c.name, gap: summary(c).gap?.value ?? null, coreFeatures: c.features.filter((f) => f.label === 'core').map((f) => f.feature), items,
      counts: { images: items.length, cropped: withCrop.length, changed: changed.length, fixed: changed.filter((i) => !i.original.correct && i.cropped!.correct).length,
        broken: changed.filter((i) => i.original.correct && !i.cropped!.correct).length, reliable: withCrop.filter((i) => i.reliable).length }, note: null };
  };
  const job = (name: PanelJob, extra: { class?: string; feature?: number }, steps: number, done: () => void): void => {
    let i = 0;
    const tick = () => {
      if (i >= steps) { send({ type: 'jobEnded', job: name }); done(); return; }
      send({ type: 'jobProgress', progress: { job: name, ...extra, message: `${i * 10} / ${steps * 10} images`, fraction: i / steps } });
      i++; jobTimer = setTimeout(tick, q.get('slow') === '1' ? 100000 : 120);
    };
    tick();
  };
  let jobTimer: ReturnType<typeof setTimeout> | undefined;
  const sensitivityOf = (c: MockClass, f: MockFeature): SensitivityView => {
    const spurious = f.label === 'spurious';
    // A background feature's images stay correct (accuracy saturated) while the true class's probability drops, as on the demo.
    const saturated = spurious && f.subtype === 'background';
    const drops = saturated ? { gray: 0.015, blur: 0, 'patch-rotate': -0.015 }
      : spurious ? { gray: 0.31 + 0.01 * f.rank, blur: 0.12, 'patch-rotate': 0.04 } : { gray: 0.03, blur: 0.09, 'patch-rotate': 0.27 + 0.01 * f.rank };
    const probabilityDrops = saturated ? { gray: 0.276, blur: 0.012, 'patch-rotate': 0.015 }
      : spurious ? { gray: 0.352, blur: 0.094, 'patch-rotate': 0.033 } : { gray: 0.068, blur: 0.081, 'patch-rotate': 0.162 + 0.01 * f.rank };
    return { class: c.name, feature: f.feature, images: 65, clean: saturated ? 1 : 0.94, drops, probabilityDrops, note: spurious ? 'mask without the core features\u2019 overlap' : null };
  };
  const comparison = (): ComparisonView => {
    // compare=edges: the demo's three models as the e2e run measured them (one at 100% on the plot's edge, a wide spread)
    const ms: Array<[string, number, number, number]> = q.get('compare') === 'edges' ? [['spurious-mnist', 0.888, 1, 0.71], ['spurious-mnist-b', 0.938, 0.99, 0.85], ['spurious-mnist-c', 0.624, 0.95, 0.17]]
      : [['demo-resnet-a', 0.91, 0.97, 0.80], ['demo-resnet-b', 0.88, 0.95, 0.74], ['demo-wide', 0.93, 0.98, 0.86], ['demo-debiased', 0.95, 0.96, 0.93], ['demo-small', 0.71, 0.88, 0.55]];
    const beta = ms.reduce((a, m) => a + m[2] * m[3], 0) / ms.reduce((a, m) => a + m[2] * m[2], 0);
    const models: CompareModelView[] = ms.map(([id, acc, hi, lo], i) => ({ id, path: `/models/${id}.onnx`, accuracy: acc, accHigh: hi, accLow: lo, meanGap: hi - lo, classes: 6, included: true, note: null, effectiveRobustness: lo - beta * hi,
      sha256: String(i + 1).repeat(64), spuriousPairs: 6 + i, annotations: `/data/imagenette-mini/.spuriosity/annotations.${String(i + 1).repeat(8)}.json` }));
    models.push({ id: 'unlabeled-vit', path: '/models/unlabeled-vit.onnx', accuracy: 0.9, accHigh: null, accLow: null, meanGap: null, classes: 0, included: false, note: 'no feature is labelled spurious in /data/imagenette-mini/.spuriosity/annotations.ffffffff.json: no class is ranked, so the model has no gap until its features are labelled', effectiveRobustness: null,
      sha256: 'f'.repeat(64), spuriousPairs: 0, annotations: '/data/imagenette-mini/.spuriosity/annotations.ffffffff.json' });
    const ids = ms.map((m) => m[0]);
    const r = [[1, 0.82, 0.74, 0.41, 0.66], [0.82, 1, 0.7, 0.35, 0.71], [0.74, 0.7, 1, 0.52, 0.58], [0.41, 0.35, 0.52, 1, -0.12], [0.66, 0.71, 0.58, -0.12, 1]]
      .slice(0, ms.length).map((row) => row.slice(0, ms.length));
    const mx = ms.reduce((a, m) => a + m[2], 0) / ms.length;
    const my = ms.reduce((a, m) => a + m[3], 0) / ms.length;
    const slope = ms.reduce((a, m) => a + (m[2] - mx) * (m[3] - my), 0) / ms.reduce((a, m) => a + (m[2] - mx) ** 2, 0);
    return { dataset: 'imagenette-mini', models, fit: { beta, r2: 0.83, ols: { slope, intercept: my - slope * mx } }, matrixModels: ids, matrix: r,
      shared: ids.map(() => ids.map(() => 6)), meanCorrelation: 0.51, variance: { classes: 6, acrossClasses: 212.4, acrossModels: 61.7, ratio: 3.44 },
      gapTable: classes.slice(0, 6).map((c, i) => ({ class: c.name, gaps: [...ms.map((m, j) => +((m[2] - m[3]) * (1 + 0.3 * Math.sin(i + j))).toFixed(3)), null] })),
      notes: ['unlabeled-vit: no feature labeled spurious for this model: left out of the statistics'] };
  };

  // models the Labeling view can switch to after a comparison (compare=1), and the review marks (review queue actions)
  const labelingModels = (active: string, loading = false): LabelingModels => {
    const ms = comparison().models.map((m, i) => ({ sha256: m.sha256 ?? '', id: m.id, annotations: m.annotations ?? '', spuriousPairs: m.spuriousPairs ?? 0, ranked: i === 0 }));
    const other = active !== ms[0].sha256;
    const order = classes.map((c) => c.name).reverse();
    return { models: ms, active, loading, ...(other && !loading ? { classes: state().classes.map((c) => ({ ...c, labeled: false })), order, progress: { labeledClasses: 0, totalClasses: classes.length }, topK: 5 } : {}) };
  };
  const marks = new Map<string, Partial<Record<ReviewMarkKind, true>>>();
  const handle = (m: WebviewToHost): void => {
    switch (m.type) {
      case 'ready':
        send({ type: 'state', state: state() });
        if (q.get('notice') === '1') send({ type: 'notify', level: 'warning', message: '3 images could not be decoded (val/tench/broken.jpg: not an image); they are left out.' });
        if (q.get('run') === '1') runMitigation('low-spuriosity');
        if (q.get('sens') === '1') for (const c of classes.slice(0, 10)) for (const f of c.features.slice(0, 3)) send({ type: 'sensitivity', result: sensitivityOf(c, f) });
        if (q.get('compare') === '1' || q.get('compare') === 'edges') send({ type: 'comparison', comparison: comparison() });
        if (q.get('compare') === '1') send({ type: 'labelingModels', models: labelingModels(q.get('labelmodel') === 'other' ? 'f'.repeat(64) : '1'.repeat(64)) });
        if (q.get('recheck') === '1') send({ type: 'cropRecheck', recheck: recheck(classes[4]) });
        break;
      case 'requestClassPage': {
        const c = byName(m.class);
        if (!c) return send({ type: 'notify', level: 'error', message: `Unknown class ${m.class}` });
        // like the host: positions in the ascending ranking, filtered (correct / predicted / label-error flag), then ordered
        const asc = [...c.images].sort((a, b) => a.s - b.s);
        const f = m.filter ?? {};
        let kept = asc.map((im, rank) => ({ im, rank })).filter(({ im }) => (f.correct === undefined || im.correct === f.correct)
          && (f.predicted === undefined || im.predicted === f.predicted) && (f.labelError === undefined || labelErrors.has(im.id) === f.labelError));
        if (m.order === 'desc') kept = kept.reverse();
        const h = m.heat ?? { mode: 'spurious' as HeatMode };
        const feats = h.mode === 'feature' ? [h.feature ?? 0] : c.features.filter((x) => x.label === (h.mode === 'core' ? 'core' : 'spurious')).map((x) => x.feature);
        const shown = feats.length ? feats : h.mode === 'spurious' ? c.features.map((x) => x.feature) : [];
        const note = feats.length ? null : h.mode === 'core' ? `no top feature of ${c.name} is labeled core yet: label one in the Labeling tab` : `no feature of ${c.name} is labeled spurious yet: the mean of its top features`;
        const items = kept.slice(m.offset, m.offset + m.count).map(({ im, rank }): ClassPageItem => ({ id: im.id, thumbUri: thumb(c.c, im.s, im.v), spuriosity: im.s,
          label: c.name, predicted: im.predicted, correct: im.correct, confidence: im.correct ? 0.55 + 0.4 * ((im.v * 37) % 100) / 100 : 0.35 + 0.3 * ((im.v * 13) % 100) / 100, rank,
          ...(labelErrors.has(im.id) ? { labelError: true } : {}),
          ...(m.overlay && shown.length ? { heatUri: heatLayer(20 + ((im.v + (h.feature ?? 0)) % 25), h.mode === 'spurious' ? 54 : 24, 16), baseUri: thumb(c.c, im.s, im.v) } : {}) }));
        send({ type: 'classPage', page: { class: c.name, order: m.order, split: m.split ?? 'val', offset: m.offset, overlay: m.overlay, items, total: kept.length,
          classTotal: asc.length, ...(m.filter ? { filter: m.filter } : {}), ...(m.overlay ? { heat: { mode: h.mode, features: shown, colormap: 'inferno', note } } : {}) } }, 40);
        break;
      }
      case 'requestImageDetail': {
        const f = findImage(m.id);
        if (!f) return send({ type: 'notify', level: 'error', message: `Unknown image ${m.id}` });
        const sorted = [...f.c.images].sort((a, b) => a.s - b.s);
        send({ type: 'imageDetail', detail: { id: m.id, split: 'val', imageUri: thumb(f.c.c, f.im.s, f.im.v), label: f.c.name, predicted: f.im.predicted,
          correct: f.im.correct, confidence: 0.62, spuriosity: f.im.s, rank: { position: sorted.indexOf(f.im), total: sorted.length },
          features: f.c.features.map((ft, j) => ({ feature: ft.feature, label: ft.label, subtype: ft.subtype, importance: ft.importance,
            activation: +(2.5 - 0.4 * j).toFixed(2), heatUri: blend(f.c.c, f.im.s, f.im.v, 10 + j * 11, 16 + j * 8, 14) })) } });
        break;
      }
      case 'requestFeatureCards': {
        const c = byName(m.class);
        if (c) send({ type: 'featureCards', class: c.name, cards: cards(c) });
        break;
      }
      case 'setLabel': {
        const c = byName(m.class);
        const f = c && c.features.find((x) => x.feature === m.feature);
        if (!f) return send({ type: 'notify', level: 'error', message: `No feature ${m.feature} in class ${m.class}` });
        f.label = m.label; f.subtype = m.label === 'spurious' ? (m.subtype ?? null) : null; f.machine = false;
        send({ type: 'featureCards', class: c.name, cards: cards(c) });
        send({ type: 'state', state: state() });
        break;
      }
      case 'runMitigation': runMitigation(m.method); break;
      case 'cancel':
        if (m.target === 'crops' || m.target === 'sensitivity' || m.target === 'compare') { clearTimeout(jobTimer); send({ type: 'jobEnded', job: m.target }); break; }
        clearInterval(timer); mitigation.running = null; send({ type: 'state', state: state() }); break;
      case 'export': send({ type: 'notify', level: 'info', message: `Exported ${m.kind} to /data/imagenette-mini/.spuriosity/export` }); break;
      case 'openImage': send({ type: 'notify', level: 'info', message: `Opened ${m.id} in the editor` }); break;
      case 'requestCollisions':
        send({ type: 'collisions', pairs: ([
          { spuriousClass: 'tench', coreClass: 'golf ball', feature: 48, confusions: 7 },
          { spuriousClass: 'parachute', coreClass: 'church', feature: 385, confusions: 4 },
          { spuriousClass: 'golf ball', coreClass: 'English springer', feature: 211, confusions: 2 },
        ] satisfies CollisionPair[]) });
        break;
      case 'requestReviewQueue': {
        const c = classes[4];
        const items = [...c.images].sort((a, b) => b.s - a.s).slice(0, 6).map((im): ReviewItem => ({ id: im.id, thumbUri: thumb(c.c, im.s, im.v), label: c.name,
          predicted: im.predicted, spuriosity: im.s, reason: 'negative-gap', note: 'church has a negative gap (−8.0 pts): check for a second object' }));
        const t = classes[0];
        items.push(...t.images.filter((im) => im.predicted === 'golf ball').slice(0, 3).map((im): ReviewItem => ({ id: im.id, thumbUri: thumb(0, im.s, im.v),
          label: 'tench', predicted: 'golf ball', spuriosity: im.s, reason: 'collision', note: 'feature #48 is spurious for tench and core for golf ball' })));
        if (q.get('marks') === '1' && marks.size === 0) { marks.set(items[0].id, { labelError: true }); marks.set(items[6].id, { excluded: true }); }
        send({ type: 'reviewQueue', items: items.map((it) => ({ ...it, ...(marks.get(it.id) ?? {}), ...(marks.get(it.id)?.excluded ? { reason: 'marked', note: 'excluded by you: left out of rankings, gaps and tuning sets' } : {}) })) });
        break;
      }
      case 'markImage': {
        const cur: Partial<Record<ReviewMarkKind, true>> = { ...(marks.get(m.id) ?? {}) };
        if (m.on) cur[m.mark] = true; else delete cur[m.mark];
        marks.set(m.id, cur);
        handle({ type: 'requestReviewQueue' });
        break;
      }
      case 'selectLabelingModel':
        send({ type: 'labelingModels', models: labelingModels(m.model ?? '1'.repeat(64), true) });
        send({ type: 'labelingModels', models: labelingModels(m.model ?? '1'.repeat(64)) }, 300);
        break;
      case 'showTab': break;
      case 'requestImageCrop': {
        const f = findImage(m.id);
        if (!f) return send({ type: 'notify', level: 'error', message: `Unknown image ${m.id}` });
        const idx = f.c.images.indexOf(f.im);
        if (f.c.features.every((x) => x.label !== 'core')) send({ type: 'imageCrop', id: m.id, crop: null, note: `Label a top feature of ${f.c.name} as core to get its crop box.` });
        else send({ type: 'imageCrop', id: m.id, crop: cropOf(f.c, f.im, idx % 7), note: null }, 150);
        break;
      }
      case 'runCropRecheck': {
        const c = byName(m.class);
        if (!c) return send({ type: 'notify', level: 'error', message: `Unknown class ${m.class}` });
        job('crops', { class: c.name }, 5, () => send({ type: 'cropRecheck', recheck: recheck(c) }));
        break;
      }
      case 'exportCrops': send({ type: 'notify', level: 'info', message: `Wrote 10 crops and crop-manifest.json of ${m.class ?? 'every class'} to /home/me/crops` }); break;
      case 'requestSensitivity': {
        const c = byName(m.class);
        const f = c && c.features.find((x) => x.feature === m.feature);
        if (!f) return send({ type: 'notify', level: 'error', message: `No feature ${m.feature} in class ${m.class}` });
        job('sensitivity', { class: c.name, feature: f.feature }, 4, () => send({ type: 'sensitivity', result: sensitivityOf(c, f) }));
        break;
      }
      case 'runComparison': job('compare', {}, 5, () => send({ type: 'comparison', comparison: comparison() })); break;
      case 'acceptSuggestions': {
        let accepted = 0;
        const changed = new Set<MockClass>();
        for (const c of classes) {
          if (m.class !== undefined && c.name !== m.class) continue;
          for (const f of c.features) {
            const s = suggestionOf(f).suggestion;
            if (!s || (m.feature !== undefined && f.feature !== m.feature) || (f.label !== null && !f.machine)) continue;
            f.label = s.label; f.subtype = s.subtype; f.machine = true; accepted++; changed.add(c);
          }
        }
        for (const c of changed) send({ type: 'featureCards', class: c.name, cards: cards(c) });
        send({ type: 'state', state: state() });
        send({ type: 'notify', level: 'info', message: `Accepted ${accepted} suggestion(s) in ${m.class ?? 'all classes'} as machine-made labels` });
        break;
      }
      case 'suggestLabels': job('suggest', {}, 5, () => { send({ type: 'suggestionsChanged' }); send({ type: 'notify', level: 'info', message: 'Mask suggestions: 40 of 50 features have a confident suggestion.' }); }); break;
      default: assertNever(m, 'webview message');
    }
  };

  let saved: unknown = q.get('tab') ? { tab: q.get('tab'), selectedClass: q.get('class') ?? (q.get('big') === '1' ? 'tench' : 'golf ball'),
    detailId: q.get('detail') === '1' ? 'val/golf ball/img_00003.jpg' : null, labelingClass: q.get('class'), cropsClass: q.get('class'), overlay: q.get('overlay') === '1', labelingFocus: 1 } : undefined;
  window.acquireVsCodeApi = () => ({
    postMessage: (m: WebviewToHost) => { sent.push(JSON.parse(JSON.stringify(m))); handle(m); },
    getState: () => saved,
    setState: (s: unknown) => { saved = s; },
  });
})();
