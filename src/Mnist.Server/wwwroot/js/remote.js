// Server inference: POST the strokes to /v1/predict (one digit) or /v1/read (a whole number) (docs/design.md, HTTP API).

const PREDICT_URL = new URL('../v1/predict', import.meta.url).href;
const READ_URL = new URL('../v1/read', import.meta.url).href;

/**
 * @param {number[][][]} strokes strokes of [x, y] points
 * @param {AbortSignal} [signal]
 * @returns {Promise<{digit: number|null, confidence: number, probabilities: number[], model?: string, elapsed_ms?: number}>}
 */
export function predictOnServer(strokes, signal) {
  return post(PREDICT_URL, { strokes }, signal);
}

/**
 * Reads a whole number on the server.
 * @param {number[][][]} strokes strokes of [x, y] points
 * @param {number} width width of the pad in the points' units
 * @param {number} height height of the pad
 * @param {AbortSignal} [signal]
 * @returns {Promise<{number: string, confidence: number, confident: boolean, digits: Array<{digit: number,
 *   confidence: number, confident: boolean, box: number[], probabilities: number[]}>, no_digit?: string,
 *   message?: string, model?: string, elapsed_ms?: number}>}
 */
export function readOnServer(strokes, width, height, signal) {
  return post(READ_URL, { strokes, width, height }, signal);
}

async function post(url, body, signal) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) {
    let detail = `HTTP ${response.status}`;
    try {
      const problem = await response.json();
      detail = problem.detail || problem.title || detail;
    } catch { /* not JSON */ }
    throw new Error(detail);
  }
  return response.json();
}
