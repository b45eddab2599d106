// The on-device model in a worker: loading it (parsing, copying the weights into the WebAssembly memory, the first run)
// and every inference happen off the page's main thread, which stays free for drawing.
//
// Messages in:  {id, type: 'load', bytes}  the model file (its ArrayBuffer transferred)
//               {id, type: 'run', pixels, count}  count·784 values in [0, 1]
// Messages out: {id, info} after a load, {id, output} (Float32Array, count rows) after a run, {id, error} on failure.

import { Model } from './runtime.js';

let model = null;

self.onmessage = ({ data }) => {
  const { id } = data;
  try {
    if (data.type === 'load') {
      model = new Model(new Uint8Array(data.bytes));
      model.run(new Float32Array(784), 1); // warm-up: the first run compiles the hot loops
      self.postMessage({ id, info: { kernel: model.kernel, precision: model.quantized ? 'int8' : 'float' } });
    } else {
      const output = model.run(data.pixels, data.count).slice(); // its own buffer, to transfer
      self.postMessage({ id, output }, [output.buffer]);
    }
  } catch (e) {
    self.postMessage({ id, error: e.message });
  }
};
