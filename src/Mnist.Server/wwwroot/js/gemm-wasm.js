// The runtime's one hot loop as WebAssembly SIMD, assembled here from its opcodes (about 300 bytes; no toolchain,
// no extra file to download):
//
//   gemm(a, b, out, P, M, K):  out[p·M + m] = Σ_k a[p·K + k] · b[m·K + k]    (int16 operands, int32 sums)
//
// a is [P][K] and b is [M][K], row-major int16 at byte offsets a and b of the memory; out is [P][M] int32.
// K must be a multiple of 8 and M a multiple of 4 (the caller pads with zeros); P ≥ 1. Each step of the inner loop
// loads 8 values of a's row once and multiplies them with 4 rows of b: i32x4.dot_i16x8_s multiplies 8 pairs and adds
// neighbours into 4 int32 lanes (exact: |a| ≤ 255, |b| ≤ 127, so 2·255·127 fits easily), so one loop step is 32
// multiply-adds. The four lanes of each accumulator are summed when the row is done.
//
// Written out as the WebAssembly text format would read:
//   (func (param $a $b $out $P $M $K i32) (local $p $m $k $ap $b0 $b1 $b2 $b3 $op $kb i32) (local $c0 $c1 $c2 $c3 $x v128)
//     kb = K << 1
//     loop $rows:    ap = a + p·kb;  m = 0
//       loop $cols:  b0 = b + m·kb; b1 = b0 + kb; b2 = b1 + kb; b3 = b2 + kb; c0..c3 = 0; k = 0
//         loop $dot: x = load(ap + k); cj += dot(x, load(bj + k)) for j = 0..3; k += 16; br_if $dot (k < kb)
//         op = out + (p·M + m)·4;  store op+4j ← lane0(cj) + lane1(cj) + lane2(cj) + lane3(cj)
//         m += 4; br_if $cols (m < M)
//       p += 1; br_if $rows (p < P))

const A = 0, B = 1, OUT = 2, P = 3, M = 4, K = 5;           // parameters
const p = 6, m = 7, k = 8, ap = 9, b0 = 10, op = 14, kb = 15; // i32 locals (b1..b3 = 11..13)
const c0 = 16, x = 20;                                       // v128 locals (c1..c3 = 17..19)

const get = (i) => [0x20, i], set = (i) => [0x21, i];
const i32 = (v) => [0x41, ...sleb(v)];
const add = [0x6a], mul = [0x6c], shl = [0x74], ltU = [0x49];
const loop = [0x03, 0x40], end = [0x0b], brIf = (depth) => [0x0d, depth];
const simd = (opcode, ...immediates) => [0xfd, ...uleb(opcode), ...immediates];
const v128Load = simd(0x00, 4, 0), v128Zero = simd(0x0c, ...new Array(16).fill(0));
const dot = simd(186), addI32x4 = simd(174), lane = (i) => simd(27, i);
const store = (offset) => [0x36, 2, ...uleb(offset)];

function uleb(v) { const out = []; do { let b = v & 0x7f; v >>>= 7; if (v) b |= 0x80; out.push(b); } while (v); return out; }
function sleb(v) {
  const out = [];
  for (;;) {
    const b = v & 0x7f; v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && (b & 0x40))) { out.push(b); return out; }
    out.push(b | 0x80);
  }
}

function body() {
  const code = [
    ...get(K), ...i32(1), ...shl, ...set(kb),
    ...loop, // $rows
    ...get(A), ...get(p), ...get(kb), ...mul, ...add, ...set(ap),
    ...i32(0), ...set(m),
    ...loop, // $cols
    ...get(B), ...get(m), ...get(kb), ...mul, ...add, ...set(b0),
  ];
  for (let j = 1; j < 4; j++) code.push(...get(b0 + j - 1), ...get(kb), ...add, ...set(b0 + j));
  for (let j = 0; j < 4; j++) code.push(...v128Zero, ...set(c0 + j));
  code.push(...i32(0), ...set(k), ...loop); // $dot
  code.push(...get(ap), ...get(k), ...add, ...v128Load, ...set(x));
  for (let j = 0; j < 4; j++) {
    code.push(...get(c0 + j), ...get(x), ...get(b0 + j), ...get(k), ...add, ...v128Load, ...dot, ...addI32x4, ...set(c0 + j));
  }
  code.push(...get(k), ...i32(16), ...add, 0x22, k, ...get(kb), ...ltU, ...brIf(0), ...end);
  code.push(...get(OUT), ...get(p), ...get(M), ...mul, ...get(m), ...add, ...i32(4), ...mul, ...add, ...set(op));
  for (let j = 0; j < 4; j++) {
    code.push(...get(op));
    code.push(...get(c0 + j), ...lane(0), ...get(c0 + j), ...lane(1), ...add, ...get(c0 + j), ...lane(2), ...add, ...get(c0 + j), ...lane(3), ...add);
    code.push(...store(4 * j));
  }
  code.push(...get(m), ...i32(4), ...add, 0x22, m, ...get(M), ...ltU, ...brIf(0), ...end); // $cols
  code.push(...get(p), ...i32(1), ...add, 0x22, p, ...get(P), ...ltU, ...brIf(0), ...end); // $rows
  code.push(...end);
  const locals = [2, 10, 0x7f, 5, 0x7b]; // 2 groups: 10 × i32, 5 × v128
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

function section(id, content) { return [id, ...uleb(content.length), ...content]; }
const name = (s) => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

/** The module's bytes: imports env.memory, exports gemm. */
export function gemmModuleBytes() {
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 6, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]),   // type: (6 × i32) → ()
    ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, 1]), // import memory, min 1 page
    ...section(3, [1, 0]),                                              // one function of type 0
    ...section(7, [1, ...name('gemm'), 0x00, 0]),                       // export it as gemm
    ...section(10, [1, ...body()]),
  ]);
}

/** Compiles the kernel against `memory`; null where WebAssembly SIMD is not available. */
export function instantiateGemm(memory) {
  const bytes = gemmModuleBytes();
  if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) return null;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return instance.exports.gemm;
}
