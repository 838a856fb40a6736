// The panel's data model and how each host message changes it: a pure reducer, so message
// handling is unit-tested without a DOM. Gallery pages are not kept here (the class view caches them).
import {
  assertNever, type CollisionPair, type FeatureCard, type HostToWebview, type ImageDetail, type NoticeLevel,
  type PanelState, type ReviewItem, type Tab,
} from '../../shared/protocol';

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
}

/** Before the first message. */
export const EMPTY_DATA: AppData = {
  panel: null, featureCards: new Map(), detail: null, collisions: null, review: null, notices: [], requestedTab: null,
};

/** Notices kept on screen at most; older ones drop off. */
export const MAX_NOTICES = 4;
let noticeSeq = 0;

/** New data after one host message (the input is not modified). */
export function applyHostMessage(d: AppData, msg: HostToWebview): AppData {
  switch (msg.type) {
    case 'state':
      return { ...d, panel: msg.state };
    case 'classPage':
      return d;
    case 'imageDetail':
      return { ...d, detail: msg.detail };
    case 'featureCards': {
      const m = new Map(d.featureCards);
      m.set(msg.class, msg.cards);
      return { ...d, featureCards: m };
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
    default:
      return assertNever(msg, 'host message');
  }
}

/** Classes whose every top feature is labeled, for the labeling view's next-class choice. */
export function labeledClasses(panel: PanelState | null): Set<string> {
  return new Set(panel ? panel.classes.filter((c) => c.labeled).map((c) => c.name) : []);
}
