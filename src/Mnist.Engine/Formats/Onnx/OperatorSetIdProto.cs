namespace Mnist.Engine.Formats.Onnx;

/// <summary>ONNX <c>OperatorSetIdProto</c>: domain (field 1) and version (field 2).</summary>
public sealed record OperatorSetIdProto(string Domain, long Version);
