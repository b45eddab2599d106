// Runs the shipped model on each candidate on-device runtime in Node (V8, the JavaScript and WebAssembly engine of
// Chromium) and prints one table row per runtime: bytes the page would download for it (brotli, quality 11, as the
// server sends them), p50 of one-digit inference, and argmax agreement with ONNX Runtime on the same model file.
//
//   cd bench/web && npm ci && node compare-runtimes.mjs [--count 10000]      (MNIST from $MNIST_DATA)
//
// ONNX Runtime's CPU kernels are the server's (Microsoft.ML.OnnxRuntime); onnxruntime-web runs them compiled to
// WebAssembly, so "agreement" here is with the reference the server uses. The end-to-end test
// (tests/Mnist.E2E/DeviceAgreementTests) checks the page against the real server.

import { readFileSync } from 'node:fs';
import { gunzipSync, brotliCompressSync, constants } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const web = join(repo, 'src', 'Mnist.Server', 'wwwroot', 'js');
const args = process.argv.slice(2);
const count = Number(args[args.indexOf('--count') + 1] || 10000) || 10000;
const data = process.env.MNIST_DATA || join(repo, '..', 'shared', 'datasets', 'mnist');

const brotli = (bytes) => brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const sizeOf = (...files) => files.reduce((s, f) => s + brotli(readFileSync(f)), 0);
const readIdx = (name) => { const b = readFileSync(join(data, name)); return name.endsWith('.gz') ? gunzipSync(b) : b; };
const images = readIdx('t10k-images-idx3-ubyte.gz').subarray(16);
const labels = readIdx('t10k-labels-idx1-ubyte.gz').subarray(8);
const pixels = (i) => Float32Array.from(images.subarray(i * 784, (i + 1) * 784), (v) => v / 255);
const argmax = (p) => { let best = 0; for (let d = 1; d < 10; d++) if (p[d] > p[best]) best = d; return best; };
const models = { float: join(repo, 'models', 'mnist.onnx'), int8: join(repo, 'models', 'mnist.int8.onnx') };

async function measure(name, model, run, bytes) {
  const digits = new Int8Array(count), times = [];
  for (let i = 0; i < 50; i++) await run(pixels(i)); // warm-up
  for (let i = 0; i < count; i++) {
    const x = pixels(i);
    const t0 = performance.now();
    const p = await run(x);
    times.push(performance.now() - t0);
    digits[i] = argmax(p);
  }
  times.sort((a, b) => a - b);
  return { name, model, bytes, p50: times[times.length >> 1], digits };
}

const ort = await import(join(here, 'node_modules', 'onnxruntime-web', 'dist', 'ort.wasm.min.mjs'));
ort.env.wasm.numThreads = 1;
const ortDist = join(here, 'node_modules', 'onnxruntime-web', 'dist');
const ortBytes = sizeOf(join(ortDist, 'ort.wasm.bundle.min.mjs'), join(ortDist, 'ort-wasm-simd-threaded.wasm'));
const { Model } = await import(join(web, 'runtime.js'));
const ourBytes = sizeOf(...['runtime.js', 'onnx-reader.js', 'gemm-wasm.js'].map((f) => join(web, f)));

const rows = [];
const reference = {};
for (const precision of ['float', 'int8']) {
  const session = await ort.InferenceSession.create(readFileSync(models[precision]), { executionProviders: ['wasm'] });
  const run = async (x) => (await session.run({ input: new ort.Tensor('float32', x, [1, 1, 28, 28]) })).probabilities.data;
  const r = await measure('onnxruntime-web 1.30 (WASM SIMD, 1 thread)', precision, run, ortBytes);
  reference[precision] = r.digits;
  rows.push(r);
}
for (const [precision, simd, label] of [['int8', true, 'runtime.js (int8 products in WASM SIMD)'], ['int8', false, 'runtime.js (JavaScript only)'], ['float', false, 'runtime.js (float, JavaScript)']]) {
  const m = new Model(new Uint8Array(readFileSync(models[precision])), { simd });
  rows.push(await measure(label, precision, (x) => m.run(x, 1), ourBytes));
}

console.log(`| runtime | model | runtime bytes (brotli) | + model (brotli) | p50 one digit | argmax = ORT same model | argmax = ORT int8 (server) | right |`);
console.log(`|---|---|---|---|---|---|---|---|`);
for (const r of rows) {
  const agree = (ref) => { let n = 0; for (let i = 0; i < count; i++) n += r.digits[i] === ref[i]; return `${n}/${count}`; };
  let right = 0; for (let i = 0; i < count; i++) right += r.digits[i] === labels[i];
  const kb = (b) => `${(b / 1000).toFixed(1)} KB`;
  console.log(`| ${r.name} | ${r.model} | ${kb(r.bytes)} | ${kb(brotli(readFileSync(models[r.model])))} | ${r.p50.toFixed(2)} ms | ${agree(reference[r.model])} | ${agree(reference.int8)} | ${right}/${count} |`);
}
