// The one L-BFGS minimiser of the code base (memory 10, Armijo backtracking), written as a generator so the same
// iterations serve a synchronous objective (fitHead) and an asynchronous one (head fine-tuning, whose loss and
// gradient may come from ONNX Runtime): the generator yields each point it needs evaluated and receives { f, g }.

/** An objective value and its gradient at a point. */
export interface ValueGrad {
  f: number;
  g: Float64Array;
}

/** Options of lbfgs. */
export interface LbfgsOptions {
  /** Accepted steps at most. */
  maxIter: number;
  /** Converged once the largest gradient entry is below this. */
  gradTol: number;
  /** Converged once a step changes f by less than this times max(1, |f|) (default 1e-10). */
  relTol?: number;
  /** Correction pairs kept (default 10). */
  memory?: number;
}

/** Why the iterations ended. */
export type LbfgsReason = 'gradient' | 'no-decrease' | 'small-change' | 'max-iterations';

/** What lbfgs yields: a point to evaluate (answer with its ValueGrad), or an accepted step (answer with undefined). */
export type LbfgsEvent =
  | { kind: 'evaluate'; x: Float64Array }
  | { kind: 'step'; iteration: number; x: Float64Array; f: number; g: Float64Array };

/** Where lbfgs ended. */
export interface LbfgsEnd extends ValueGrad {
  x: Float64Array;
  iterations: number;
  reason: LbfgsReason;
}

const dot = (a: Float64Array, b: Float64Array): number => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
const infNorm = (a: Float64Array): number => { let s = 0; for (let i = 0; i < a.length; i++) s = Math.max(s, Math.abs(a[i])); return s; };

/**
 * Minimises a smooth function from x0. The first step is scaled to a largest move of 1 (later ones use L-BFGS's own
 * curvature estimate), so no step size is needed. A caller that stops pulling the generator stops the iterations;
 * the last 'step' event holds the best point so far.
 */
export function* lbfgs(x0: Float64Array, opts: LbfgsOptions): Generator<LbfgsEvent, LbfgsEnd, ValueGrad | undefined> {
  const memory = opts.memory ?? 10;
  const relTol = opts.relTol ?? 1e-10;
  const evaluate = function* (x: Float64Array): Generator<LbfgsEvent, ValueGrad, ValueGrad | undefined> {
    const r = yield { kind: 'evaluate', x };
    if (!r) throw new Error('lbfgs: an evaluate event must be answered with { f, g }');
    return r;
  };
  let x = Float64Array.from(x0);
  let { f, g } = yield* evaluate(x);
  const P = x.length;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  let iterations = 0;
  if (infNorm(g) < opts.gradTol) return { x, f, g, iterations, reason: 'gradient' };
  while (iterations < opts.maxIter) {
    // Two-loop recursion for the L-BFGS direction.
    const q = Float64Array.from(g);
    const alpha: number[] = [];
    for (let i = S.length - 1; i >= 0; i--) {
      const a = dot(S[i], q) / dot(Y[i], S[i]);
      alpha[i] = a;
      for (let p = 0; p < P; p++) q[p] -= a * Y[i][p];
    }
    if (S.length) {
      const last = S.length - 1;
      const gamma = dot(S[last], Y[last]) / dot(Y[last], Y[last]);
      for (let p = 0; p < P; p++) q[p] *= gamma;
    }
    for (let i = 0; i < S.length; i++) {
      const b = dot(Y[i], q) / dot(Y[i], S[i]);
      for (let p = 0; p < P; p++) q[p] += S[i][p] * (alpha[i] - b);
    }
    let dir = q.map((v) => -v);
    let slope = dot(g, dir);
    if (!(slope < 0)) { dir = g.map((v) => -v); slope = dot(g, dir); S.length = 0; Y.length = 0; }
    let t = S.length ? 1 : Math.min(1, 1 / Math.max(1e-12, infNorm(g)));
    let next = x;
    let res: ValueGrad = { f, g };
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      next = x.map((v, p) => v + t * dir[p]);
      res = yield* evaluate(next);
      if (res.f <= f + 1e-4 * t * slope) { accepted = true; break; }
      t *= 0.5;
    }
    if (!accepted) return { x, f, g, iterations, reason: 'no-decrease' }; // no decrease at float precision: at the optimum
    iterations++;
    const s = next.map((v, p) => v - x[p]);
    const y = res.g.map((v, p) => v - g[p]);
    if (dot(s, y) > 1e-12) {
      S.push(s); Y.push(y);
      if (S.length > memory) { S.shift(); Y.shift(); }
    }
    const fPrev = f;
    x = next; f = res.f; g = res.g;
    yield { kind: 'step', iteration: iterations, x, f, g };
    if (infNorm(g) < opts.gradTol) return { x, f, g, iterations, reason: 'gradient' };
    if (Math.abs(fPrev - f) < relTol * Math.max(1, Math.abs(f))) return { x, f, g, iterations, reason: 'small-change' };
  }
  return { x, f, g, iterations, reason: 'max-iterations' };
}

/** Runs lbfgs to its end on a synchronous objective; `onStep` sees every accepted step, `signal` stops between steps. */
export function minimizeSync(
  evaluate: (x: Float64Array) => ValueGrad, x0: Float64Array, opts: LbfgsOptions,
  onStep?: (iteration: number, f: number) => void, signal?: { aborted: boolean },
): LbfgsEnd & { aborted: boolean } {
  const it = lbfgs(x0, opts);
  let answer: ValueGrad | undefined;
  let last: { x: Float64Array; f: number; g: Float64Array; iterations: number } | null = null;
  for (;;) {
    const r = it.next(answer);
    if (r.done) return { ...r.value, aborted: false };
    const e = r.value;
    if (e.kind === 'evaluate') { answer = evaluate(e.x); continue; }
    answer = undefined;
    last = { x: e.x, f: e.f, g: e.g, iterations: e.iteration };
    onStep?.(e.iteration, e.f);
    if (signal?.aborted) return { ...last, reason: 'max-iterations', aborted: true };
  }
}
