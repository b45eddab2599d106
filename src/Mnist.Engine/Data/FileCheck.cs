namespace Mnist.Engine.Data;

/// <summary>The outcome of verifying one file of a dataset folder.</summary>
/// <param name="File">The catalogue entry.</param>
/// <param name="Path">The file checked, or the path expected when it is missing.</param>
/// <param name="Bytes">Size on disk (0 when missing).</param>
/// <param name="Ok">True when the file is present and verified.</param>
/// <param name="Status">What was checked or what is wrong, e.g. "ok (sha256)" or "checksum mismatch: …".</param>
/// <param name="Count">Samples the file holds, when it parsed.</param>
public sealed record FileCheck(DatasetFile File, string Path, long Bytes, bool Ok, string Status, int? Count);
