// The drawing pad: pointer events (finger, pen, mouse) on a high-DPI canvas, strokes kept in CSS pixels.

/** Ink width on screen as a fraction of the pad's side (display only: the preprocessing draws its own pen). */
const INK_FRACTION = 0.045;

export class DrawingPad extends EventTarget {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    super();
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    /** @type {number[][][]} finished strokes, each a list of [x, y] in CSS pixels from the pad's top-left */
    this.done = [];
    /** @type {number[][] | null} the stroke being drawn */
    this.current = null;
    this.pointerId = null;
    this.width = 0;
    this.height = 0;

    canvas.addEventListener('pointerdown', (e) => this.#down(e));
    canvas.addEventListener('pointermove', (e) => this.#move(e));
    canvas.addEventListener('pointerup', (e) => this.#up(e));
    canvas.addEventListener('pointercancel', (e) => this.#up(e));
    canvas.addEventListener('lostpointercapture', (e) => this.#up(e));
    // No context menu or text selection from a long press on touch screens.
    canvas.addEventListener('contextmenu', (e) => e.preventDefault());
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  /** Finished strokes (the stroke in progress is not included). */
  get strokes() { return this.done; }

  /** Matches the backing store to the displayed size times the device pixel ratio, keeping the strokes. */
  resize() {
    const rect = this.canvas.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(rect.width * dpr), h = Math.round(rect.height * dpr);
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    this.scaleX = w / rect.width;
    this.scaleY = h / rect.height;
    // Strokes are stored in CSS pixels; a resize (rotation) rescales them to the new size.
    if (this.width > 0 && (this.width !== rect.width || this.height !== rect.height)) {
      const sx = rect.width / this.width, sy = rect.height / this.height;
      for (const s of this.done) for (const p of s) { p[0] *= sx; p[1] *= sy; }
    }
    this.width = rect.width;
    this.height = rect.height;
    this.redraw();
  }

  clear() {
    this.done = [];
    this.current = null;
    this.pointerId = null;
    this.redraw();
    this.dispatchEvent(new Event('change'));
  }

  undo() {
    if (this.done.length === 0) return;
    this.done.pop();
    this.redraw();
    this.dispatchEvent(new Event('change'));
  }

  redraw() {
    const { ctx, canvas } = this;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(this.scaleX, 0, 0, this.scaleY, 0, 0);
    for (const s of this.done) this.#drawStroke(s, 0);
    if (this.current) this.#drawStroke(this.current, 0);
  }

  #style() {
    const { ctx } = this;
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.lineWidth = Math.max(2, INK_FRACTION * Math.min(this.width, this.height));
  }

  /** Draws points from index `from - 1` on (so new segments join the previous point). */
  #drawStroke(points, from) {
    const { ctx } = this;
    this.#style();
    if (points.length === 1) {
      ctx.beginPath();
      ctx.arc(points[0][0], points[0][1], ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    ctx.beginPath();
    const start = Math.max(0, from - 1);
    ctx.moveTo(points[start][0], points[start][1]);
    for (let i = start + 1; i < points.length; i++) ctx.lineTo(points[i][0], points[i][1]);
    ctx.stroke();
  }

  #point(e) {
    const rect = this.canvas.getBoundingClientRect();
    return [e.clientX - rect.left, e.clientY - rect.top];
  }

  #down(e) {
    if (this.pointerId !== null) return; // one pen at a time: a second finger does not draw
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault();
    this.pointerId = e.pointerId;
    try { this.canvas.setPointerCapture(e.pointerId); } catch { /* synthetic events have no capture */ }
    this.current = [this.#point(e)];
    this.#drawStroke(this.current, 0);
  }

  #move(e) {
    if (e.pointerId !== this.pointerId || !this.current) return;
    e.preventDefault();
    const from = this.current.length;
    // Coalesced events keep every sample the hardware delivered between two animation frames.
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const ce of events.length > 0 ? events : [e]) {
      const p = this.#point(ce);
      const last = this.current[this.current.length - 1];
      if (p[0] !== last[0] || p[1] !== last[1]) this.current.push(p);
    }
    if (this.current.length > from) this.#drawStroke(this.current, from);
  }

  #up(e) {
    if (e.pointerId !== this.pointerId || !this.current) return;
    if (e.type === 'pointerup') {
      const p = this.#point(e);
      const last = this.current[this.current.length - 1];
      if (p[0] !== last[0] || p[1] !== last[1]) this.current.push(p);
    }
    this.pointerId = null;
    const stroke = this.current;
    this.current = null;
    this.done.push(stroke);
    this.redraw();
    this.dispatchEvent(new CustomEvent('strokeend', { detail: { stroke } }));
    this.dispatchEvent(new Event('change'));
  }
}
