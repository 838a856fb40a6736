// The engine's entry for the analysis session that lives in its own child process (what the extension host runs).

/** Opening a session in the child, or in this process (tests, the CLI's in-process path), behind one handle. */
export { openSessionInChild, localSession } from '../analysis/streamed/sessionClient';
export type { SessionHandle } from '../analysis/streamed/sessionClient';
/** What the child answers: the overview, gallery rows and tuning events. */
export { overview } from '../analysis/streamed/sessionJob';
export type { ServedPageRow, SessionOpened, SessionOverview, TuneAnswer, TuneEvent } from '../analysis/streamed/sessionJob';
