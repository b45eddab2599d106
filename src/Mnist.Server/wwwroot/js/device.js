// On-device inference: the server's model run in this browser by runtime.js (our own ONNX runtime for the operators
// the exporters write; its int8 matrix products in WebAssembly SIMD). The model is the file the server predicts with:
// its int8 companion (/v1/models/current.int8.onnx, 249 KB, ~215 KB brotli) when the server runs one, else the float
// model (/v1/models/current.onnx), so that both modes give the same digit. Each load revalidates it by ETag; the
// service worker keeps a copy for offline use. The model runs on the page's main thread: a module worker was tried and
// measured slower here (median 16 ms instead of 3 ms per drawn digit on this loaded 2-core machine: each answer waited
// for two threads to be scheduled) and took no long task off the page (docs/web.md).

export const MODEL_URLS = ['../v1/models/current.int8.onnx', '../v1/models/current.onnx'].map((u) => new URL(u, import.meta.url).href);

export class DeviceModel {
  constructor(model, info) {
    this.model = model;
    this.info = info;
  }

  /** Downloads the model and prepares it (weights copied into the WebAssembly memory once). */
  static async load() {
    const download = fetchModel();
    download.catch(() => {}); // awaited below; this only keeps an early failure from being reported twice
    // Imported here, not at the top: a page whose runtime cannot load still works in server mode (app.js).
    const { Model } = await import('./runtime.js');
    const { bytes, etag, url } = await download;
    const model = new Model(bytes);
    const info = { etag, bytes: bytes.length, url, kernel: model.kernel, precision: model.quantized ? 'int8' : 'float' };
    const device = new DeviceModel(model, info);
    device.classifySync(new Float32Array(784)); // warm-up: the first run compiles the hot loops
    return device;
  }

  /** One 28×28 image (784 values in [0, 1], white on black) → 10 probabilities, computed at once. */
  classifySync(pixels) { return toProbabilities(this.model.run(pixels, 1)); }

  /**
   * Classifies one 28×28 image (784 values in [0, 1], white on black, NCHW [1,1,28,28]).
   * @returns {Promise<Float32Array>} 10 probabilities
   */
  async classify(pixels) { return this.classifySync(pixels); }

  /**
   * Classifies `count` 28×28 images in one model call (pixels: count·784 values, NCHW [count,1,28,28]).
   * @returns {Promise<Float32Array>} count·10 probabilities, row by row
   */
  async classifyBatch(pixels, count) {
    const data = this.model.run(pixels, count);
    const width = data.length / count, out = new Float32Array(count * 10);
    for (let i = 0; i < count; i++) out.set(toProbabilities(data.subarray(i * width, i * width + 10)), i * 10);
    return out;
  }
}

async function fetchModel() {
  let lastError;
  for (const url of MODEL_URLS) {
    // 'no-cache' revalidates with If-None-Match: an unchanged model costs a 304, a new one is downloaded.
    // A 404 for the int8 file: the server predicts with the float model (offline, the service worker answers 503 for
    // the file it has no copy of). Either way the next file is tried. The server marks the files no-cache, so each
    // load revalidates by ETag (a 304 when unchanged); the default request also matches the page's preload.
    const response = await fetch(url);
    if (response.ok) return { bytes: new Uint8Array(await response.arrayBuffer()), etag: response.headers.get('ETag'), url };
    lastError = new Error(`model download failed: HTTP ${response.status}`);
  }
  throw lastError;
}

/** The contract's output is a softmax; a model that emits logits is normalized here the same way the server does. */
function toProbabilities(values) {
  const p = Float32Array.from(values.slice(0, 10));
  let sum = 0, negative = false;
  for (const v of p) { sum += v; negative ||= v < 0; }
  if (!negative && Math.abs(sum - 1) <= 1e-3) return p;
  const max = Math.max(...p);
  let total = 0;
  for (let i = 0; i < p.length; i++) total += p[i] = Math.exp(p[i] - max);
  for (let i = 0; i < p.length; i++) p[i] /= total;
  return p;
}
