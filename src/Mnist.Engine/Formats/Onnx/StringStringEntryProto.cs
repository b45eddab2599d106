namespace Mnist.Engine.Formats.Onnx;

/// <summary>ONNX <c>StringStringEntryProto</c>: key (field 1) and value (field 2).</summary>
public sealed record StringStringEntryProto(string Key, string Value);
