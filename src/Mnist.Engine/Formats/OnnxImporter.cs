using System.Globalization;
using Mnist.Engine.Formats.Onnx;
using Mnist.Engine.Layers;
using Mnist.Engine.Tensors;

namespace Mnist.Engine.Formats;

/// <summary>
/// Reads an ONNX model into the managed engine for inference (<see cref="ImportedModel"/>).
/// </summary>
/// <remarks>
/// <para>The graph must be a chain: one float input, one output, every node reading the previous node's result
/// (plus constants). Supported ops, default domain, any opset from 7: Conv (group 1, square kernel, equal strides,
/// symmetric pads, dilations 1, auto_pad NOTSET/VALID/SAME_* when it is symmetric), Relu, Tanh, Sigmoid, MaxPool and
/// AveragePool (square, symmetric pads; ceil_mode only where it does not change the size), GlobalAveragePool, Gemm
/// (alpha, beta, transB; transA 0), MatMul by a constant, Add/Sub/Mul/Div by a constant (folded into the preceding
/// Conv/Gemm bias where possible, else a <see cref="ScaleShift{T}"/>), Flatten(axis 1), Reshape with a constant shape
/// (initializer or Constant node; -1 and 0 resolved), BatchNormalization (inference), Dropout, Identity, Constant,
/// Softmax as the last op, and Transpose where it can be folded: one that only moves size-1 axes (NHWC↔NCHW with one
/// channel, as at a Keras model's input) becomes a view, and one right before a Flatten/Reshape is folded into the
/// next Gemm/MatMul's weight columns.</para>
/// <para>The batch size always comes from the input: a file that fixes it (e.g. [10,1,28,28]) still runs at any N.</para>
/// </remarks>
public static class OnnxImporter
{
    /// <summary>
    /// The most values one item (one image) may have at the input or after any layer: 2^20 floats, 4 MB. The
    /// networks this project trains peak at 32×28×28 = 25,088; the limit leaves 40× headroom while refusing, before
    /// anything is allocated, a tiny file whose declared shapes would need gigabytes per image (e.g. an input of
    /// [N,1,23170,23170] followed by an Add of a scalar, which broadcasts the constant to 2 GB).
    /// </summary>
    public const int MaxItemElements = 1 << 20;

    /// <summary>Reads the ONNX file at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">Not a well-formed ONNX file, or a graph that is not a chain.</exception>
    /// <exception cref="NotSupportedException">An operator or attribute the engine cannot run; the message names the op and node.</exception>
    public static ImportedModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Load(File.ReadAllBytes(path));
    }

    /// <summary>Reads ONNX bytes.</summary>
    /// <inheritdoc cref="Load(string)"/>
    public static ImportedModel Load(ReadOnlySpan<byte> bytes) => Import(OnnxModel.Parse(bytes));

    /// <summary>Converts a decoded model.</summary>
    /// <inheritdoc cref="Load(string)"/>
    public static ImportedModel Import(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        try
        {
            return new Importer(model).Run();
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            // Layer constructors and shape arithmetic validate their arguments; here those arguments came from the
            // file, so a rejection is a property of the file, reported like every other malformed-file error.
            throw new InvalidDataException($"The ONNX graph describes an impossible layer or shape: {e.Message}", e);
        }
    }

    private sealed class Importer
    {
        private readonly ModelProto _model;
        private readonly GraphProto _graph;
        private readonly long _opset;
        private readonly Dictionary<string, TensorProto> _constants = [];
        private readonly List<Step> _steps = [];
        private readonly HashSet<string> _names = [];
        private readonly Dictionary<string, int> _consumers = [];
        private int[] _physical = [];  // item shape of the engine tensor so far
        private int[] _logical = [];   // item shape the ONNX graph sees (differs from _physical while a transpose is pending)
        private int[]? _perm;          // item-axis permutation: logical axis i is physical axis _perm[i] (null: identity)
        private int[]? _columnOrder;   // after a folded transpose + flatten: physical flat index → logical flat index
        private long? _fixedBatch;

        public Importer(ModelProto model)
        {
            _model = model;
            _graph = model.Graph;
            _opset = model.GetOpsetVersion() ?? 1;
        }

        public ImportedModel Run()
        {
            foreach (var t in _graph.Initializer) _constants[t.Name] = t;
            RejectQuantized();
            foreach (var n in _graph.Node)
                foreach (var i in n.Input.Where(i => i.Length > 0))
                    _consumers[i] = _consumers.GetValueOrDefault(i) + 1;

            var inputs = _graph.Input.Where(i => !_constants.ContainsKey(i.Name)).ToList();
            if (inputs.Count != 1)
                throw new InvalidDataException($"The graph has {inputs.Count} non-constant inputs ({string.Join(", ", inputs.Select(i => i.Name))}); the importer needs exactly one image input.");
            if (_graph.Output.Count != 1)
                throw new InvalidDataException($"The graph has {_graph.Output.Count} outputs; the importer needs exactly one.");
            var input = inputs[0];
            var tensorType = input.Type?.TensorType ?? throw new InvalidDataException($"Graph input '{input.Name}' is not a tensor.");
            if (tensorType.ElemType != OnnxDataType.Float)
                throw new NotSupportedException($"Graph input '{input.Name}' has element type {tensorType.ElemType}; only float32 inputs are supported.");
            var dims = tensorType.Shape?.Dim ?? throw new InvalidDataException($"Graph input '{input.Name}' has no shape.");
            if (dims.Count < 2 || dims.Skip(1).Any(d => d.Value is null or <= 0))
                throw new NotSupportedException($"Graph input '{input.Name}' has shape [{string.Join(",", dims)}]; it needs a batch axis and fixed item dimensions.");
            _fixedBatch = dims[0].Value;
            int[] fileItem = [.. dims.Skip(1).Select(d => checked((int)d.Value!.Value))];
            CheckItemSize(fileItem, $"graph input '{input.Name}'");
            int count = Tensor<float>.ElementCount(fileItem);
            int[] engineInput = count == 28 * 28 ? [1, 28, 28] : fileItem;
            _physical = engineInput;
            _logical = engineInput;
            if (!fileItem.AsSpan().SequenceEqual(engineInput)) AddReshape(fileItem);

            string current = input.Name;
            bool probabilities = false;
            string? softmaxNode = null;
            for (int index = 0; index < _graph.Node.Count; index++)
            {
                var node = _graph.Node[index];
                if (node.Domain.Length > 0 && node.Domain != "ai.onnx")
                    throw Unsupported(node, index, $"its domain '{node.Domain}' is not the default ONNX domain");
                if (node.OpType == "Constant")
                {
                    _constants[node.Output[0]] = ConstantValue(node, index);
                    continue;
                }

                if (node.Input.Count == 0 || node.Input[0] != current)
                {
                    string reads = node.Input.Count == 0 ? "nothing" : $"'{node.Input[0]}'";
                    throw new InvalidDataException($"The graph is not a chain: node {Label(node, index)} ({node.OpType}) reads {reads}, but the running value is '{current}'. " +
                        "Only sequential networks (each node consuming the previous one's output plus constants) are supported.");
                }

                if (_consumers.GetValueOrDefault(current) > 1)
                    throw new InvalidDataException($"The graph is not a chain: value '{current}' feeds {_consumers[current]} nodes (a branch); only sequential networks are supported.");
                if (softmaxNode is not null && node.OpType is not ("Identity" or "Dropout"))
                    throw Unsupported(node, index, $"it follows the Softmax node {softmaxNode}; Softmax must be the last op");

                Convert(node, index, ref probabilities, ref softmaxNode);
                current = node.Output[0];
            }

            string output = _graph.Output[0].Name;
            if (current != output)
                throw new InvalidDataException($"The chain ends in '{current}' but the graph output is '{output}'.");
            if (_perm is not null || _columnOrder is not null)
                throw new NotSupportedException("The graph output is transposed relative to the network's layout; such a final Transpose cannot be folded.");
            if (_physical.Length != 1)
                throw new NotSupportedException($"The network's output item shape is [{string.Join(",", _logical)}]; a vector of class scores is expected.");

            var layers = BuildLayers();
            if (layers.Count == 0) layers.Add(("identity", new Reshape<float>(engineInput)));
            var sequential = new Sequential<float>(engineInput, layers) { Training = false };
            var metadata = new Dictionary<string, string>();
            foreach (var e in _model.MetadataProps) metadata[e.Key] = e.Value;
            return new ImportedModel(sequential, input.Name, output, [.. dims], probabilities, metadata, _model.ProducerName, _model.ProducerVersion, _opset);
        }

        // Integer graphs need integer kernels the engine does not have; say so once, before a confusing per-node message.
        private void RejectQuantized()
        {
            for (int index = 0; index < _graph.Node.Count; index++)
            {
                var node = _graph.Node[index];
                if (!QuantizedOps.Contains(node.OpType)) continue;
                string source = _model.MetadataProps.FirstOrDefault(e => e.Key == ModelCard.KeyQuantizedFrom)?.Value is { Length: > 0 } from
                    ? $" It was quantized from {from}."
                    : "";
                throw new NotSupportedException(
                    $"This is a quantized (int8) ONNX model: node {Label(node, index)} is a {node.OpType}. The managed engine runs float models only; " +
                    $"load the float model it was derived from, or run this file with ONNX Runtime.{source}");
            }
        }

        private void Convert(NodeProto node, int index, ref bool probabilities, ref string? softmaxNode)
        {
            switch (node.OpType)
            {
                case "Identity":
                case "Dropout":
                    if (node.OpType == "Dropout" && node.Input.Count > 2 && node.Input[2].Length > 0 && IsTrue(Constant(node, index, 2)))
                        throw Unsupported(node, index, "training_mode is on");
                    break;
                case "Relu":
                    Add(node, "relu", new ReLU<float>());
                    break;
                case "Tanh":
                    Add(node, "tanh", new Tanh<float>());
                    break;
                case "Sigmoid":
                    Add(node, "sigmoid", new Sigmoid<float>());
                    break;
                case "Conv":
                    ConvertConv(node, index);
                    break;
                case "MaxPool":
                case "AveragePool":
                    ConvertPool(node, index);
                    break;
                case "GlobalAveragePool":
                    Materialize(node, index);
                    if (_physical.Length != 3 || _physical[1] != _physical[2]) throw Unsupported(node, index, "the input is not square [N,C,H,H]");
                    Add(node, "gap", new AvgPool2d<float>(_physical[1]));
                    break;
                case "BatchNormalization":
                    ConvertBatchNorm(node, index);
                    break;
                case "Flatten":
                    {
                        long axis = Int(node, "axis", 1);
                        if (axis < 0) axis += _logical.Length + 1;
                        if (axis != 1) throw Unsupported(node, index, $"axis {Int(node, "axis", 1)} is not the batch boundary (1)");
                        FlattenTo(node);
                        break;
                    }

                case "Reshape":
                    ConvertReshape(node, index);
                    break;
                case "Transpose":
                    {
                        int rank = _logical.Length + 1;
                        var perm = node.FindAttribute("perm")?.Ints.Select(p => (int)p).ToArray() ?? [.. Enumerable.Range(0, rank).Reverse()];
                        if (perm.Length != rank || perm[0] != 0 || perm.Distinct().Count() != rank || perm.Any(p => p < 0 || p >= rank))
                            throw Unsupported(node, index, $"perm [{string.Join(",", perm)}] moves the batch axis or does not match rank {rank}");
                        int[] current = _perm ?? [.. Enumerable.Range(0, _logical.Length)];
                        _perm = [.. Enumerable.Range(0, rank - 1).Select(i => current[perm[i + 1] - 1])];
                        _logical = [.. Enumerable.Range(0, rank - 1).Select(i => _logical[perm[i + 1] - 1])];
                        if (_perm.Select((p, i) => p == i).All(b => b)) _perm = null;
                        break;
                    }

                case "Gemm":
                    {
                        if (Int(node, "transA", 0) != 0) throw Unsupported(node, index, "transA = 1 (the activation transposed)");
                        RequireVector(node, index);
                        var w = Constant(node, index, 1);
                        if (w.Dims.Count != 2) throw Unsupported(node, index, "its weight is not a matrix");
                        bool transB = Int(node, "transB", 0) != 0;
                        int outF = (int)(transB ? w.Dims[0] : w.Dims[1]), inF = (int)(transB ? w.Dims[1] : w.Dims[0]);
                        float[] weight = transB ? w.ToFloatArray() : Transpose2d(w.ToFloatArray(), inF, outF);
                        float alpha = Float(node, "alpha", 1f), beta = Float(node, "beta", 1f);
                        if (alpha != 1f) for (int i = 0; i < weight.Length; i++) weight[i] *= alpha;
                        float[]? bias = null;
                        if (node.Input.Count > 2 && node.Input[2].Length > 0)
                        {
                            bias = Broadcast(node, index, Constant(node, index, 2), [outF]);
                            if (beta != 1f) for (int i = 0; i < bias.Length; i++) bias[i] *= beta;
                        }

                        AddLinear(node, index, inF, outF, weight, bias, PrefixOf(w.Name) ?? NodeName(node, "fc"));
                        break;
                    }

                case "MatMul":
                    {
                        RequireVector(node, index);
                        var w = Constant(node, index, 1);
                        if (w.Dims.Count != 2) throw Unsupported(node, index, "its second operand is not a constant matrix");
                        int inF = (int)w.Dims[0], outF = (int)w.Dims[1];
                        AddLinear(node, index, inF, outF, Transpose2d(w.ToFloatArray(), inF, outF), null, PrefixOf(w.Name) ?? NodeName(node, "fc"));
                        break;
                    }

                case "Add":
                case "Sub":
                case "Mul":
                case "Div":
                    ConvertArithmetic(node, index);
                    break;
                case "Softmax":
                    {
                        long axis = Int(node, "axis", _opset >= 13 ? -1 : 1);
                        if (_logical.Length != 1 || axis is not (1 or -1))
                            throw Unsupported(node, index, $"it is over axis {axis} of [N,{string.Join(",", _logical)}]; only softmax over the class axis of [N,K] is supported");
                        probabilities = true;
                        softmaxNode = Label(node, index);
                        break;
                    }

                default:
                    throw Unsupported(node, index, "the managed engine has no such layer (supported: Conv, Relu, Tanh, Sigmoid, MaxPool, AveragePool, " +
                        "GlobalAveragePool, Gemm, MatMul, Add, Sub, Mul, Div, Flatten, Reshape, Transpose (foldable), Softmax, BatchNormalization, Dropout, Identity, Constant)");
            }
        }

        private void ConvertConv(NodeProto node, int index)
        {
            Materialize(node, index);
            if (_physical.Length != 3) throw Unsupported(node, index, $"its input [N,{string.Join(",", _physical)}] is not an image batch");
            var w = Constant(node, index, 1);
            if (w.Dims.Count != 4) throw Unsupported(node, index, "only 2-D convolutions are supported");
            int cout = (int)w.Dims[0], cin = (int)w.Dims[1], kh = (int)w.Dims[2], kw = (int)w.Dims[3];
            if (Int(node, "group", 1) != 1) throw Unsupported(node, index, $"group = {Int(node, "group", 1)} (grouped/depthwise convolution)");
            if (cin != _physical[0]) throw Unsupported(node, index, $"its weight expects {cin} input channels but the input has {_physical[0]}");
            if (kh != kw) throw Unsupported(node, index, $"its kernel {kh}x{kw} is not square");
            if (Ints(node, "dilations") is { } d && d.Any(v => v != 1)) throw Unsupported(node, index, "dilations other than 1");
            int stride = SquareStride(node, index);
            int pad = Padding(node, index, kh, stride);
            float[]? bias = node.Input.Count > 2 && node.Input[2].Length > 0 ? Constant(node, index, 2).ToFloatArray() : null;
            var spec = new ConvSpec(cin, cout, kh, stride, pad, w.ToFloatArray(), bias);
            var probe = new Conv2d<float>(cin, cout, kh, stride, pad, bias: false);
            int[] output = probe.OutputItemShape(_physical);
            AddStep(new Step(UniqueName(PrefixOf(w.Name) ?? NodeName(node, "conv")), _physical, output) { Conv = spec });
            _physical = output;
            _logical = output;
        }

        private void ConvertPool(NodeProto node, int index)
        {
            Materialize(node, index);
            if (_physical.Length != 3) throw Unsupported(node, index, $"its input [N,{string.Join(",", _physical)}] is not an image batch");
            var k = Ints(node, "kernel_shape") ?? throw Unsupported(node, index, "kernel_shape is missing");
            if (k.Length != 2 || k[0] != k[1]) throw Unsupported(node, index, $"kernel [{string.Join(",", k)}] is not square 2-D");
            if (Ints(node, "dilations") is { } d && d.Any(v => v != 1)) throw Unsupported(node, index, "dilations other than 1");
            if (Int(node, "storage_order", 0) != 0) throw Unsupported(node, index, "storage_order = 1");
            if (node.Output.Count > 1 && node.Output[1].Length > 0) throw Unsupported(node, index, "the Indices output is used");
            if (k[0] is < 1 or > MaxItemElements) throw new InvalidDataException($"Node {Label(node, index)} has kernel size {k[0]}.");
            int kernel = (int)k[0], stride = SquareStride(node, index), pad = Padding(node, index, kernel, stride);
            if (pad * 2 > kernel) throw Unsupported(node, index, $"padding {pad} is more than half the kernel {kernel}");
            bool average = node.OpType == "AveragePool";
            Layer<float> layer = average
                ? new AvgPool2d<float>(kernel, stride, pad, Int(node, "count_include_pad", 0) != 0)
                : new MaxPool2d<float>(kernel, stride, pad);
            if (Int(node, "ceil_mode", 0) != 0)
            {
                // ceil_mode only changes the output where a last partial window exists; accept it where it does not.
                for (int axis = 1; axis <= 2; axis++)
                {
                    int span = _physical[axis] + 2 * pad - kernel;
                    if (span % stride != 0) throw Unsupported(node, index, "ceil_mode = 1 changes the output size here");
                }
            }

            Add(node, average ? "avgpool" : "maxpool", layer);
        }

        private void ConvertBatchNorm(NodeProto node, int index)
        {
            Materialize(node, index);
            if (Int(node, "training_mode", 0) != 0) throw Unsupported(node, index, "training_mode = 1");
            if (node.Output.Count > 1 && node.Output.Skip(1).Any(o => o.Length > 0)) throw Unsupported(node, index, "running statistics outputs are used");
            int c = _physical[0];
            if (_physical.Length is not (1 or 3)) throw Unsupported(node, index, $"input [N,{string.Join(",", _physical)}] is neither [N,C] nor [N,C,H,W]");
            float[] Vec(int i) => Broadcast(node, index, Constant(node, index, i), [c]);
            float eps = Float(node, "epsilon", 1e-5f);
            var bn = new BatchNorm<float>(c, eps);
            Vec(1).CopyTo(bn.Weight.Value.Span);
            Vec(2).CopyTo(bn.Bias.Value.Span);
            Vec(3).CopyTo(bn.RunningMean, 0);
            Vec(4).CopyTo(bn.RunningVar, 0);
            Add(node, "batchnorm", bn);
        }

        private void ConvertReshape(NodeProto node, int index)
        {
            if (Int(node, "allowzero", 0) != 0) throw Unsupported(node, index, "allowzero = 1");
            long[] shape = node.Input.Count > 1 ? Constant(node, index, 1).ToInt64Array()
                : Ints(node, "shape") ?? throw Unsupported(node, index, "it has no constant shape");
            if (shape.Length == 0) throw Unsupported(node, index, "the target shape is empty");
            int itemCount = Tensor<float>.ElementCount(_logical);
            long[] full = [_fixedBatch ?? -2, .. _logical.Select(d => (long)d)];
            // Resolve 0 (copy the input dimension) first; the batch axis is handled symbolically.
            var target = new long[shape.Length];
            for (int i = 0; i < shape.Length; i++) target[i] = shape[i] == 0 ? (i < full.Length ? full[i] : throw Unsupported(node, index, "0 refers to a missing axis")) : shape[i];
            bool batchSymbolic = target[0] == -2 || target[0] == -1 || (_fixedBatch is long b && target[0] == b);
            if (!batchSymbolic) throw Unsupported(node, index, $"the target shape [{string.Join(",", shape)}] changes the batch axis");
            long[] item = target[1..];
            int unknown = Array.IndexOf(item, -1L);
            if (target[0] == -1 && unknown >= 0) throw Unsupported(node, index, "it has two -1 dimensions");
            if (unknown >= 0)
            {
                long known = item.Where(v => v != -1).Aggregate(1L, (a, v) => a * v);
                if (known <= 0 || itemCount % known != 0) throw Unsupported(node, index, $"[{string.Join(",", shape)}] does not fit {itemCount} values per item");
                item[unknown] = itemCount / known;
            }

            if (item.Any(v => v <= 0) || item.Aggregate(1L, (a, v) => a * v) != itemCount)
                throw Unsupported(node, index, $"target [{string.Join(",", shape)}] does not keep {itemCount} values per item (the batch axis must stay first)");
            int[] itemShape = [.. item.Select(v => (int)v)];
            if (itemShape.Length == 1)
            {
                FlattenTo(node);
                return;
            }

            if (_columnOrder is not null) throw Unsupported(node, index, "it reshapes a transposed, flattened value");
            Materialize(node, index);
            AddReshape(itemShape);
        }

        private void ConvertArithmetic(NodeProto node, int index)
        {
            if (node.Input.Count != 2) throw Unsupported(node, index, "it does not have two inputs");
            var c = Constant(node, index, 1);
            float[] values = Broadcast(node, index, c, _logical);
            string op = node.OpType;
            if (op == "Sub") for (int i = 0; i < values.Length; i++) values[i] = -values[i];
            if (op == "Div") for (int i = 0; i < values.Length; i++) values[i] = 1f / values[i];
            bool additive = op is "Add" or "Sub";

            // An Add right after a Conv/Gemm/MatMul with a per-output-channel constant is that layer's bias.
            if (additive && _steps.Count > 0 && _perm is null && _columnOrder is null && _steps[^1] is { } last && (last.Conv is not null || last.Linear is not null))
            {
                int channels = last.Conv?.OutChannels ?? last.Linear!.OutFeatures;
                int per = values.Length / channels;
                bool perChannel = true;
                for (int ch = 0; ch < channels && perChannel; ch++)
                    for (int j = 1; j < per; j++)
                        if (values[ch * per + j] != values[ch * per]) { perChannel = false; break; }
                if (perChannel)
                {
                    float[] bias = last.Conv?.Bias ?? last.Linear!.Bias ?? new float[channels];
                    for (int ch = 0; ch < channels; ch++) bias[ch] += values[ch * per];
                    if (last.Conv is not null) last.Conv = last.Conv with { Bias = bias };
                    else last.Linear = last.Linear! with { Bias = bias };
                    return;
                }
            }

            // Otherwise an element-wise layer, with the constant laid out like the engine's tensor.
            int[]? order = PhysicalToLogical();
            if (order is not null) values = [.. order.Select(l => values[l])];
            float[]? scale = additive ? null : values;
            float[]? shift = additive ? values : null;
            if (_steps.Count > 0 && _steps[^1].Layer is ScaleShift<float> prev)
            {
                // (x·a + b)·s + t = x·(a·s) + (b·s + t): merge with the previous constant op (e.g. Sub then Div).
                float[] a = prev.Scale, sh = prev.Shift;
                float[] newScale = new float[a.Length], newShift = new float[a.Length];
                for (int i = 0; i < a.Length; i++)
                {
                    float s = scale?[i] ?? 1f, t = shift?[i] ?? 0f;
                    newScale[i] = a[i] * s;
                    newShift[i] = sh[i] * s + t;
                }

                _steps[^1].Layer = new ScaleShift<float>(_physical, newScale, newShift);
                return;
            }

            Add(node, op.ToLowerInvariant(), new ScaleShift<float>(_physical, scale, shift));
        }

        private void AddLinear(NodeProto node, int index, int inF, int outF, float[] weight, float[]? bias, string name)
        {
            if (_logical[0] != inF) throw Unsupported(node, index, $"its weight expects {inF} inputs but the value has {_logical[0]}");
            if (_columnOrder is not null)
            {
                // The engine's flat order differs from the file's (a transpose was folded): permute the columns.
                var permuted = new float[weight.Length];
                for (int o = 0; o < outF; o++)
                    for (int p = 0; p < inF; p++) permuted[o * inF + p] = weight[o * inF + _columnOrder[p]];
                weight = permuted;
                _columnOrder = null;
            }

            AddStep(new Step(UniqueName(name), _physical, [outF]) { Linear = new LinearSpec(inF, outF, weight, bias) });
            _physical = [outF];
            _logical = [outF];
        }

        private void FlattenTo(NodeProto node)
        {
            int count = Tensor<float>.ElementCount(_logical);
            if (_perm is not null)
            {
                _columnOrder = PhysicalToLogical();
                _perm = null;
            }

            if (_physical.Length != 1) Add(node, "flatten", new Flatten<float>());
            _physical = [count];
            _logical = [count];
        }

        // For each physical flat item index, the logical flat index (null when they coincide).
        private int[]? PhysicalToLogical()
        {
            if (_perm is null) return _columnOrder;
            if (PreservesOrder()) return null;
            int rank = _physical.Length, count = Tensor<float>.ElementCount(_physical);
            var map = new int[count];
            var idx = new int[rank];
            for (int p = 0; p < count; p++)
            {
                int rem = p;
                for (int a = rank - 1; a >= 0; a--) { idx[a] = rem % _physical[a]; rem /= _physical[a]; }
                int l = 0;
                for (int a = 0; a < rank; a++) l = l * _logical[a] + idx[_perm[a]];
                map[p] = l;
            }

            return map;
        }

        // A pending transpose that keeps the relative order of the axes longer than 1 moves no data.
        private bool PreservesOrder()
        {
            if (_perm is null) return true;
            var moved = _perm.Where(a => _physical[a] != 1).ToArray();
            for (int i = 1; i < moved.Length; i++) if (moved[i] < moved[i - 1]) return false;
            return true;
        }

        // Makes the engine tensor's layout the graph's: free when the pending transpose only moves size-1 axes.
        private void Materialize(NodeProto node, int index)
        {
            if (_columnOrder is not null) throw Unsupported(node, index, "its input is a transposed, flattened value that only a Gemm/MatMul can take");
            if (_perm is null) return;
            if (!PreservesOrder())
                throw Unsupported(node, index, $"a preceding Transpose (to [N,{string.Join(",", _logical)}]) cannot be folded here; only transposes that move size-1 axes, or that precede a Flatten/Reshape into a Gemm/MatMul, are supported");
            _perm = null;
            AddReshape(_logical);
        }

        private void RequireVector(NodeProto node, int index)
        {
            if (_logical.Length != 1) throw Unsupported(node, index, $"its input [N,{string.Join(",", _logical)}] is not a matrix [N,F]");
        }

        private void Add(NodeProto node, string kind, Layer<float> layer)
        {
            int[] output = layer.OutputItemShape(_physical);
            AddStep(new Step(UniqueName(node.Name.Length > 0 ? node.Name : kind), _physical, output) { Layer = layer });
            if (_perm is null || !_physical.AsSpan().SequenceEqual(output))
            {
                if (_perm is not null) throw new InvalidOperationException($"internal: layer for {node.OpType} changed the shape under a pending transpose");
                _logical = output;
            }

            _physical = output;
        }

        // Adds a view to itemShape, merging with a directly preceding view (and dropping it when it undoes it).
        private void AddReshape(int[] itemShape)
        {
            if (_steps.Count > 0 && _steps[^1].Layer is Reshape<float>)
            {
                var prev = _steps[^1];
                _steps.RemoveAt(_steps.Count - 1);
                _physical = prev.Input;
            }

            if (!_physical.AsSpan().SequenceEqual(itemShape))
                AddStep(new Step(UniqueName("reshape"), _physical, itemShape) { Layer = new Reshape<float>(itemShape) });
            _physical = itemShape;
            _logical = itemShape;
        }

        private void AddStep(Step step)
        {
            CheckItemSize(step.Output, $"layer '{step.Name}'");
            _steps.Add(step);
        }

        // Shapes come from the file: each item must be non-empty and within MaxItemElements before anything is sized by it.
        private static void CheckItemSize(int[] item, string what)
        {
            long n = 1;
            foreach (int d in item)
            {
                if (d <= 0) throw new InvalidDataException($"The ONNX graph gives {what} the item shape [{string.Join(",", item)}], with an empty or negative dimension.");
                n *= d;
                if (n > MaxItemElements)
                    throw new InvalidDataException($"The ONNX graph gives {what} the item shape [{string.Join(",", item)}], more than {MaxItemElements} values per image; refused before allocating.");
            }
        }

        private List<(string, Layer<float>)> BuildLayers()
        {
            var layers = new List<(string, Layer<float>)>();
            foreach (var s in _steps)
            {
                Layer<float> layer;
                if (s.Conv is { } c)
                {
                    var conv = new Conv2d<float>(c.InChannels, c.OutChannels, c.KernelSize, c.Stride, c.Padding, bias: c.Bias is not null);
                    c.Weight.CopyTo(conv.Weight.Value.Span);
                    c.Bias?.CopyTo(conv.Bias!.Value.Span);
                    layer = conv;
                }
                else if (s.Linear is { } l)
                {
                    var linear = new Linear<float>(l.InFeatures, l.OutFeatures, bias: l.Bias is not null);
                    l.Weight.CopyTo(linear.Weight.Value.Span);
                    l.Bias?.CopyTo(linear.Bias!.Value.Span);
                    layer = linear;
                }
                else
                {
                    layer = s.Layer!;
                }

                layer.Training = false;
                layers.Add((s.Name, layer));
            }

            return layers;
        }

        private string UniqueName(string baseName)
        {
            string name = baseName;
            for (int i = 1; !_names.Add(name); i++) name = string.Create(CultureInfo.InvariantCulture, $"{baseName}_{i}");
            return name;
        }

        private static string NodeName(NodeProto node, string fallback) => node.Name.Length > 0 ? node.Name : fallback;

        // "body.conv1.weight" → "body.conv1": keeps the file's layer names where it has them.
        private static string? PrefixOf(string initializerName)
        {
            foreach (string suffix in (string[])[".weight", ".scale", "/weights", "_weight"])
                if (initializerName.EndsWith(suffix, StringComparison.Ordinal) && initializerName.Length > suffix.Length)
                    return initializerName[..^suffix.Length];
            return null;
        }

        private TensorProto ConstantValue(NodeProto node, int index)
        {
            foreach (var a in node.Attribute)
            {
                switch (a.Name)
                {
                    case "value" when a.T is not null:
                        return a.T;
                    case "value_float":
                        return TensorProto.FromFloats(node.Output[0], [], [a.F]);
                    case "value_floats":
                        return TensorProto.FromFloats(node.Output[0], [a.Floats.Count], [.. a.Floats]);
                    case "value_int":
                        return TensorProto.FromInt64s(node.Output[0], [], [a.I]);
                    case "value_ints":
                        return TensorProto.FromInt64s(node.Output[0], [a.Ints.Count], [.. a.Ints]);
                }
            }

            throw Unsupported(node, index, "its value is not a tensor, float(s) or int(s)");
        }

        private TensorProto Constant(NodeProto node, int index, int input)
        {
            if (input >= node.Input.Count || node.Input[input].Length == 0) throw Unsupported(node, index, $"input {input} is missing");
            string name = node.Input[input];
            return _constants.TryGetValue(name, out var t) ? t
                : throw Unsupported(node, index, $"input {input} ('{name}') is not a constant (initializer or Constant node)");
        }

        // Expands constant c (numpy-style broadcasting against [N, …itemShape], the batch axis of size 1) to one item.
        private static float[] Broadcast(NodeProto node, int index, TensorProto c, int[] itemShape)
        {
            float[] data = c.ToFloatArray();
            int rank = itemShape.Length;
            var dims = c.Dims.Select(d => (int)d).ToList();
            if (dims.Count == rank + 1)
            {
                if (dims[0] != 1) throw Unsupported(node, index, $"constant '{c.Name}' [{string.Join(",", c.Dims)}] varies along the batch axis");
                dims.RemoveAt(0);
            }

            if (dims.Count > rank) throw Unsupported(node, index, $"constant '{c.Name}' [{string.Join(",", c.Dims)}] does not broadcast to [N,{string.Join(",", itemShape)}]");
            while (dims.Count < rank) dims.Insert(0, 1);
            for (int a = 0; a < rank; a++)
                if (dims[a] != 1 && dims[a] != itemShape[a])
                    throw Unsupported(node, index, $"constant '{c.Name}' [{string.Join(",", c.Dims)}] does not broadcast to [N,{string.Join(",", itemShape)}]");
            int count = Tensor<float>.ElementCount(itemShape);
            var result = new float[count];
            var idx = new int[rank];
            for (int i = 0; i < count; i++)
            {
                int rem = i;
                for (int a = rank - 1; a >= 0; a--) { idx[a] = rem % itemShape[a]; rem /= itemShape[a]; }
                int src = 0;
                for (int a = 0; a < rank; a++) src = src * dims[a] + (dims[a] == 1 ? 0 : idx[a]);
                result[i] = data[src];
            }

            return result;
        }

        private static float[] Transpose2d(float[] m, int rows, int cols)
        {
            var t = new float[m.Length];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
            return t;
        }

        private static int SquareStride(NodeProto node, int index)
        {
            var s = Ints(node, "strides");
            if (s is null) return 1;
            if (s.Length != 2 || s[0] != s[1]) throw Unsupported(node, index, $"strides [{string.Join(",", s)}] are not equal 2-D");
            if (s[0] is < 1 or > MaxItemElements) throw new InvalidDataException($"Node {Label(node, index)} has stride {s[0]}.");
            return (int)s[0];
        }

        private int Padding(NodeProto node, int index, int kernel, int stride)
        {
            string autoPad = node.FindAttribute("auto_pad")?.StringValue ?? "NOTSET";
            switch (autoPad)
            {
                case "NOTSET" or "":
                    {
                        var p = Ints(node, "pads");
                        if (p is null) return 0;
                        if (p.Length != 4 || p.Distinct().Count() != 1) throw Unsupported(node, index, $"pads [{string.Join(",", p)}] are not symmetric and equal");
                        if (p[0] is < 0 or > MaxItemElements) throw new InvalidDataException($"Node {Label(node, index)} has padding {p[0]}.");
                        return (int)p[0];
                    }

                case "VALID":
                    return 0;
                case "SAME_UPPER" or "SAME_LOWER":
                    {
                        int pad = -1;
                        for (int axis = 1; axis <= 2; axis++)
                        {
                            int size = _physical[axis], outSize = (size + stride - 1) / stride;
                            int total = Math.Max((outSize - 1) * stride + kernel - size, 0);
                            if (total % 2 != 0 || (pad >= 0 && pad != total / 2)) throw Unsupported(node, index, $"auto_pad {autoPad} pads asymmetrically here");
                            pad = total / 2;
                        }

                        return pad;
                    }

                default:
                    throw Unsupported(node, index, $"auto_pad '{autoPad}'");
            }
        }

        // A BOOL/integer scalar constant (Dropout's training_mode) that is non-zero.
        private static bool IsTrue(TensorProto t) =>
            t.RawData is { Length: > 0 } raw ? raw.Any(b => b != 0) : t.Int32Data.Any(v => v != 0) || t.Int64Data.Any(v => v != 0);

        private static long[]? Ints(NodeProto node, string name) => node.FindAttribute(name) is { } a ? [.. a.Ints] : null;

        private static long Int(NodeProto node, string name, long fallback) => node.FindAttribute(name)?.I ?? fallback;

        private static float Float(NodeProto node, string name, float fallback) => node.FindAttribute(name)?.F ?? fallback;

        private static string Label(NodeProto node, int index) =>
            node.Name.Length > 0 ? $"'{node.Name}'" : string.Create(CultureInfo.InvariantCulture, $"#{index} (unnamed)");

        private static NotSupportedException Unsupported(NodeProto node, int index, string why) =>
            new($"ONNX operator '{node.OpType}' at node {Label(node, index)} is not supported: {why}.");
    }

    private static readonly HashSet<string> QuantizedOps =
    [
        "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger",
    ];

    private sealed record ConvSpec(int InChannels, int OutChannels, int KernelSize, int Stride, int Padding, float[] Weight, float[]? Bias);

    private sealed record LinearSpec(int InFeatures, int OutFeatures, float[] Weight, float[]? Bias);

    private sealed class Step(string name, int[] input, int[] output)
    {
        public string Name { get; } = name;

        public int[] Input { get; } = input;

        public int[] Output { get; } = output;

        public Layer<float>? Layer { get; set; }

        public ConvSpec? Conv { get; set; }

        public LinearSpec? Linear { get; set; }
    }
}
