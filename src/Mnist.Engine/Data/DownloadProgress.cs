namespace Mnist.Engine.Data;

/// <summary>Progress of one file download.</summary>
/// <param name="FileName">The file being fetched (the .gz name).</param>
/// <param name="BytesReceived">Bytes in the partial file so far, including any resumed prefix.</param>
/// <param name="TotalBytes">The expected size.</param>
/// <param name="Source">The URL being read.</param>
public readonly record struct DownloadProgress(string FileName, long BytesReceived, long TotalBytes, Uri Source);
