// A small ONNX runtime for exactly the operators this project's exporters write (OnnxExporter: float; Int8Quantizer:
// int8), in plain JavaScript. It replaces onnxruntime-web (a 14 MB WebAssembly build) on the page: the model file and
// these ~10 KB are all the page needs to predict on the device.
//
//   float  Conv, Relu, MaxPool, Flatten, Gemm, Softmax (and Identity/Dropout)
//   int8   QuantizeLinear, QLinearConv, MaxPool, Flatten, MatMulInteger, Add, Cast, Mul, DequantizeLinear, Softmax
//
// Arithmetic follows ONNX Runtime's CPU kernels so that answers match the server's: integer products summed exactly
// in int32; requantization as float32(acc) · float32(x_scale · w_scale / y_scale), rounded half to even, plus the
// zero point, saturated; QuantizeLinear as round_half_even(x / scale) + zero point. Float layers accumulate in
// float64 (JavaScript numbers): rounding can differ from float32 sums in the last bits, never in a tested argmax.
// Nodes run in file order (the exporters write them topologically sorted); anything else is refused at load time.

import { readOnnx } from './onnx-reader.js';
import { instantiateGemm } from './gemm-wasm.js';

const f32 = Math.fround;

/**
 * Round half to even, as nearbyint under the default rounding mode (ONNX QuantizeLinear, MLAS requantization):
 * adding and removing 1.5·2^52 leaves a double with no fraction bits, rounded to nearest even (|x| < 2^51).
 */
const MAGIC = 6755399441055744;
function roundEven(x) { return (x + MAGIC) - MAGIC; }

/** A tensor: a typed array and its shape. */
class T {
  constructor(data, dims, zeroPoint) { this.data = data; this.dims = dims; }
  get size() { return this.data.length; }
}

const scalar = (t) => t.data[0];

/** im2col for a 2D convolution, [C·kh·kw][OH·OW], values minus `zero` (the input's zero point; 0 for float). */
function im2col(x, c0, C, H, W, kh, kw, sh, sw, pt, pl, OH, OW, out, zero) {
  let row = 0;
  for (let c = 0; c < C; c++) {
    const plane = c0 + c * H * W;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, row++) {
        let o = row * OH * OW;
        for (let oy = 0; oy < OH; oy++) {
          const y = oy * sh - pt + i;
          if (y < 0 || y >= H) { for (let ox = 0; ox < OW; ox++) out[o++] = 0; continue; }
          const line = plane + y * W;
          for (let ox = 0; ox < OW; ox++) {
            const xx = ox * sw - pl + j;
            out[o++] = (xx < 0 || xx >= W) ? 0 : x[line + xx] - zero;
          }
        }
      }
    }
  }
}

/**
 * out[m][p] = Σ_k w[m][k] · col[k][p]: the convolution as a matrix product over im2col's [K][P] columns.
 * Two copies, one per number type, so that each loop sees one array type and stays monomorphic (a shared copy ran
 * several times slower in V8).
 */
function gemmFloat(w, col, M, K, P, acc) {
  acc.fill(0);
  for (let m = 0; m < M; m++) {
    const a = m * P, wr = m * K;
    for (let k = 0; k < K; k++) {
      const wv = w[wr + k];
      if (wv === 0) continue;
      const c = k * P;
      for (let p = 0; p < P; p++) acc[a + p] += wv * col[c + p];
    }
  }
}

function gemmInt(w, col, M, K, P, acc) {
  acc.fill(0);
  for (let m = 0; m < M; m++) {
    const a = m * P, wr = m * K;
    for (let k = 0; k < K; k++) {
      const wv = w[wr + k];
      if (wv === 0) continue;
      const c = k * P;
      for (let p = 0; p < P; p++) acc[a + p] = (acc[a + p] + wv * col[c + p]) | 0;
    }
  }
}

function convShape(node, x, w) {
  const a = node.attributes;
  const [N, C, H, W] = x.dims, [M, Cw, kh, kw] = w.dims;
  if ((a.group ?? 1) !== 1 || Cw !== C) throw new Error(`${node.op} '${node.name}': only group 1 is supported`);
  if ((a.dilations ?? [1, 1]).some((d) => d !== 1)) throw new Error(`${node.op} '${node.name}': only dilation 1 is supported`);
  if (a.auto_pad && a.auto_pad !== 'NOTSET') throw new Error(`${node.op} '${node.name}': auto_pad is not supported`);
  const [sh, sw] = a.strides ?? [1, 1];
  const [pt, pl, pb, pr] = a.pads ?? [0, 0, 0, 0];
  const OH = Math.floor((H + pt + pb - kh) / sh) + 1, OW = Math.floor((W + pl + pr - kw) / sw) + 1;
  return { N, C, H, W, M, kh, kw, sh, sw, pt, pl, OH, OW };
}


/**
 * The int8 layers' matrix products on the WebAssembly SIMD kernel (gemm-wasm.js), with int16 operands in one memory:
 * the weights stay from load time, the per-run buffers come after them and are reused by every run.
 */
class WasmGemm {
  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 16 });
    this.gemm = instantiateGemm(this.memory);
    this.top = 0;
    this.weightsEnd = 0;
  }

  static create() {
    try { const g = new WasmGemm(); return g.gemm ? g : null; } catch { return null; }
  }

  alloc(bytes) {
    const at = (this.top + 15) & ~15;
    this.top = at + bytes;
    const need = this.top - this.memory.buffer.byteLength;
    if (need > 0) this.memory.grow(Math.ceil(need / 65536));
    return at;
  }

  /**
   * Stores weight rows w[m·mStride + k·kStride] as int16 [Mp][Kp], padded with zeros; returns where and the padded
   * sizes. (QLinearConv's [M][K] has strides K, 1; MatMulInteger's [K][M] has 1, M.)
   */
  weights(M, K, w, mStride, kStride) {
    const Mp = Math.ceil(M / 4) * 4, Kp = Math.ceil(K / 8) * 8;
    const at = this.alloc(Mp * Kp * 2);
    const rows = new Int16Array(this.memory.buffer, at, Mp * Kp);
    for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) rows[m * Kp + k] = w[m * mStride + k * kStride];
    this.weightsEnd = this.top;
    return { at, M, K, Mp, Kp };
  }

  /** Frees the previous run's buffers. */
  reset() { this.top = this.weightsEnd; }

  /**
   * out[p][m] = Σ_k a[p][k] · w[m][k] for P rows that fill(rows, Kp) writes as int16 (zero-padded to Kp).
   * @returns {Int32Array} [P][Mp]
   */
  product(w, P, fill) {
    const a = this.alloc(P * w.Kp * 2), out = this.alloc(P * w.Mp * 4);
    fill(new Int16Array(this.memory.buffer, a, P * w.Kp), w.Kp); // fills every value: the buffer is reused
    this.gemm(a, w.at, out, P, w.Mp, w.Kp);
    return new Int32Array(this.memory.buffer, out, P * w.Mp);
  }
}

/**
 * im2col as a gather: for one image, rows[p·Kp + k] = x[table[p·Kp + k]] − zero, or 0 where the table says −1
 * (padding, and the columns from K up to Kp). k = (c·kh + i)·kw + j. The table depends only on the layer's shapes and
 * is made once per layer.
 */
function gatherTable(s, Kp) {
  const { C, H, W, kh, kw, sh, sw, pt, pl, OH, OW } = s;
  const table = new Int32Array(OH * OW * Kp).fill(-1);
  let r = 0;
  for (let oy = 0; oy < OH; oy++) {
    for (let ox = 0; ox < OW; ox++, r++) {
      let o = r * Kp;
      for (let c = 0; c < C; c++) {
        for (let i = 0; i < kh; i++) {
          const y = oy * sh - pt + i;
          for (let j = 0; j < kw; j++, o++) {
            const xx = ox * sw - pl + j;
            if (y >= 0 && y < H && xx >= 0 && xx < W) table[o] = (c * H + y) * W + xx;
          }
        }
      }
    }
  }
  return table;
}

function gather(x, offset, zero, table, rows, at) {
  for (let t = 0; t < table.length; t++) {
    const src = table[t];
    rows[at + t] = src < 0 ? 0 : x[offset + src] - zero;
  }
}

const OPS = {
  Identity: (n, [x]) => x,
  Dropout: (n, [x]) => x,
  Relu: (n, [x]) => new T(x.data.map((v) => (v > 0 ? v : 0)), x.dims),
  Flatten: (n, [x]) => {
    const axis = n.attributes.axis ?? 1;
    const outer = x.dims.slice(0, axis).reduce((a, b) => a * b, 1);
    return new T(x.data, [outer, x.size / outer]);
  },
  MaxPool: (n, [x]) => {
    const a = n.attributes;
    const [N, C, H, W] = x.dims, [kh, kw] = a.kernel_shape, [sh, sw] = a.strides ?? [1, 1];
    if ((a.pads ?? [0, 0, 0, 0]).some((p) => p !== 0) || a.ceil_mode) throw new Error(`MaxPool '${n.name}': only unpadded pooling is supported`);
    const OH = Math.floor((H - kh) / sh) + 1, OW = Math.floor((W - kw) / sw) + 1;
    const out = new x.data.constructor(N * C * OH * OW);
    if (kh === 2 && kw === 2 && sh === 2 && sw === 2) { maxPool2x2(x.data, out, N * C, H, W, OH, OW); return new T(out, [N, C, OH, OW]); }
    let o = 0;
    for (let plane = 0; plane < N * C; plane++) {
      const base = plane * H * W;
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++) {
          let best = -Infinity;
          for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
            const v = x.data[base + (oy * sh + i) * W + ox * sw + j];
            if (v > best) best = v;
          }
          out[o++] = best;
        }
      }
    }
    return new T(out, [N, C, OH, OW]);
  },
  Conv: (n, [x, w, b]) => {
    const s = convShape(n, x, w);
    const K = s.C * s.kh * s.kw, P = s.OH * s.OW;
    const col = new Float32Array(K * P), acc = new Float64Array(s.M * P);
    const out = new Float32Array(s.N * s.M * P);
    for (let i = 0; i < s.N; i++) {
      im2col(x.data, i * s.C * s.H * s.W, s.C, s.H, s.W, s.kh, s.kw, s.sh, s.sw, s.pt, s.pl, s.OH, s.OW, col, 0);
      gemmFloat(w.data, col, s.M, K, P, acc);
      for (let m = 0; m < s.M; m++) {
        const bias = b ? b.data[m] : 0;
        for (let p = 0; p < P; p++) out[(i * s.M + m) * P + p] = acc[m * P + p] + bias;
      }
    }
    return new T(out, [s.N, s.M, s.OH, s.OW]);
  },
  Gemm: (n, [a, b, c]) => {
    const { alpha = 1, beta = 1, transA = 0, transB = 0 } = n.attributes;
    if (transA) throw new Error(`Gemm '${n.name}': transA is not supported`);
    const [N, K] = a.dims, M = transB ? b.dims[0] : b.dims[1];
    const out = new Float32Array(N * M);
    for (let i = 0; i < N; i++) {
      for (let m = 0; m < M; m++) {
        let sum = 0;
        if (transB) { const r = m * K; for (let k = 0; k < K; k++) sum += a.data[i * K + k] * b.data[r + k]; }
        else for (let k = 0; k < K; k++) sum += a.data[i * K + k] * b.data[k * M + m];
        const bias = c ? c.data[c.size === M ? m : 0] : 0;
        out[i * M + m] = alpha * sum + beta * bias;
      }
    }
    return new T(out, [N, M]);
  },
  Softmax: (n, [x]) => {
    const axis = n.attributes.axis ?? -1;
    if (x.dims.length !== 2 || (axis !== 1 && axis !== -1)) throw new Error(`Softmax '${n.name}': only [N, classes] along axis 1`);
    const [N, M] = x.dims, out = new Float32Array(N * M);
    for (let i = 0; i < N; i++) {
      let max = -Infinity, total = 0;
      for (let m = 0; m < M; m++) max = Math.max(max, x.data[i * M + m]);
      for (let m = 0; m < M; m++) total += out[i * M + m] = Math.exp(x.data[i * M + m] - max);
      for (let m = 0; m < M; m++) out[i * M + m] /= total;
    }
    return new T(out, x.dims);
  },

  // ---- int8 -----------------------------------------------------------------------------------------------------
  QuantizeLinear: (n, [x, scale, zp]) => {
    if (scale.size !== 1) throw new Error(`QuantizeLinear '${n.name}': only per-tensor scales`);
    const s = scalar(scale), z = zp ? scalar(zp) : 0;
    const signed = zp?.data instanceof Int8Array;
    const lo = signed ? -128 : 0, hi = signed ? 127 : 255;
    const out = signed ? new Int8Array(x.size) : new Uint8Array(x.size);
    for (let i = 0; i < x.size; i++) out[i] = Math.min(hi, Math.max(lo, roundEven(f32(x.data[i] / s)) + z));
    return new T(out, x.dims);
  },
  DequantizeLinear: (n, [x, scale, zp]) => {
    if (scale.size !== 1) throw new Error(`DequantizeLinear '${n.name}': only per-tensor scales`);
    const s = scalar(scale), z = zp ? scalar(zp) : 0;
    return new T(Float32Array.from(x.data, (v) => f32((v - z) * s)), x.dims);
  },
  QLinearConv: (n, [x, xs, xz, w, ws, wz, ys, yz, b]) => {
    const s = convShape(n, x, w);
    if (wz.data.some((v) => v !== 0)) throw new Error(`QLinearConv '${n.name}': only symmetric weights (zero point 0)`);
    const K = s.C * s.kh * s.kw, P = s.OH * s.OW;
    const col = n.wasm ? null : new Int32Array(K * P), acc = n.wasm ? null : new Int32Array(s.M * P);
    const out = new Uint8Array(s.N * s.M * P);
    const xScale = scalar(xs), yScale = scalar(ys), yZero = scalar(yz), xZero = scalar(xz);
    // ONNX Runtime: output_scale[m] = x_scale · w_scale[m] / y_scale, in float32.
    const scales = Float32Array.from({ length: s.M }, (_, m) => f32(f32(xScale * ws.data[ws.size === 1 ? 0 : m]) / yScale));
    if (n.wasm) {
      const { gemm, w: pw } = n.wasm;
      const key = `${s.C}x${s.H}x${s.W}`;
      if (n.wasm.key !== key) { n.wasm.key = key; n.wasm.table = gatherTable(s, pw.Kp); }
      const table = n.wasm.table, image = s.C * s.H * s.W;
      const sums = gemm.product(pw, s.N * P, (rows) => { for (let i = 0; i < s.N; i++) gather(x.data, i * image, xZero, table, rows, i * table.length); });
      const biases = b ? b.data : new Int32Array(s.M), Mp = pw.Mp;
      for (let i = 0; i < s.N; i++) {
        for (let q = 0; q < P; q++) {
          const row = (i * P + q) * Mp, o = i * s.M * P + q;
          for (let m = 0; m < s.M; m++) {
            let v = roundEven(f32(f32(sums[row + m] + biases[m]) * scales[m])) + yZero;
            out[o + m * P] = v < 0 ? 0 : v > 255 ? 255 : v;
          }
        }
      }
      return new T(out, [s.N, s.M, s.OH, s.OW]);
    }
    for (let i = 0; i < s.N; i++) {
      im2col(x.data, i * s.C * s.H * s.W, s.C, s.H, s.W, s.kh, s.kw, s.sh, s.sw, s.pt, s.pl, s.OH, s.OW, col, xZero);
      // Padding is the zero point, i.e. 0 after the subtraction: im2col writes 0 there.
      gemmInt(w.data, col, s.M, K, P, acc);
      for (let m = 0; m < s.M; m++) {
        const bias = b ? b.data[m] : 0, scale = scales[m];
        for (let p = 0; p < P; p++) {
          const v = roundEven(f32(f32(acc[m * P + p] + bias) * scale)) + yZero;
          out[(i * s.M + m) * P + p] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
    }
    return new T(out, [s.N, s.M, s.OH, s.OW]);
  },
  MatMulInteger: (n, [a, b, az, bz]) => {
    if (bz && bz.data.some((v) => v !== 0)) throw new Error(`MatMulInteger '${n.name}': only symmetric weights (zero point 0)`);
    if (a.dims.length !== 2 || b.dims.length !== 2) throw new Error(`MatMulInteger '${n.name}': only 2D operands`);
    const [N, K] = a.dims, M = b.dims[1], z = az ? scalar(az) : 0;
    const out = new Int32Array(N * M);
    if (n.wasm) {
      const { gemm, w } = n.wasm;
      const sums = gemm.product(w, N, (rows, Kp) => { for (let i = 0; i < N; i++) for (let q = 0; q < K; q++) rows[i * Kp + q] = a.data[i * K + q] - z; });
      for (let i = 0; i < N; i++) for (let m = 0; m < M; m++) out[i * M + m] = sums[i * w.Mp + m];
      return new T(out, [N, M]);
    }
    for (let i = 0; i < N; i++) {
      for (let k = 0; k < K; k++) {
        const av = a.data[i * K + k] - z;
        if (av === 0) continue;
        const r = k * M, o = i * M;
        for (let m = 0; m < M; m++) out[o + m] += av * b.data[r + m];
      }
    }
    return new T(out, [N, M]);
  },
  Add: (n, [a, b]) => broadcast(a, b, (x, y) => x + y),
  Mul: (n, [a, b]) => broadcast(a, b, (x, y) => f32(x * y)),
  Cast: (n, [x]) => {
    if (n.attributes.to !== 1) throw new Error(`Cast '${n.name}': only to float`);
    return new T(Float32Array.from(x.data), x.dims);
  },
};

/** 2×2 max pooling with stride 2, the exporters' only pooling: four loads per output, no inner loops. */
function maxPool2x2(x, out, planes, H, W, OH, OW) {
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let oy = 0; oy < OH; oy++) {
      let r = base + 2 * oy * W;
      for (let ox = 0; ox < OW; ox++, r += 2) {
        const a = x[r], b = x[r + 1], c = x[r + W], d = x[r + W + 1];
        const ab = a > b ? a : b, cd = c > d ? c : d;
        out[o++] = ab > cd ? ab : cd;
      }
    }
  }
}

/** a ⊕ b where b is a scalar or a vector along a's last axis (bias, per-column scale); the result has a's type. */
function broadcast(a, b, op) {
  const last = a.dims[a.dims.length - 1];
  if (b.size !== 1 && b.size !== last) throw new Error(`broadcast of [${b.dims}] onto [${a.dims}] is not supported`);
  const out = new a.data.constructor(a.size);
  for (let i = 0; i < a.size; i++) out[i] = op(a.data[i], b.data[b.size === 1 ? 0 : i % last]);
  return new T(out, a.dims);
}

/** An ONNX model ready to run: `run(pixels, count)` → Float32Array of the first output, [count, classes]. */
export class Model {
  /**
   * @param {Uint8Array} bytes an ONNX file
   * @param {{simd?: boolean}} options simd: false keeps the integer layers in JavaScript (the reference path)
   */
  constructor(bytes, options = {}) {
    const onnx = readOnnx(bytes);
    this.metadata = onnx.metadata;
    this.nodes = onnx.nodes;
    this.initializers = new Map([...onnx.initializers].map(([name, t]) => [name, new T(t.data, t.dims)]));
    if (onnx.inputs.length !== 1 || onnx.outputs.length < 1) throw new Error('ONNX: expected one input and an output');
    [this.inputName] = onnx.inputs;
    this.outputName = onnx.outputs.includes('probabilities') ? 'probabilities' : onnx.outputs[0];
    const known = new Set([this.inputName, ...this.initializers.keys()]);
    for (const node of this.nodes) {
      if (node.domain && node.domain !== 'ai.onnx') throw new Error(`ONNX: operator domain '${node.domain}' is not supported`);
      if (!OPS[node.op]) throw new Error(`ONNX: operator ${node.op} is not supported by this runtime`);
      for (const input of node.inputs) if (input && !known.has(input)) throw new Error(`ONNX: node '${node.name}' reads '${input}' before it is written`);
      for (const output of node.outputs) known.add(output);
    }
    if (!known.has(this.outputName)) throw new Error(`ONNX: output '${this.outputName}' is never written`);
    this.quantized = this.nodes.some((n) => n.op === 'QLinearConv' || n.op === 'MatMulInteger');
    this.gemm = this.quantized && options.simd !== false ? WasmGemm.create() : null;
    for (const node of this.nodes) this.#prepare(node);
  }

  /** Copies an integer layer's weights into the WebAssembly memory, as int16 rows of the product's right operand. */
  #prepare(node) {
    if (!this.gemm) return;
    const w = this.initializers.get(node.inputs[node.op === 'QLinearConv' ? 3 : 1]);
    if (node.op === 'QLinearConv' && w) {
      const [M, C, kh, kw] = w.dims, K = C * kh * kw;
      node.wasm = { gemm: this.gemm, w: this.gemm.weights(M, K, w.data, K, 1) };
    } else if (node.op === 'MatMulInteger' && w && w.dims.length === 2) {
      const [K, M] = w.dims;
      node.wasm = { gemm: this.gemm, w: this.gemm.weights(M, K, w.data, 1, M) };
    }
  }

  /** Which kernels run the integer layers: 'wasm-simd' or 'js'. */
  get kernel() { return this.gemm ? 'wasm-simd' : 'js'; }

  /**
   * Runs `count` images of 28×28 (NCHW [count,1,28,28], values in [0,1]).
   * @param {Float32Array} pixels
   * @returns {Float32Array} the output, count rows
   */
  run(pixels, count = 1) {
    const values = this.#start(pixels, count);
    for (const node of this.nodes) this.#step(node, values);
    return values.get(this.outputName).data;
  }

  #start(pixels, count) {
    this.gemm?.reset();
    const values = new Map(this.initializers);
    values.set(this.inputName, new T(pixels, [count, 1, 28, 28]));
    return values;
  }

  #step(node, values) {
    const inputs = node.inputs.map((name) => (name ? values.get(name) : undefined));
    values.set(node.outputs[0], OPS[node.op](node, inputs));
  }
}
