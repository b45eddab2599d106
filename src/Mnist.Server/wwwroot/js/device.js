// On-device inference: the server's model run in this browser by runtime.js (our own ONNX runtime for the operators
// the exporters write; its int8 matrix products in WebAssembly SIMD), inside a worker (device-worker.js) so that the
// page's main thread never waits for it. The model is the file the server predicts with: its int8 companion
// (/v1/models/current.int8.onnx, 249 KB, ~215 KB brotli) when the server runs one, else the float model
// (/v1/models/current.onnx), so that both modes give the same digit. The page downloads it (the preload in index.html
// starts that early) and hands the bytes to the worker; each load revalidates it by ETag, and the service worker keeps
// a copy for offline use.

export const MODEL_URLS = ['../v1/models/current.int8.onnx', '../v1/models/current.onnx'].map((u) => new URL(u, import.meta.url).href);

export class DeviceModel {
  constructor(worker, info) {
    this.worker = worker;
    this.info = info;
    this.pending = new Map();
    this.next = 0;
    worker.onmessage = ({ data }) => {
      const call = this.pending.get(data.id);
      this.pending.delete(data.id);
      if (data.error !== undefined) call?.reject(new Error(data.error));
      else call?.resolve(data);
    };
    worker.onerror = (e) => {
      e.preventDefault();
      for (const call of this.pending.values()) call.reject(new Error(e.message || 'the on-device runtime did not load'));
      this.pending.clear();
    };
  }

  /** Downloads the model and prepares it in the worker. */
  static async load() {
    const download = fetchModel();
    download.catch(() => {}); // awaited below; this only keeps an early failure from being reported twice
    const worker = new Worker(new URL('./device-worker.js', import.meta.url), { type: 'module' });
    const device = new DeviceModel(worker, null);
    try {
      const { bytes, etag, url } = await download;
      const size = bytes.byteLength;
      const { info } = await device.#call({ type: 'load', bytes: bytes.buffer }, [bytes.buffer]);
      device.info = { ...info, etag, bytes: size, url };
      return device;
    } catch (e) {
      worker.terminate();
      throw e;
    }
  }

  /**
   * Classifies one 28×28 image (784 values in [0, 1], white on black, NCHW [1,1,28,28]).
   * @returns {Promise<Float32Array>} 10 probabilities
   */
  async classify(pixels) { return (await this.classifyBatch(pixels, 1)).subarray(0, 10); }

  /**
   * Classifies `count` 28×28 images in one model call (pixels: count·784 values, NCHW [count,1,28,28]).
   * @returns {Promise<Float32Array>} count·10 probabilities, row by row
   */
  async classifyBatch(pixels, count) {
    const { output } = await this.#call({ type: 'run', pixels: Float32Array.from(pixels.subarray(0, count * 784)), count });
    const width = output.length / count, out = new Float32Array(count * 10);
    for (let i = 0; i < count; i++) out.set(toProbabilities(output.subarray(i * width, i * width + 10)), i * 10);
    return out;
  }

  #call(message, transfer = []) {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }
}

async function fetchModel() {
  let lastError;
  for (const url of MODEL_URLS) {
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
