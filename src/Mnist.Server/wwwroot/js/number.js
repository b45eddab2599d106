// Whole numbers from pen strokes: the browser twin of Mnist.Engine.Reading.NumberReader.FromStrokes
// (StrokePieces + SegmentationSearch). Strokes are pieces sorted by x-centre; every run of up to MaxPiecesPerDigit
// neighbouring strokes that passes the shape rules is framed by the single preprocessing (fromStrokes of just those
// strokes) and classified, all candidates in one batched model call; dynamic programming picks the grouping with the
// best total score. A lone digit is exactly the single prediction (the whole drawing framed as one digit).
//
// Float32 arithmetic of the C# code is reproduced with f() (Math.fround) as in preprocessing.js; the scores are
// summed in float64 in both. Keep this file in step with the C# files named above.

import { fromStrokes } from './preprocessing.js';

/**
 * The segmentation weights, named exactly as the properties of Mnist.Engine.Reading.NumberReaderOptions (their C#
 * defaults). Change them here and there together (the parity test compares the two readers). CutWidth, CutCost, WholeBonus, WholeWidth,
 * AmbiguityCost, AmbiguityMargin, StrokeCuts and StrokeCutWidth are used by images only.
 */
export const NumberReaderOptions = Object.freeze({
  GapPenalty: 12,
  OverlapPenalty: 1,
  MaxGap: 0.35,
  WideDigit: 0.95,
  WidthPenalty: 6,
  ShortDigit: 0.75,
  ShortPenalty: 10,
  DigitCost: 0,
  SkipCost: 1.5,
  MaxPiecesPerDigit: 4,
  CutWidth: 0.45,
  CutCost: 0.15,
  WholeBonus: 0.75,
  WholeWidth: 1,
  AmbiguityCost: 0.5,
  AmbiguityMargin: 4,
  LoneDigitWidth: 0.6,
  StrokeCuts: true,
  StrokeCutWidth: 0.7,
});

const f = Math.fround;
const CLASSES = 10;
const PIXELS = 784;

/** NumberReader.MaxPieces: at most this many strokes are read as one number. */
export const MAX_PIECES = 64;
/** StrokePieces.SpeckSize: a stroke whose longer side is below this fraction of the line height is a speck. */
const SPECK_SIZE = f(0.12);
/** SegmentationSearch.MinDigitHeight and MaxDigitWidth (line heights). */
const MIN_DIGIT_HEIGHT = f(0.25);
const MAX_DIGIT_WIDTH = f(2);
/** PredictionQuality.MinConfidence and MinMargin. */
const MIN_CONFIDENCE = f(0.5);
const MIN_MARGIN = f(0.25);

/**
 * Reads a number drawn as pen strokes.
 * @param {number[][][]} strokes strokes of [x, y] points (y grows downwards)
 * @param {(pixels: Float32Array, count: number) => Promise<Float32Array>} classifyBatch [count·784] in, [count·10] out
 * @param {number} canvasWidth width of the drawing surface (enables the "a dot" check), or 0
 * @param {number} canvasHeight height of the drawing surface, or 0
 * @param {object} [options] weights; NumberReaderOptions by default
 * @returns {Promise<{number: string, confidence: number, confident: boolean, digits: Array<{digit: number,
 *   confidence: number, confident: boolean, box: number[], probabilities: Float32Array}>, reason: string,
 *   message: string|null, candidates: number}>}
 */
export async function readNumber(strokes, classifyBatch, canvasWidth = 0, canvasHeight = 0, options = NumberReaderOptions) {
  const o = validate(options);
  // The whole drawing first: it validates the strokes and answers the no-ink cases once for all.
  const all = fromStrokes(strokes, canvasWidth, canvasHeight);
  if (all.isEmpty) return emptyReading(all.reason, all.message);
  const set = new StrokePieces(strokes, canvasWidth, canvasHeight);
  if (set.pieces.length > MAX_PIECES) {
    throw new RangeError(`At most ${MAX_PIECES} strokes can be read as one number; got ${set.pieces.length}.`);
  }
  return search(set, classifyBatch, o);
}

/** StrokePieces: each non-empty stroke is one piece; a digit is framed from its strokes alone. */
export class StrokePieces {
  constructor(strokes, canvasWidth, canvasHeight) {
    this.strokes = strokes;
    this.canvasWidth = canvasWidth;
    this.canvasHeight = canvasHeight;
    const nonEmpty = [];
    let top = Infinity, bottom = -Infinity, left = Infinity, right = -Infinity;
    for (const s of strokes) {
      if (s.length === 0) continue;
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      for (const p of s) {
        const x = f(p[0]), y = f(p[1]);
        x0 = Math.min(x0, x); x1 = Math.max(x1, x);
        y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
      nonEmpty.push({ stroke: s, box: { x0, y0, x1, y1, isSpeck: false, whole: nonEmpty.length, centreX: f(f(0.5) * f(x0 + x1)) } });
      top = Math.min(top, y0); bottom = Math.max(bottom, y1);
      left = Math.min(left, x0); right = Math.max(right, x1);
    }
    // The line height is the height of all the ink; a flat scribble still gets a usable unit.
    this.lineHeight = Math.max(Math.max(f(bottom - top), f(f(right - left) / 8)), f(1e-3));
    dotnetSort(nonEmpty, (a, b) => compare(a.box.centreX, b.box.centreX));
    this.sorted = nonEmpty.map((e) => e.stroke);
    const speck = f(SPECK_SIZE * this.lineHeight);
    this.pieces = nonEmpty.map(({ box: b }) => ({ ...b, isSpeck: Math.max(f(b.x1 - b.x0), f(b.y1 - b.y0)) < speck }));
  }

  /** Frames pieces [first, first + count) as one MNIST digit. */
  frame(first, count) { return fromStrokes(this.sorted.slice(first, first + count), this.canvasWidth, this.canvasHeight); }

  /** Frames the whole drawing, exactly as a lone digit's prediction. */
  frameAll() { return fromStrokes(this.strokes, this.canvasWidth, this.canvasHeight); }
}

/** SegmentationSearch.Read. */
async function search(set, classifyBatch, o) {
  const pieces = set.pieces;
  const n = pieces.length;
  const h = set.lineHeight;

  // Ink no wider than one digit is one digit (a broken stroke or a wide 0 is not a number).
  let left = Infinity, right = -Infinity;
  for (const p of pieces) { left = Math.min(left, p.x0); right = Math.max(right, p.x1); }
  if (n === 0 || f(f(right - left) / h) <= o.LoneDigitWidth) return readWhole(set, classifyBatch, 0);

  // Candidates: runs [j, j + k) that could be one digit by their shape.
  const candidates = [];
  const byEnd = Array.from({ length: n + 1 }, () => []);
  for (let j = 0; j < n; j++) {
    for (let k = 1; k <= o.MaxPiecesPerDigit && j + k <= n; k++) {
      const penalty = shape(pieces, j, k, h, o);
      if (penalty === null) continue;
      const framed = k === n ? set.frameAll() : set.frame(j, k);
      if (framed.isEmpty) continue;
      byEnd[j + k].push(candidates.length);
      candidates.push({ first: j, count: k, penalty, framed });
    }
  }

  let probabilities = new Float32Array(0);
  if (candidates.length > 0) {
    const x = new Float32Array(candidates.length * PIXELS);
    candidates.forEach((c, i) => x.set(c.framed.pixels, i * PIXELS));
    probabilities = await classifyBatch(x, candidates.length);
  }
  const probs = (c) => probabilities.subarray(c * CLASSES, (c + 1) * CLASSES);

  // best[i]: the best score of pieces [0, i); from[i]: the candidate ending there (−1: piece i − 1 left out).
  const best = new Float64Array(n + 1);
  const from = new Int32Array(n + 1);
  best[0] = 0;
  for (let i = 1; i <= n; i++) {
    best[i] = -Infinity;
    from[i] = -2;
    if (pieces[i - 1].isSpeck && best[i - 1] > -Infinity) {
      best[i] = best[i - 1] - o.SkipCost;
      from[i] = -1;
    }
    for (const c of byEnd[i]) {
      const cand = candidates[c];
      const prior = best[cand.first];
      if (prior === -Infinity) continue;
      const t = top(probs(c));
      const score = prior + Math.log(Math.max(t, f(1e-6))) - cand.penalty - o.DigitCost;
      if (score > best[i]) {
        best[i] = score;
        from[i] = c;
      }
    }
  }

  // No grouping fits the shape rules (e.g. only specks): read the whole drawing as one digit, as predict does.
  if (best[n] === -Infinity) return readWhole(set, classifyBatch, candidates.length);

  const chosen = [];
  for (let i = n; i > 0;) {
    const c = from[i];
    if (c === -1) { i--; continue; }
    chosen.push([candidates[c].framed, Float32Array.from(probs(c))]);
    i = candidates[c].first;
  }
  chosen.reverse();
  if (chosen.length === 0) return emptyReading('too_little_ink', 'Too little ink: only specks, no digit.');
  return build(chosen, candidates.length);
}

/** SegmentationSearch.ReadWhole: the whole drawing as one digit. */
async function readWhole(set, classifyBatch, candidateCount) {
  const all = set.frameAll();
  if (all.isEmpty) return emptyReading(all.reason, all.message);
  const p = await classifyBatch(all.pixels, 1);
  return build([[all, Float32Array.from(p.subarray(0, CLASSES))]], candidateCount + 1);
}

/**
 * SegmentationSearch.Shape: whether pieces [first, first + count) could be one digit; the shape penalty if so,
 * else null.
 */
export function shape(pieces, first, count, h, o) {
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const sorted = [];
  for (let k = 0; k < count; k++) {
    const p = pieces[first + k];
    x0 = Math.min(x0, p.x0); x1 = Math.max(x1, p.x1);
    y0 = Math.min(y0, p.y0); y1 = Math.max(y1, p.y1);
    sorted.push(p);
  }
  const width = f(f(x1 - x0) / h), height = f(f(y1 - y0) / h);
  if (width > MAX_DIGIT_WIDTH || height < MIN_DIGIT_HEIGHT) return null;
  // Left to right: how each piece meets the ones before it. The parts of one digit cross or nest (a 7's bar, a 4's
  // second stroke); neighbouring digits stand apart or only graze each other.
  dotnetSort(sorted, (a, b) => compare(a.x0, b.x0));
  let reach = sorted[0].x1, gap = 0, shortfall = 0;
  for (let k = 1; k < count; k++) {
    const p = sorted[k];
    let joined = false;
    for (let q = 0; q < k && !joined; q++) joined = sorted[q].whole === p.whole;
    const overlap = f(Math.min(reach, p.x1) - p.x0);
    if (!joined) {
      if (overlap < 0) gap = Math.max(gap, -overlap);
      if (!p.isSpeck) {
        // Relative to the narrower of the piece and what lies left of it: a stroke nested inside counts as fully
        // overlapping.
        const narrower = Math.max(Math.min(f(p.x1 - p.x0), f(reach - x0)), f(f(1e-3) * h));
        shortfall = f(shortfall + f(1 - clamp(f(overlap / narrower), 0, 1)));
      }
    }
    reach = Math.max(reach, p.x1);
  }
  gap = f(gap / h);
  if (gap > o.MaxGap) return null;
  let penalty = f(o.GapPenalty * gap);
  penalty = f(penalty + f(o.OverlapPenalty * shortfall));
  penalty = f(penalty + f(o.ShortPenalty * Math.max(0, f(o.ShortDigit - height))));
  penalty = f(penalty + f(o.WidthPenalty * Math.max(0, f(width - o.WideDigit))));
  return penalty;
}

// ---- .NET's sort, so that ties come out in the same order ----------------------------------------------------------
// List<T>.Sort and Span<T>.Sort with a Comparison are .NET's introsort (ArraySortHelper<T>), which is not stable
// (e.g. three items are sorted by three compare-and-swaps). Array.prototype.sort is stable, so pieces with equal keys
// could be ordered differently; this is a port of the .NET algorithm instead.

/** float.CompareTo for finite values. */
function compare(a, b) { return a < b ? -1 : a > b ? 1 : 0; }

function swap(a, i, j) { const t = a[i]; a[i] = a[j]; a[j] = t; }

function swapIfGreater(a, lo, cmp, i, j) { if (cmp(a[lo + i], a[lo + j]) > 0) swap(a, lo + i, lo + j); }

/** Sorts `a` in place exactly as .NET's ArraySortHelper<T>.IntrospectiveSort(span, comparison). */
export function dotnetSort(a, cmp) {
  if (a.length > 1) introSort(a, 0, a.length, 2 * (Math.floor(Math.log2(a.length)) + 1), cmp);
  return a;
}

function introSort(a, lo, size, depthLimit, cmp) {
  while (size > 1) {
    if (size <= 16) {
      if (size === 2) { swapIfGreater(a, lo, cmp, 0, 1); return; }
      if (size === 3) { swapIfGreater(a, lo, cmp, 0, 1); swapIfGreater(a, lo, cmp, 0, 2); swapIfGreater(a, lo, cmp, 1, 2); return; }
      insertionSort(a, lo, size, cmp);
      return;
    }
    if (depthLimit === 0) { heapSort(a, lo, size, cmp); return; }
    depthLimit--;
    const p = pickPivotAndPartition(a, lo, size, cmp);
    introSort(a, lo + p + 1, size - (p + 1), depthLimit, cmp);
    size = p;
  }
}

function pickPivotAndPartition(a, lo, size, cmp) {
  const hi = size - 1, middle = hi >> 1;
  swapIfGreater(a, lo, cmp, 0, middle);
  swapIfGreater(a, lo, cmp, 0, hi);
  swapIfGreater(a, lo, cmp, middle, hi);
  const pivot = a[lo + middle];
  swap(a, lo + middle, lo + hi - 1);
  let left = 0, right = hi - 1;
  while (left < right) {
    while (cmp(a[lo + ++left], pivot) < 0) { /* advance */ }
    while (cmp(pivot, a[lo + --right]) < 0) { /* advance */ }
    if (left >= right) break;
    swap(a, lo + left, lo + right);
  }
  if (left !== hi - 1) swap(a, lo + left, lo + hi - 1);
  return left;
}

function heapSort(a, lo, n, cmp) {
  for (let i = n >> 1; i >= 1; i--) downHeap(a, lo, i, n, cmp);
  for (let i = n; i > 1; i--) { swap(a, lo, lo + i - 1); downHeap(a, lo, 1, i - 1, cmp); }
}

function downHeap(a, lo, i, n, cmp) {
  const d = a[lo + i - 1];
  while (i <= n >> 1) {
    let child = 2 * i;
    if (child < n && cmp(a[lo + child - 1], a[lo + child]) < 0) child++;
    if (!(cmp(d, a[lo + child - 1]) < 0)) break;
    a[lo + i - 1] = a[lo + child - 1];
    i = child;
  }
  a[lo + i - 1] = d;
}

function insertionSort(a, lo, size, cmp) {
  for (let i = 0; i < size - 1; i++) {
    const t = a[lo + i + 1];
    let j = i;
    while (j >= 0 && cmp(t, a[lo + j]) < 0) { a[lo + j + 1] = a[lo + j]; j--; }
    a[lo + j + 1] = t;
  }
}

function clamp(v, lo, hi) { return v < lo ? lo : v > hi ? hi : v; }

/** The top probability (non-finite values ignored). */
function top(p) {
  let t = 0;
  for (const v of p) if (Number.isFinite(v) && v > t) t = v;
  return t;
}

/** PredictionQuality.Assess. */
export function assess(p) {
  let best = -1, top1 = -Infinity, top2 = -Infinity;
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (v > top1) { top2 = top1; top1 = v; best = i; } else if (v > top2) top2 = v;
  }
  const margin = f(top1 - top2);
  return { digit: best, confidence: top1, margin, confident: top1 >= MIN_CONFIDENCE && margin >= MIN_MARGIN };
}

function build(chosen, candidateCount) {
  const digits = [];
  let number = '', confidence = 1, confident = true;
  for (const [framed, p] of chosen) {
    for (let i = 0; i < p.length; i++) if (!Number.isFinite(p[i]) || p[i] < 0) p[i] = 0;
    const a = assess(p);
    const b = framed.inkBounds;
    digits.push({ digit: a.digit, confidence: a.confidence, confident: a.confident, box: [b.x, b.y, b.width, b.height], probabilities: p });
    number += String(a.digit);
    confidence *= a.confidence;
    confident &&= a.confident;
  }
  return { number, confidence: f(confidence), confident, digits, reason: 'none', message: null, candidates: candidateCount };
}

function emptyReading(reason, message) {
  return { number: '', confidence: 0, confident: false, digits: [], reason, message, candidates: 0 };
}

/** NumberReaderOptions.Validate, with every float weight rounded to float32 as C# holds it. */
function validate(options) {
  const o = { ...NumberReaderOptions, ...options };
  for (const key of Object.keys(o)) if (key !== 'MaxPiecesPerDigit' && key !== 'StrokeCuts') o[key] = f(o[key]);
  if (!(o.GapPenalty >= 0 && o.OverlapPenalty >= 0 && o.ShortPenalty >= 0 && o.ShortDigit >= 0 && o.WidthPenalty >= 0
    && o.DigitCost >= 0 && o.SkipCost >= 0 && o.MaxGap >= 0 && o.WideDigit > 0 && o.CutWidth > 0
    && o.CutCost >= 0 && o.LoneDigitWidth >= 0 && o.WholeBonus >= 0 && o.WholeWidth >= 0
    && o.AmbiguityCost >= 0 && o.AmbiguityMargin >= 0 && o.StrokeCutWidth > 0)) {
    throw new RangeError('Number reader weights must be finite and ≥ 0 (widths > 0).');
  }
  if (!(Number.isInteger(o.MaxPiecesPerDigit) && o.MaxPiecesPerDigit >= 1 && o.MaxPiecesPerDigit <= 8)) {
    throw new RangeError(`MaxPiecesPerDigit must be 1..8; got ${o.MaxPiecesPerDigit}.`);
  }
  return o;
}
