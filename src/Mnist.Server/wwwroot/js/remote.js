// Server inference: POST the strokes to /v1/predict (DESIGN.md, HTTP API).

const PREDICT_URL = new URL('../v1/predict', import.meta.url).href;

/**
 * @param {number[][][]} strokes strokes of [x, y] points
 * @param {AbortSignal} [signal]
 * @returns {Promise<{digit: number|null, confidence: number, probabilities: number[], model?: string, elapsed_ms?: number}>}
 */
export async function predictOnServer(strokes, signal) {
  const response = await fetch(PREDICT_URL, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ strokes }),
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
