// A reader for the ONNX files this project writes: the protobuf wire format, and from it the graph (nodes,
// attributes, initializers) — only the fields of onnx.proto that an inference graph needs. Field numbers follow
// onnx.proto (ModelProto.graph = 7, GraphProto.node = 1 / initializer = 5 / input = 11 / output = 12, …).

const TEXT = new TextDecoder();

/** One protobuf message: calls visit(field, wireType, reader) for every field; the reader is positioned on its value. */
class Proto {
  constructor(bytes, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  varint() {
    // Values above 2^53 do not occur in the fields read here (dims, data types, attribute ints of a small CNN).
    let result = 0, scale = 1, b;
    do {
      if (this.pos >= this.end) throw new Error('ONNX: truncated varint');
      b = this.bytes[this.pos++];
      result += (b & 0x7f) * scale;
      scale *= 128;
    } while (b & 0x80);
    return result;
  }

  /** A signed int64 field (two's complement in 10 bytes when negative). */
  int64() {
    const v = this.varint();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }

  sub() {
    const length = this.varint();
    const start = this.pos;
    this.pos += length;
    if (this.pos > this.end) throw new Error('ONNX: truncated field');
    return new Proto(this.bytes, start, this.pos);
  }

  bytesField() { const p = this.sub(); return this.bytes.subarray(p.pos, p.end); }
  string() { return TEXT.decode(this.bytesField()); }

  skip(wireType) {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.sub();
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`ONNX: unsupported wire type ${wireType}`);
  }

  each(visit) {
    while (this.pos < this.end) {
      const key = this.varint();
      const field = Math.floor(key / 8), wireType = key & 7;
      if (!visit(field, wireType, this)) this.skip(wireType);
    }
  }

  /** A repeated scalar field, packed (wire type 2) or not. */
  repeated(wireType, read, out) {
    if (wireType === 2) { const p = this.sub(); while (p.pos < p.end) out.push(read(p)); }
    else out.push(read(this));
  }
}

const DATA_TYPES = { 1: 'float32', 2: 'uint8', 3: 'int8', 6: 'int32', 7: 'int64' };

function readTensor(p) {
  const t = { name: '', dims: [], type: '', raw: null, floats: [], int32s: [], int64s: [] };
  p.each((f, w, r) => {
    switch (f) {
      case 1: r.repeated(w, (q) => q.int64(), t.dims); return true;
      case 2: t.type = DATA_TYPES[r.varint()] ?? 'unsupported'; return true;
      case 4: r.repeated(w, (q) => { const v = new DataView(q.bytes.buffer, q.bytes.byteOffset + q.pos, 4).getFloat32(0, true); q.pos += 4; return v; }, t.floats); return true;
      case 5: r.repeated(w, (q) => q.int64(), t.int32s); return true;
      case 7: r.repeated(w, (q) => q.int64(), t.int64s); return true;
      case 8: t.name = r.string(); return true;
      case 9: t.raw = r.bytesField(); return true;
      default: return false;
    }
  });
  return { name: t.name, dims: t.dims, type: t.type, data: tensorData(t) };
}

/** The tensor's values as a typed array of its type (raw_data is little-endian, as on every browser's platform). */
function tensorData(t) {
  const count = t.dims.reduce((a, b) => a * b, 1);
  const Types = { float32: Float32Array, uint8: Uint8Array, int8: Int8Array, int32: Int32Array };
  if (t.type === 'int64') {
    if (t.raw) {
      const view = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.byteLength);
      return Array.from({ length: t.raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(8 * i, true)));
    }
    return t.int64s;
  }
  const Type = Types[t.type];
  if (!Type) throw new Error(`ONNX: tensor '${t.name}' has an unsupported data type`);
  if (t.raw) {
    const copy = new Uint8Array(t.raw); // aligned copy
    return new Type(copy.buffer, 0, copy.byteLength / Type.BYTES_PER_ELEMENT);
  }
  const values = t.type === 'float32' ? t.floats : t.int32s;
  if (values.length !== count) throw new Error(`ONNX: tensor '${t.name}' holds ${values.length} values, its shape ${count}`);
  return Type.from(values);
}

function readAttribute(p) {
  const a = { name: '', value: undefined, ints: [], floats: [] };
  p.each((f, w, r) => {
    switch (f) {
      case 1: a.name = r.string(); return true;
      case 2: a.value = new DataView(r.bytes.buffer, r.bytes.byteOffset + r.pos, 4).getFloat32(0, true); r.pos += 4; return true;
      case 3: a.value = r.int64(); return true;
      case 4: a.value = r.string(); return true;
      case 5: a.value = readTensor(r.sub()); return true;
      case 7: r.repeated(w, (q) => { const v = new DataView(q.bytes.buffer, q.bytes.byteOffset + q.pos, 4).getFloat32(0, true); q.pos += 4; return v; }, a.floats); return true;
      case 8: r.repeated(w, (q) => q.int64(), a.ints); return true;
      default: return false;
    }
  });
  if (a.value === undefined) a.value = a.ints.length ? a.ints : a.floats;
  return a;
}

function readNode(p) {
  const n = { inputs: [], outputs: [], name: '', op: '', domain: '', attributes: {} };
  p.each((f, w, r) => {
    switch (f) {
      case 1: n.inputs.push(r.string()); return true;
      case 2: n.outputs.push(r.string()); return true;
      case 3: n.name = r.string(); return true;
      case 4: n.op = r.string(); return true;
      case 5: { const a = readAttribute(r.sub()); n.attributes[a.name] = a.value; return true; }
      case 7: n.domain = r.string(); return true;
      default: return false;
    }
  });
  return n;
}

function readValueInfoName(p) {
  let name = '';
  p.each((f, w, r) => { if (f !== 1) return false; name = r.string(); return true; });
  return name;
}

/**
 * Reads an ONNX model: { nodes, initializers: Map(name → {dims, type, data}), inputs, outputs, metadata }.
 * Graph inputs that are also initializers (older exporters) are dropped from `inputs`.
 * @param {Uint8Array} bytes
 */
export function readOnnx(bytes) {
  const model = { nodes: [], initializers: new Map(), inputs: [], outputs: [], metadata: {} };
  new Proto(bytes).each((f, w, r) => {
    if (f === 14) { // metadata_props
      let key = '', value = '';
      r.sub().each((g, _, s) => { if (g === 1) key = s.string(); else if (g === 2) value = s.string(); else return false; return true; });
      model.metadata[key] = value;
      return true;
    }
    if (f !== 7) return false;
    r.sub().each((g, _, s) => {
      switch (g) {
        case 1: model.nodes.push(readNode(s.sub())); return true;
        case 5: { const t = readTensor(s.sub()); model.initializers.set(t.name, t); return true; }
        case 11: model.inputs.push(readValueInfoName(s.sub())); return true;
        case 12: model.outputs.push(readValueInfoName(s.sub())); return true;
        default: return false;
      }
    });
    return true;
  });
  model.inputs = model.inputs.filter((name) => !model.initializers.has(name));
  return model;
}
