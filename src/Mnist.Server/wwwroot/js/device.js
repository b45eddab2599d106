// On-device inference: onnxruntime-web (WASM) running the server's current ONNX model in this browser.
// Every asset comes from our own server: /lib/ort/ (copied from the onnxruntime-web npm package at build time)
// and /v1/models/current.onnx (revalidated by ETag on each load; the service worker keeps a copy for offline use).

const WASM_URL = new URL('../lib/ort/ort-wasm-simd-threaded.wasm', import.meta.url).href;
export const MODEL_URL = new URL('../v1/models/current.onnx', import.meta.url).href;

export class DeviceModel {
  constructor(ort, session, info) {
    this.ort = ort;
    this.session = session;
    this.info = info;
    this.inputName = session.inputNames[0];
    this.outputName = session.outputNames.includes('probabilities') ? 'probabilities' : session.outputNames[0];
    this.queue = Promise.resolve();
    this.batched = undefined; // whether the model takes batches larger than 1 (unknown until tried)
  }

  /**
   * Loads onnxruntime-web and the model. Single-threaded WASM unless the page is cross-origin isolated
   * (SharedArrayBuffer is only available then); one MNIST digit is far below the size where threads pay off.
   */
  static async load() {
    // The model downloads while the runtime loads.
    const download = fetchModel();
    download.catch(() => {}); // awaited below; this only keeps an early failure from being reported twice
    const ort = await import('../lib/ort/ort.wasm.bundle.min.mjs');
    // Only the .wasm location: the bundle carries its Emscripten loader (a prefix would make it fetch a separate .mjs).
    ort.env.wasm.wasmPaths = { wasm: WASM_URL };
    ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'error';
    const { bytes, etag } = await download;
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const info = { etag, bytes: bytes.length };
    const model = new DeviceModel(ort, session, info);
    await model.classify(new Float32Array(784)); // warm-up: the first run allocates and plans
    return model;
  }

  /**
   * Classifies one 28×28 image (784 values in [0, 1], white on black, NCHW [1,1,28,28]).
   * Runs are queued: a session runs one inference at a time.
   * @returns {Promise<Float32Array>} 10 probabilities
   */
  classify(pixels) {
    const run = async () => {
      const input = new this.ort.Tensor('float32', pixels, [1, 1, 28, 28]);
      const outputs = await this.session.run({ [this.inputName]: input });
      return toProbabilities(outputs[this.outputName].data);
    };
    return this.#enqueue(run);
  }

  /**
   * Classifies `count` 28×28 images in one model call (pixels: count·784 values, NCHW [count,1,28,28]).
   * A model whose batch size is fixed at 1 is run once per image instead (remembered after the first failure).
   * @returns {Promise<Float32Array>} count·10 probabilities, row by row
   */
  classifyBatch(pixels, count) {
    const run = async () => {
      const out = new Float32Array(count * 10);
      if (count > 1 && this.batched !== false) {
        try {
          const input = new this.ort.Tensor('float32', pixels, [count, 1, 28, 28]);
          const outputs = await this.session.run({ [this.inputName]: input });
          const data = outputs[this.outputName].data;
          if (data.length < count * 10) throw new Error(`batched output has ${data.length} values`);
          const width = data.length / count;
          for (let i = 0; i < count; i++) out.set(toProbabilities(data.subarray(i * width, i * width + 10)), i * 10);
          this.batched = true;
          return out;
        } catch (e) {
          if (this.batched === true) throw e; // batches worked before: a real failure
          this.batched = false;
        }
      }
      for (let i = 0; i < count; i++) {
        const input = new this.ort.Tensor('float32', pixels.subarray(i * 784, (i + 1) * 784), [1, 1, 28, 28]);
        const outputs = await this.session.run({ [this.inputName]: input });
        out.set(toProbabilities(outputs[this.outputName].data), i * 10);
      }
      return out;
    };
    return this.#enqueue(run);
  }

  /** Runs are queued: a session runs one inference at a time. */
  #enqueue(run) {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }
}

async function fetchModel() {
  // 'no-cache' revalidates with If-None-Match: an unchanged model costs a 304, a new one is downloaded.
  const response = await fetch(MODEL_URL, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`model download failed: HTTP ${response.status}`);
  return { bytes: new Uint8Array(await response.arrayBuffer()), etag: response.headers.get('ETag') };
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
