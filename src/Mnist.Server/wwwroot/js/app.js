// The digit pad: draw → preprocess (the JS twin of the C# definition) → classify on this device or on the server.
//
// Test hooks (docs/design.md): data-testid pad, prediction, probabilities, mode, clear, status, number, number-mode.
// The number element shows the whole number read (number.js on this device, POST /v1/read on the server) whenever
// there is ink, and carries data-answered (the request its answer belongs to), data-state, data-mode,
// data-latency-ms, data-confident and data-digits (JSON). The prediction element
// also carries data-requested (predictions asked for so far: one per stroke end, clear, undo or mode change),
// data-answered (the request the shown answer belongs to; answers to superseded requests are dropped), data-seq
// (answers shown), data-mode, data-latency-ms and data-state, so tests can wait for the answer without guessing.

import { DrawingPad } from './pad.js';
import { fromStrokes, SIZE } from './preprocessing.js';
import { DeviceModel } from './device.js';
import { predictOnServer, readOnServer } from './remote.js';
import { readNumber, assess } from './number.js';

const $ = (id) => document.getElementById(id);
const els = {
  pad: $('pad'), undo: $('undo'), clear: $('clear'), mode: $('mode'), prediction: $('prediction'),
  message: $('message'), latency: $('latency'), preview: $('preview'), bars: $('probabilities'),
  status: $('status'), modelName: $('model-name'), offline: $('offline'),
  number: $('number'), numberNote: $('number-note'), result: $('result'), kind: $('kind'), main: document.querySelector('main'),
};

const MESSAGES = {
  no_ink: 'Draw a digit.',
  too_little_ink: 'Too little ink to read.',
  too_small: 'Too small: write the digit larger.',
  blob: 'That looks like a blob, not a digit.',
};

const pad = new DrawingPad(els.pad);
let deviceModel = null;
let deviceModelError = null;
let sequence = 0; // bumps on every request; answers of older requests are dropped
let shown = 0;    // answers shown so far (data-seq)
let serverRequest = null;

// ---- probability bars ------------------------------------------------------------------------------------------
const barRows = [];
for (let d = 0; d < 10; d++) {
  const li = document.createElement('li');
  li.innerHTML = `<span class="digit">${d}</span><span class="track"><span class="fill"></span></span><span class="value">–</span>`;
  li.setAttribute('aria-label', `${d}: no answer`);
  els.bars.append(li);
  barRows.push({ li, fill: li.querySelector('.fill'), value: li.querySelector('.value') });
}

function renderBars(probabilities) {
  let top = -1;
  if (probabilities) top = probabilities.indexOf(Math.max(...probabilities));
  barRows.forEach((row, d) => {
    const p = probabilities ? probabilities[d] : 0;
    row.fill.style.width = `${(100 * p).toFixed(1)}%`;
    row.value.textContent = probabilities ? `${(100 * p).toFixed(p >= 0.995 || p < 0.005 ? 0 : 1)}%` : '–';
    row.li.classList.toggle('top', d === top);
    row.li.setAttribute('aria-label', probabilities ? `${d}: ${(100 * p).toFixed(1)} percent` : `${d}: no answer`);
  });
  els.bars.dataset.values = probabilities ? Array.from(probabilities, (p) => p.toFixed(6)).join(',') : '';
}

function renderPreview(pixels) {
  const ctx = els.preview.getContext('2d');
  const image = ctx.createImageData(SIZE, SIZE);
  for (let i = 0; i < SIZE * SIZE; i++) {
    const v = Math.round(255 * (pixels ? pixels[i] : 0));
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = v;
    image.data[4 * i + 3] = 255;
  }
  ctx.putImageData(image, 0, 0);
}

function show(id, { digit, probabilities, message, latencyText, latencyMs, mode, state, confident = true }) {
  els.prediction.textContent = digit ?? '';
  // An unconfident answer (the model's output is flat or split: a letter, a shape, a scrawl) is shown as a guess.
  const guess = digit != null && !confident;
  els.prediction.classList.toggle('guess', guess);
  els.prediction.setAttribute('aria-label', digit == null ? 'No digit recognized'
    : guess ? `Not sure this is a digit; best guess ${digit}` : `Recognized digit: ${digit}`);
  els.message.textContent = message;
  els.latency.textContent = latencyText ?? '';
  renderBars(probabilities);
  shown++;
  Object.assign(els.prediction.dataset, {
    seq: String(shown), answered: String(id), mode, state, latencyMs: latencyMs == null ? '' : latencyMs.toFixed(3),
    confident: digit == null ? '' : String(!guess),
  });
  if (shown === 1) els.prediction.dataset.firstAt = performance.now().toFixed(1);
}

/**
 * Shows a number reading: each digit a span, the ones the model is unsure of marked as guesses.
 * @param {{number: string, confident?: boolean, confidence?: number, digits?: Array<{digit: number, confident: boolean, confidence: number}>}|null} reading
 */
function showNumber(id, reading, { mode, state, note, latencyMs }) {
  const digits = reading?.digits ?? [];
  els.number.replaceChildren(...digits.map((d) => {
    const span = document.createElement('span');
    span.textContent = String(d.digit);
    if (!d.confident) { span.className = 'guess'; span.title = `a guess (${(100 * d.confidence).toFixed(0)}% sure)`; }
    return span;
  }));
  const guesses = digits.filter((d) => !d.confident).length;
  els.number.setAttribute('aria-label', digits.length === 0 ? 'No number read'
    : `Number read: ${digits.map((d) => d.digit).join(' ')}` + (guesses ? `; ${guesses} of the digits ${guesses === 1 ? 'is a guess' : 'are guesses'}` : ''));
  els.numberNote.textContent = note ?? (digits.length === 0 ? ''
    : guesses > 0 ? `Digits marked ? are guesses: rewrite them more clearly.`
    : digits.length > 1 ? `${digits.length} digits, ${(100 * (reading.confidence ?? 0)).toFixed(0)}% sure` : '');
  els.result.classList.toggle('multi', digits.length > 1);
  Object.assign(els.number.dataset, {
    answered: String(id), mode, state, confident: String(!!reading?.confident && digits.length > 0),
    latencyMs: latencyMs == null ? '' : latencyMs.toFixed(3),
    digits: JSON.stringify(digits.map((d) => ({ digit: d.digit, confidence: +Number(d.confidence).toFixed(4), confident: !!d.confident }))),
  });
}

// ---- prediction ------------------------------------------------------------------------------------------------
function sureText(digit, confidence, confident) {
  const percent = `${(100 * confidence).toFixed(1)}%`;
  return confident ? `${percent} sure` : `Not sure this is a digit (best guess ${digit}, ${percent})`;
}

function currentMode() { return els.mode.value === 'server' ? 'server' : 'device'; }

async function predict() {
  const id = ++sequence;
  els.prediction.dataset.requested = String(id);
  const mode = currentMode();
  const strokes = pad.strokes.map((s) => s.map((p) => [p[0], p[1]]));
  serverRequest?.abort();
  serverRequest = null;
  els.number.dataset.state = 'busy';
  if (strokes.length === 0) {
    renderPreview(null);
    show(id, { digit: null, probabilities: null, message: MESSAGES.no_ink, mode, state: 'empty' });
    showNumber(id, null, { mode, state: 'empty' });
    return;
  }
  const t0 = performance.now();
  // The canvas size enables the "a dot, not a digit" check; the server, which sees no canvas, would classify
  // such a dot, so the check is made here for both modes and a dot is never sent.
  const pre = fromStrokes(strokes, pad.width, pad.height);
  renderPreview(pre.pixels);
  if (pre.isEmpty) {
    show(id, { digit: null, probabilities: null, message: MESSAGES[pre.reason] ?? pre.message, mode, state: 'empty' });
    showNumber(id, null, { mode, state: 'empty' });
    return;
  }
  els.prediction.dataset.state = 'busy';
  try {
    if (mode === 'device') {
      if (!deviceModel) throw new Error(deviceModelError ? `the on-device model is unavailable (${deviceModelError})` : 'the on-device model is still loading');
      const probabilities = await deviceModel.classify(pre.pixels);
      const ms = performance.now() - t0;
      if (id !== sequence) return;
      const { digit, confident } = assess(probabilities);
      show(id, {
        digit, probabilities, mode, state: 'done', latencyMs: ms, confident,
        message: sureText(digit, probabilities[digit], confident),
        latencyText: `${ms.toFixed(1)} ms on this device`,
      });
      // The whole number, after the one-digit answer is shown (its framing work would otherwise delay it).
      // Skipped once the drawing goes on (a new stroke has begun): the model runs one call at a time, and the next
      // stroke's digit must not wait behind this reading's batches.
      const t1 = performance.now();
      const current = (x, n) => (id !== sequence || pad.current
        ? Promise.reject(new DOMException('superseded by the next stroke', 'AbortError'))
        : deviceModel.classifyBatch(x, n));
      const reading = await readNumber(strokes, current, pad.width, pad.height);
      if (id !== sequence) return;
      showNumber(id, reading, { mode, state: reading.digits.length ? 'done' : 'empty', latencyMs: performance.now() - t1,
        note: reading.digits.length ? undefined : (MESSAGES[reading.reason] ?? reading.message) });
    } else {
      serverRequest = new AbortController();
      readNumberOnServer(id, strokes, mode, serverRequest.signal);
      const answer = await predictOnServer(strokes, serverRequest.signal);
      const ms = performance.now() - t0;
      if (id !== sequence) return;
      const hasDigit = answer.digit !== null && answer.digit !== undefined;
      show(id, {
        digit: hasDigit ? answer.digit : null,
        probabilities: hasDigit ? answer.probabilities : null,
        mode, state: hasDigit ? 'done' : 'empty', latencyMs: ms, confident: answer.confident !== false,
        message: hasDigit ? sureText(answer.digit, answer.confidence, answer.confident !== false) : (answer.message ?? MESSAGES.no_ink),
        latencyText: `${ms.toFixed(0)} ms round trip` + (answer.elapsed_ms != null ? ` (server ${Number(answer.elapsed_ms).toFixed(1)} ms)` : ''),
      });
    }
  } catch (e) {
    if (e.name === 'AbortError' || id !== sequence) return;
    if (els.prediction.dataset.answered !== String(id)) {
      show(id, { digit: null, probabilities: null, message: `No answer: ${e.message}`, mode, state: 'error' });
    }
    // In server mode the number has its own request (readNumberOnServer), which answers for itself.
    if (mode === 'device') showNumber(id, null, { mode, state: 'error', note: `No number: ${e.message}` });
  }
}

/** POST /v1/read, alongside /v1/predict; its answer goes to the number element only. */
async function readNumberOnServer(id, strokes, mode, signal) {
  const t0 = performance.now();
  try {
    const answer = await readOnServer(strokes, pad.width, pad.height, signal);
    if (id !== sequence) return;
    const digits = Array.isArray(answer.digits) ? answer.digits : [];
    showNumber(id, answer, { mode, state: digits.length ? 'done' : 'empty', latencyMs: performance.now() - t0,
      note: digits.length ? undefined : (MESSAGES[answer.no_digit] ?? answer.message ?? '') });
  } catch (e) {
    if (e.name === 'AbortError' || id !== sequence) return;
    showNumber(id, null, { mode, state: 'error', note: `No number from the server: ${e.message}` });
  }
}

// ---- controls --------------------------------------------------------------------------------------------------
function updateButtons() {
  const any = pad.strokes.length > 0;
  els.undo.disabled = !any;
  els.clear.disabled = !any;
}

pad.addEventListener('strokeend', () => predict());
pad.addEventListener('change', updateButtons);
els.clear.addEventListener('click', () => { pad.clear(); predict(); els.pad.focus(); });
els.undo.addEventListener('click', () => { pad.undo(); predict(); });
els.pad.addEventListener('keydown', (e) => {
  if (e.key === 'Delete' || e.key === 'Backspace' || e.key === 'Escape') { e.preventDefault(); els.clear.click(); }
});
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z' && !e.shiftKey) { e.preventDefault(); els.undo.click(); }
});

const savedMode = localStorage.getItem('mnist.mode');
if (savedMode === 'device' || savedMode === 'server') els.mode.value = savedMode;
els.mode.addEventListener('change', () => {
  localStorage.setItem('mnist.mode', currentMode());
  if (pad.strokes.length > 0) predict(); // the same drawing, asked again in the new mode
});
// Number mode: a wide, short pad for several digits. Switching clears the drawing (the pad changes shape, which
// would stretch what is drawn).
function setNumberMode(on) {
  els.main.classList.toggle('number-mode', on);
  els.kind.setAttribute('aria-pressed', String(on));
  localStorage.setItem('mnist.numberMode', on ? '1' : '0');
}
setNumberMode(localStorage.getItem('mnist.numberMode') === '1');
els.kind.addEventListener('click', () => {
  setNumberMode(els.kind.getAttribute('aria-pressed') !== 'true');
  if (pad.strokes.length > 0) { pad.clear(); predict(); }
  pad.resize();
});

renderBars(null);
renderPreview(null);

// ---- model and offline support ---------------------------------------------------------------------------------
async function start() {
  const t0 = performance.now();
  try {
    deviceModel = await DeviceModel.load();
    els.status.textContent = 'ready';
    els.status.dataset.readyAt = performance.now().toFixed(1);
    els.modelName.textContent = `(${(deviceModel.info.bytes / 1024).toFixed(0)} KB, loaded in ${(performance.now() - t0).toFixed(0)} ms)`;
  } catch (e) {
    // No on-device runtime (assets not installed, an old browser, no WebAssembly): the server still recognizes
    // digits, so the page switches to it instead of failing every drawing. The cause goes to the console; the page
    // shows one short line (a raw error can hold a long URL that widened the layout on a phone).
    deviceModelError = e.message;
    console.error(e);
    els.mode.value = 'server';
    const deviceOption = els.mode.querySelector('option[value="device"]');
    if (deviceOption) deviceOption.disabled = true;
    els.status.textContent = 'ready';
    els.status.dataset.readyAt = performance.now().toFixed(1);
    els.status.dataset.fallback = 'server';
    els.modelName.textContent = '(on the server: this browser cannot run the model itself)';
    if (pad.strokes.length > 0) predict();
  }
  // Registered after the model has loaded, so the worker's precache finds the large files in the HTTP cache
  // instead of downloading them a second time during the first visit.
  if ('serviceWorker' in navigator) {
    try {
      await navigator.serviceWorker.register(new URL('../service-worker.js', import.meta.url), { scope: new URL('../', import.meta.url).href });
      await navigator.serviceWorker.ready;
      // 'ready' resolves when the worker starts activating; it controls this page once its activation has claimed it.
      if (!navigator.serviceWorker.controller) {
        await new Promise((resolve) => {
          navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true });
          setTimeout(resolve, 10_000); // a hard reload is never controlled; the next visit is
        });
      }
      document.documentElement.dataset.offlineReady = 'true';
      els.offline.textContent = deviceModel ? 'Device mode works offline.' : '';
    } catch (e) {
      els.offline.textContent = `Offline use unavailable: ${e.message}`;
    }
  }
}
start();
