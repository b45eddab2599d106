// The browser twin of Mnist.Engine.Preprocessing.DigitPreprocessor.FromStrokes (steps S, C and D of its remarks):
// pen strokes → the 28×28 white-on-black MNIST-style image the models expect, or an explicit "no digit".
//
// It reproduces the C# code operation by operation. C# computes per-pixel values in float32 and sums over many
// pixels in float64; JavaScript numbers are float64, so every float32 operation here is rounded with f()
// (Math.fround). Rounding an exact double result of +, −, ×, ÷ or √ on float32 operands to float32 gives the
// correctly rounded float32 result (double has more than 2·24 + 2 bits), so the two implementations agree to the
// last bit, which the golden-vector parity tests check (tests/Mnist.E2E/PreprocessingParityTests.cs).
//
// Keep this file in step with DigitPreprocessor.Version: change both or neither.

const f = Math.fround;

/** The preprocessing version this file implements (DigitPreprocessor.Version). */
export const VERSION = 1;
/** Output side. */
export const SIZE = 28;
/** Side of the box the ink is fitted into. */
export const BOX_SIZE = 20;
/** Longer side, in intermediate canvas pixels, of the points' bounding box. */
export const STROKE_DRAWING_SIZE = 80;
/** Default pen width as a fraction of the longer side of the points' bounding box. */
export const DEFAULT_PEN_WIDTH_FRACTION = f(0.15);
/** Largest accepted number of strokes and of points. */
export const MAX_STROKES = 1000;
export const MAX_STROKE_POINTS = 100000;
/** Most ink, in drawing sizes, before strokes are a blob (DigitPreprocessor.MaxInkLengths). */
export const MAX_INK_LENGTHS = 64;
/** Drawings with more points are thinned before drawing (DigitPreprocessor.MaxDrawnPoints). */
export const MAX_DRAWN_POINTS = 2000;

const MIN_STROKE_EXTENT_FRACTION = f(0.04);
const BOX_THRESHOLD = f(0.2);
const BLOB_MIN_ASPECT = f(0.7);
const BLOB_MIN_FILL = f(0.72);
const CENTRE_TARGET = f(14.5);

/** Why a result holds no digit (NoDigitReason). */
export const NoDigitReason = Object.freeze({
  None: 'none',
  NoInk: 'no_ink',
  TooLittleInk: 'too_little_ink',
  TooSmall: 'too_small',
  Blob: 'blob',
});

/**
 * Draws pen strokes with a pen proportional to the drawing's size, then frames them like MNIST.
 * @param {ArrayLike<ArrayLike<ArrayLike<number>>>} strokes strokes, each a list of [x, y] points (y grows downwards)
 * @param {number} canvasWidth width of the drawing surface in the points' units, or 0 when unknown
 * @param {number} canvasHeight height of the drawing surface, or 0
 * @param {{penWidthFraction?: number}} [options]
 * @returns {{pixels: Float32Array, reason: string, message: string|null, isEmpty: boolean,
 *            inkBounds: {x:number,y:number,width:number,height:number}|null, scale: number}}
 * @throws {RangeError} bad input: non-finite points, too many strokes or points, bad canvas size or pen width
 */
export function fromStrokes(strokes, canvasWidth = 0, canvasHeight = 0, options = {}) {
  const penWidthFraction = f(options.penWidthFraction ?? DEFAULT_PEN_WIDTH_FRACTION);
  if (!(penWidthFraction > 0 && penWidthFraction <= 1)) throw new RangeError(`penWidthFraction must be in (0, 1]; got ${penWidthFraction}.`);
  canvasWidth = f(canvasWidth);
  canvasHeight = f(canvasHeight);
  if (!(Number.isFinite(canvasWidth) && canvasWidth >= 0 && Number.isFinite(canvasHeight) && canvasHeight >= 0)) {
    throw new RangeError(`Canvas size must be finite and ≥ 0; got ${canvasWidth}×${canvasHeight}.`);
  }
  if (!strokes) throw new RangeError('Strokes are missing.');
  if (strokes.length > MAX_STROKES) throw new RangeError(`At most ${MAX_STROKES} strokes are accepted; got ${strokes.length}.`);

  // Points as float32, as the C# StrokePoint holds them (a JSON body is parsed the same way on the server).
  const pts = [];
  let pointCount = 0;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  // S1. Bounding box of all points.
  for (const stroke of strokes) {
    if (!stroke) throw new RangeError('A stroke is null.');
    pointCount += stroke.length;
    if (pointCount > MAX_STROKE_POINTS) throw new RangeError(`At most ${MAX_STROKE_POINTS} points are accepted.`);
    const xs = new Float32Array(stroke.length), ys = new Float32Array(stroke.length);
    for (let i = 0; i < stroke.length; i++) {
      const x = f(stroke[i][0]), y = f(stroke[i][1]);
      if (!Number.isFinite(x) || !Number.isFinite(y)) throw new RangeError(`Stroke point (${stroke[i][0]}, ${stroke[i][1]}) is not finite.`);
      xs[i] = x; ys[i] = y;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    pts.push([xs, ys]);
  }
  if (pointCount === 0) return empty(NoDigitReason.NoInk, 'No ink: there are no strokes.', null);
  const w = f(maxX - minX), h = f(maxY - minY);
  if (!Number.isFinite(w) || !Number.isFinite(h)) throw new RangeError('Stroke coordinates span more than a float can hold.');
  const longSide = Math.max(w, h);
  const bounds = { x: minX, y: minY, width: w, height: h };
  if (longSide <= 0) return empty(NoDigitReason.TooSmall, 'Too small: a single dot, not a digit.', bounds);
  if (canvasWidth > 0 && canvasHeight > 0 && longSide < f(MIN_STROKE_EXTENT_FRACTION * Math.max(canvasWidth, canvasHeight))) {
    return empty(NoDigitReason.TooSmall, 'Too small: the drawing is a dot compared with the canvas.', bounds);
  }

  // S2. Intermediate canvas.
  const k = f(STROKE_DRAWING_SIZE / longSide);
  // As DigitPreprocessor: past MAX_INK_LENGTHS drawing sizes of ink the strokes are a blob and are not drawn
  // (drawing costs ink length × pen width; a 20,000-point zig-zag would be millions of pixels).
  let inkLength = 0;
  for (const [xs, ys] of pts) {
    for (let i = 1; i < xs.length; i++) {
      const dx = f(xs[i] - xs[i - 1]), dy = f(ys[i] - ys[i - 1]);
      inkLength += Math.sqrt(dx * dx + dy * dy) * k;
    }
  }
  if (inkLength > MAX_INK_LENGTHS * STROKE_DRAWING_SIZE) {
    return empty(NoDigitReason.Blob, `A blob, not a digit: the strokes are ${(inkLength / STROKE_DRAWING_SIZE).toFixed(0)} times as long as the drawing is large (at most ${MAX_INK_LENGTHS}).`, bounds);
  }
  const radius = f(f(0.5 * penWidthFraction) * STROKE_DRAWING_SIZE);
  const margin = Math.ceil(radius) + 2;
  const cw = Math.ceil(f(w * k)) + 2 * margin, ch = Math.ceil(f(h * k)) + 2 * margin;
  const canvas = new Float32Array(cw * ch);
  // S3. Draw every stroke. As DigitPreprocessor: past MAX_DRAWN_POINTS points, a point closer than
  // δ = ink / MAX_DRAWN_POINTS to the last point kept is skipped (a stroke's last point is always kept), which bounds
  // the number of segments drawn and moves no pixel's coverage by more than δ.
  const thinning = pointCount > MAX_DRAWN_POINTS ? f(inkLength / MAX_DRAWN_POINTS) : 0;
  const thinning2 = f(thinning * thinning);
  for (const [xs, ys] of pts) {
    const n = xs.length;
    const px = new Float32Array(n), py = new Float32Array(n);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      const qx = f(f(f(xs[i] - minX) * k) + margin), qy = f(f(f(ys[i] - minY) * k) + margin);
      if (thinning > 0 && i > 0 && i < n - 1) {
        const dx = f(qx - px[kept - 1]), dy = f(qy - py[kept - 1]);
        if (f(f(dx * dx) + f(dy * dy)) < thinning2) continue;
      }
      px[kept] = qx; py[kept] = qy; kept++;
    }
    drawStroke(canvas, cw, ch, px.subarray(0, kept), py.subarray(0, kept), radius);
  }
  // S4. C and D.
  const ink = findInk(canvas, cw, ch);
  if (ink.reason !== NoDigitReason.None) return empty(ink.reason, ink.message, bounds);
  const placed = place(canvas, cw, ink.box);
  return { pixels: placed.output, reason: NoDigitReason.None, message: null, isEmpty: false, inkBounds: bounds, scale: f(placed.scale * k) };
}

function empty(reason, message, bounds) {
  return { pixels: new Float32Array(SIZE * SIZE), reason, message, isEmpty: true, inkBounds: bounds, scale: 0 };
}

/** Round-capped, round-joined polyline; a one-point stroke is a disk. Keeps the maximum coverage. */
function drawStroke(canvas, width, height, xs, ys, radius) {
  const n = xs.length;
  if (n === 0) return;
  if (n === 1) { segment(canvas, width, height, xs[0], ys[0], xs[0], ys[0], radius); return; }
  for (let i = 0; i + 1 < n; i++) segment(canvas, width, height, xs[i], ys[i], xs[i + 1], ys[i + 1], radius);
}

/** Coverage clamp(r + 0.5 − dist(pixel centre, segment), 0, 1), every operation in float32 as StrokeRasterizer. */
function segment(canvas, width, height, ax, ay, bx, by, radius) {
  const reach = f(radius + 0.5);
  const xMin = Math.max(0, Math.floor(f(Math.min(ax, bx) - reach)));
  const xMax = Math.min(width - 1, Math.ceil(f(Math.max(ax, bx) + reach)));
  const yMin = Math.max(0, Math.floor(f(Math.min(ay, by) - reach)));
  const yMax = Math.min(height - 1, Math.ceil(f(Math.max(ay, by) + reach)));
  const dx = f(bx - ax), dy = f(by - ay);
  const len2 = f(f(dx * dx) + f(dy * dy));
  for (let y = yMin; y <= yMax; y++) {
    const py = f(y + 0.5);
    const ry = f(py - ay);
    for (let x = xMin; x <= xMax; x++) {
      const px = f(x + 0.5);
      // Parameter of the closest point on the segment, clamped to [0, 1] (round caps).
      let t = len2 > 0 ? f(f(f(f(px - ax) * dx) + f(ry * dy)) / len2) : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = f(px - f(ax + f(t * dx))), ey = f(py - f(ay + f(t * dy)));
      let cover = f(reach - f(Math.sqrt(f(f(ex * ex) + f(ey * ey)))));
      if (cover <= 0) continue;
      if (cover > 1) cover = 1;
      const i = y * width + x;
      if (cover > canvas[i]) canvas[i] = cover;
    }
  }
}

/** C1–C3 without the dot-size check (strokes): despeckle, bounding box, blob check. Zeroes isolated ink pixels. */
function findInk(u, width, height) {
  let x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (u[i] < BOX_THRESHOLD) continue;
      if (!hasInkNeighbour(u, width, height, x, y)) { u[i] = 0; continue; }
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return { reason: NoDigitReason.TooLittleInk, message: 'Too little ink: nothing but isolated specks.', box: null };
  const box = { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
  const longSide = Math.max(box.width, box.height), shortSide = Math.min(box.width, box.height);
  let mass = 0;
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) mass += u[y * width + x];
  if (f(shortSide / longSide) >= BLOB_MIN_ASPECT && mass / (box.width * box.height) >= BLOB_MIN_FILL) {
    return { reason: NoDigitReason.Blob, message: 'A filled blob, not a digit.', box };
  }
  return { reason: NoDigitReason.None, message: null, box };
}

function hasInkNeighbour(u, width, height, x, y) {
  for (let dy = -1; dy <= 1; dy++) {
    const yy = y + dy;
    if (yy < 0 || yy >= height) continue;
    for (let dx = -1; dx <= 1; dx++) {
      const xx = x + dx;
      if ((dx === 0 && dy === 0) || xx < 0 || xx >= width) continue;
      if (u[yy * width + xx] >= BOX_THRESHOLD) return true;
    }
  }
  return false;
}

/** D1–D4: scale the box's longer side to 20 px and place the centre of mass at index (14, 14). */
function place(u, width, box) {
  const s = f(BOX_SIZE / Math.max(box.width, box.height));
  // D2. Centre of mass over the box (float64 sums).
  let mass = 0, mx = 0, my = 0;
  for (let y = box.y; y < box.y + box.height; y++) {
    for (let x = box.x; x < box.x + box.width; x++) {
      const v = u[y * width + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const cx = f(mx / mass), cy = f(my / mass);
  // D3. Where the box's top-left edge lands so that the centre of mass is at 14.5.
  const offX = f(CENTRE_TARGET - f(f(cx - box.x) * s));
  const offY = f(CENTRE_TARGET - f(f(cy - box.y) * s));
  // D4. Separable area-averaging resampling: rows first (H × 28), then columns.
  const wx = weights(box.x, box.width, offX, s);
  const wy = weights(box.y, box.height, offY, s);
  const rows = new Float32Array(box.height * SIZE);
  for (let y = 0; y < box.height; y++) {
    const o = (box.y + y) * width + box.x;
    for (let i = 0; i < SIZE; i++) {
      let acc = 0;
      const wo = i * box.width;
      for (let x = 0; x < box.width; x++) acc = f(acc + f(wx[wo + x] * u[o + x]));
      rows[y * SIZE + i] = acc;
    }
  }
  const output = new Float32Array(SIZE * SIZE);
  for (let j = 0; j < SIZE; j++) {
    const wo = j * box.height;
    for (let i = 0; i < SIZE; i++) {
      let acc = 0;
      for (let y = 0; y < box.height; y++) acc = f(acc + f(wy[wo + y] * rows[y * SIZE + i]));
      output[j * SIZE + i] = acc > 1 ? 1 : acc;
    }
  }
  return { output, scale: s };
}

/** Weights [28, n]: output index i averages the window [c − F/2, c + F/2], c = start + (i + 0.5 − offset)/s, F = max(1/s, 1). */
function weights(start, n, offset, s) {
  const w = new Float32Array(SIZE * n);
  const fw = Math.max(f(1 / s), 1);
  const half = f(0.5 * fw);
  for (let i = 0; i < SIZE; i++) {
    const c = f(start + f(f(f(i + 0.5) - offset) / s));
    const lo = f(c - half), hi = f(c + half);
    const kFirst = Math.max(0, Math.floor(lo) - start);
    const kLast = Math.min(n - 1, Math.floor(hi) - start);
    for (let k = kFirst; k <= kLast; k++) {
      const a = Math.max(lo, start + k), b = Math.min(hi, f(start + k + 1));
      if (b > a) w[i * n + k] = f(f(b - a) / fw);
    }
  }
  return w;
}
