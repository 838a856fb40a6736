// The panel's data model and how each host message changes it: a pure reducer, so message
// handling is unit-tested without a DOM. Gallery pages are not kept here (the class view caches them).
import {
  assertNever, type CollisionPair, type ComparisonView, type CropRecheck, type CropView, type FeatureCard, type HostToWebview,
  type ImageDetail, type JobProgress, type LabelingModels, type NoticeLevel, type PanelJob, type PanelState, type ReviewItem, type SensitivityView, type Tab,
} from '../../shared/protocol';
import { labelSignature, type SavedSensitivity } from './sensitivity-store';

/** A notification shown in the panel's banner. */
export interface Notice {
  id: number;
  level: NoticeLevel;
  message: string;
}

/** Everything the host has told the webview (except gallery pages). */
export interface AppData {
  panel: PanelState | null;
  featureCards: ReadonlyMap<string, FeatureCard[]>;
  detail: ImageDetail | null;
  collisions: CollisionPair[] | null;
  review: ReviewItem[] | null;
  notices: Notice[];
  /** Set when the host asks for a tab; the app applies it and clears it. */
  requestedTab: { tab: Tab; class?: string } | null;
  /** Panel jobs running now, with their latest progress. */
  jobs: Partial<Record<PanelJob, JobProgress>>;
  /** Core crop per image id (crop null with a note when the image has none). */
  crops: ReadonlyMap<string, { crop: CropView | null; note: string | null }>;
  /** Latest re-check per class. */
  rechecks: ReadonlyMap<string, CropRecheck>;
  /** Sensitivities per (class, feature), keyed by sensitivityKey; the host caches them for the session too. */
  sensitivity: ReadonlyMap<string, SensitivityView>;
  /** Sensitivities saved before a reload, per class, until the class's cards arrive with the labels they were measured under. */
  pendingSensitivity: SavedSensitivity | null;
  comparison: ComparisonView | null;
  /** Models the Labeling view can label (after a comparison) and the one it labels; null until the host says. */
  labelingModels: LabelingModels | null;
}

/** Map key of a (class, feature) pair. */
export function sensitivityKey(cls: string, feature: number): string {
  return `${cls}\u0000${feature}`;
}

function withEntry<K, V>(m: ReadonlyMap<K, V>, k: K, v: V): Map<K, V> {
  const out = new Map(m);
  out.set(k, v);
  return out;
}

/** Before the first message. */
export const EMPTY_DATA: AppData = {
  panel: null, featureCards: new Map(), detail: null, collisions: null, review: null, notices: [], requestedTab: null,
  jobs: {}, crops: new Map(), rechecks: new Map(), sensitivity: new Map(), pendingSensitivity: null, comparison: null,
  labelingModels: null,
};

/** True while the Labeling view labels the ranked model (not a compared one): the only model whose sensitivities are saved. */
export function labelsRankedModel(d: Pick<AppData, 'labelingModels'>): boolean {
  const m = d.labelingModels;
  return !m || m.models.find((x) => x.ranked)?.sha256 === m.active;
}

/** A class's cards arrived: its saved sensitivities come back when measured under the same features and labels, else they are dropped. */
function promotePending(d: AppData, cls: string, cards: readonly FeatureCard[]): AppData {
  const p = d.pendingSensitivity;
  const saved = p?.classes[cls];
  if (!p || !saved || !labelsRankedModel(d)) return d;
  const rest = { ...p.classes };
  delete rest[cls];
  const pendingSensitivity = Object.keys(rest).length ? { ...p, classes: rest } : null;
  const same = (!d.panel || (d.panel.dataset.root === p.root && d.panel.model.name === p.model)) && saved.labels === labelSignature(cards);
  if (!same) return { ...d, pendingSensitivity };
  const sensitivity = new Map(d.sensitivity);
  for (const r of saved.results) if (!sensitivity.has(sensitivityKey(cls, r.feature))) sensitivity.set(sensitivityKey(cls, r.feature), r);
  return { ...d, pendingSensitivity, sensitivity };
}

/** Notices kept on screen at most; older ones drop off. */
export const MAX_NOTICES = 4;
let noticeSeq = 0;

/** New data after one host message (the input is not modified). */
export function applyHostMessage(d: AppData, msg: HostToWebview): AppData {
  switch (msg.type) {
    case 'state': {
      const same = !d.panel || (d.panel.dataset.root === msg.state.dataset.root && d.panel.model.name === msg.state.model.name);
      const p = d.pendingSensitivity;
      const pendingSensitivity = same && p && p.root === msg.state.dataset.root && p.model === msg.state.model.name ? p : null;
      // another dataset or model: crops, sensitivities and a comparison of the old one would be shown as this one's
      return same ? { ...d, panel: msg.state, pendingSensitivity }
        : { ...d, panel: msg.state, crops: new Map(), rechecks: new Map(), sensitivity: new Map(), pendingSensitivity, comparison: null, labelingModels: null, featureCards: new Map() };
    }
    case 'classPage':
      return d;
    case 'imageDetail':
      return { ...d, detail: msg.detail };
    case 'featureCards': {
      const m = new Map(d.featureCards);
      const before = d.featureCards.get(msg.class);
      m.set(msg.class, msg.cards);
      if (!before || !labelsChanged(before, msg.cards)) return promotePending({ ...d, featureCards: m }, msg.class, msg.cards);
      // Crops come from the core features and a spurious feature's mask loses the core overlap: a new label makes both stale.
      const rechecks = new Map(d.rechecks);
      rechecks.delete(msg.class);
      const sensitivity = new Map([...d.sensitivity].filter(([, v]) => v.class !== msg.class));
      return { ...d, featureCards: m, rechecks, sensitivity, crops: new Map() };
    }
    case 'mitigationProgress': {
      if (!d.panel) return d;
      const m = d.panel.mitigation;
      // Epoch 0 starts a run: earlier points belong to the previous one.
      const history = msg.point.epoch === 0 ? [msg.point] : [...m.history.filter((p) => p.epoch < msg.point.epoch), msg.point];
      return { ...d, panel: { ...d.panel, mitigation: { ...m, running: msg.method, history } } };
    }
    case 'mitigationResult': {
      if (!d.panel) return d;
      const m = d.panel.mitigation;
      const results = [...m.results.filter((r) => r.method !== msg.result.method), msg.result];
      return { ...d, panel: { ...d.panel, mitigation: { ...m, running: null, results } } };
    }
    case 'collisions':
      return { ...d, collisions: msg.pairs };
    case 'reviewQueue':
      return { ...d, review: msg.items };
    case 'notify':
      return { ...d, notices: [...d.notices, { id: ++noticeSeq, level: msg.level, message: msg.message }].slice(-MAX_NOTICES) };
    case 'showTab':
      return { ...d, requestedTab: msg.class === undefined ? { tab: msg.tab } : { tab: msg.tab, class: msg.class } };
    case 'jobProgress':
      return { ...d, jobs: { ...d.jobs, [msg.progress.job]: msg.progress } };
    case 'jobEnded': {
      const jobs = { ...d.jobs };
      delete jobs[msg.job];
      return { ...d, jobs };
    }
    case 'imageCrop':
      return { ...d, crops: withEntry(d.crops, msg.id, { crop: msg.crop, note: msg.note }) };
    case 'cropRecheck':
      return { ...d, rechecks: withEntry(d.rechecks, msg.recheck.class, msg.recheck) };
    case 'sensitivity':
      return { ...d, sensitivity: withEntry(d.sensitivity, sensitivityKey(msg.result.class, msg.result.feature), msg.result) };
    case 'comparison':
      return { ...d, comparison: msg.comparison };
    case 'suggestionsChanged':
      // the cards carry the suggestion badges: drop them so the views ask again
      return { ...d, featureCards: new Map() };
    case 'labelingModels': {
      // another model (or its analysis just opened): cards and sensitivities shown so far may be the previous model's
      const before = d.labelingModels?.active ?? msg.models.models.find((m) => m.ranked)?.sha256;
      const switched = before !== msg.models.active || (d.labelingModels?.loading ?? false) !== msg.models.loading;
      return switched ? { ...d, labelingModels: msg.models, featureCards: new Map(), sensitivity: new Map() } : { ...d, labelingModels: msg.models };
    }
    default:
      return assertNever(msg, 'host message');
  }
}

/** True when any feature's label or subtype differs between two card lists of a class. */
export function labelsChanged(a: readonly FeatureCard[], b: readonly FeatureCard[]): boolean {
  return labelSignature(a) !== labelSignature(b);
}

/** Classes whose every top feature is labeled, for the labeling view's next-class choice. */
export function labeledClasses(panel: PanelState | null): Set<string> {
  return new Set(panel ? panel.classes.filter((c) => c.labeled).map((c) => c.name) : []);
}
