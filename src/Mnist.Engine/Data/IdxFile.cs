using System.Buffers.Binary;
using System.IO.Compression;
using Mnist.Engine.IO;

namespace Mnist.Engine.Data;

/// <summary>
/// Reads and writes IDX files (the MNIST distribution format), raw or gzip-compressed.
/// </summary>
/// <remarks>
/// Layout: a big-endian int32 magic <c>0x000008NN</c> (0x08 = unsigned byte, NN = number of dimensions),
/// NN big-endian int32 dimension sizes, then the bytes, last dimension fastest. Labels are 1-D
/// (magic 0x801), images 3-D (magic 0x803: count, rows, cols). Compression is detected from the gzip
/// magic bytes 1F 8B, not from the file name. Every problem is reported as a
/// <see cref="DataFormatException"/> naming the file.
/// </remarks>
public static class IdxFile
{
    private const int CopyBufferSize = 1 << 16;

    /// <summary>True when the file starts with the gzip magic bytes 1F 8B.</summary>
    public static bool IsGzip(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        Span<byte> magic = stackalloc byte[2];
        return stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && IsGzipMagic(magic);
    }

    /// <summary>Reads an image file (magic 0x803).</summary>
    /// <param name="path">Raw or gzip IDX file.</param>
    /// <param name="expectedRows">When set, the image height the file must have.</param>
    /// <param name="expectedCols">When set, the image width the file must have.</param>
    /// <exception cref="DataFormatException">Missing file, bad magic, wrong dimensions, truncated or over-long data, corrupt gzip.</exception>
    public static IdxImages ReadImages(string path, int? expectedRows = null, int? expectedCols = null)
    {
        var (data, dims) = Read(path, IdxKind.Images, (dims, p) =>
        {
            if ((expectedRows is int r && dims[1] != r) || (expectedCols is int c && dims[2] != c))
                throw new DataFormatException(p, $"wrong dimensions: images are {dims[1]}x{dims[2]}, expected {expectedRows ?? dims[1]}x{expectedCols ?? dims[2]}.");
        });
        return new IdxImages(data, dims[0], dims[1], dims[2]);
    }

    /// <summary>Reads a label file (magic 0x801): one byte per sample.</summary>
    /// <exception cref="DataFormatException">Missing file, bad magic, truncated or over-long data, corrupt gzip.</exception>
    public static byte[] ReadLabels(string path) => Read(path, IdxKind.Labels, null).Data;

    /// <summary>Reads only the header: the kind and the dimension sizes (count first).</summary>
    /// <exception cref="DataFormatException">Missing file, bad magic, truncated header.</exception>
    public static (IdxKind Kind, int[] Dimensions) ReadHeader(string path)
    {
        using var stream = OpenForRead(path);
        try
        {
            Span<byte> word = stackalloc byte[4];
            ReadHeaderWord(stream, word, path, "magic number");
            int magic = BinaryPrimitives.ReadInt32BigEndian(word);
            IdxKind kind = magic switch
            {
                (int)IdxKind.Images => IdxKind.Images,
                (int)IdxKind.Labels => IdxKind.Labels,
                _ => throw new DataFormatException(path, $"bad magic number 0x{magic:X8}: not an IDX unsigned-byte image (0x00000803) or label (0x00000801) file."),
            };
            return (kind, ReadDimensions(stream, path, kind == IdxKind.Images ? 3 : 1));
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"corrupt gzip data ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Writes an image file atomically (temporary file, then rename): no partial file is ever left at
    /// <paramref name="path"/>. Gzip-compressed when <paramref name="gzip"/> is true, or when it is null
    /// and the path ends in ".gz".
    /// </summary>
    /// <param name="path">Target file.</param>
    /// <param name="pixels">count*rows*cols bytes.</param>
    /// <param name="count">Number of images.</param>
    /// <param name="rows">Image height.</param>
    /// <param name="cols">Image width.</param>
    /// <param name="gzip">Compress; null = decide from the extension.</param>
    public static void WriteImages(string path, ReadOnlySpan<byte> pixels, int count, int rows, int cols, bool? gzip = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if ((long)count * rows * cols != pixels.Length)
            throw new ArgumentException($"{pixels.Length} pixel bytes do not make {count} images of {rows}x{cols}.", nameof(pixels));
        Write(path, IdxKind.Images, [count, rows, cols], pixels.ToArray(), gzip);
    }

    /// <summary>Writes a label file atomically; see <see cref="WriteImages"/> for <paramref name="gzip"/>.</summary>
    public static void WriteLabels(string path, ReadOnlySpan<byte> labels, bool? gzip = null) =>
        Write(path, IdxKind.Labels, [labels.Length], labels.ToArray(), gzip);

    private static void Write(string path, IdxKind kind, int[] dims, byte[] data, bool? gzip)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        bool compress = gzip ?? path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        byte[] header = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(header, (int)kind);
        for (int i = 0; i < dims.Length; i++)
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
        AtomicFile.Write(path, file =>
        {
            if (compress)
            {
                using var gz = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true);
                gz.Write(header);
                gz.Write(data);
            }
            else
            {
                file.Write(header);
                file.Write(data);
            }
        });
    }

    private static (byte[] Data, int[] Dims) Read(string path, IdxKind expected, Action<int[], string>? checkDims)
    {
        using var stream = OpenForRead(path);
        try
        {
            Span<byte> word = stackalloc byte[4];
            ReadHeaderWord(stream, word, path, "magic number");
            int magic = BinaryPrimitives.ReadInt32BigEndian(word);
            if (magic != (int)expected)
            {
                string what = expected == IdxKind.Images ? "images (0x00000803)" : "labels (0x00000801)";
                string problem = magic switch
                {
                    (int)IdxKind.Images => $"this is an IDX image file (magic 0x00000803), expected {what}.",
                    (int)IdxKind.Labels => $"this is an IDX label file (magic 0x00000801), expected {what}.",
                    _ => $"bad magic number 0x{magic:X8}, expected IDX unsigned-byte {what}.",
                };
                throw new DataFormatException(path, problem);
            }
            int[] dims = ReadDimensions(stream, path, expected == IdxKind.Images ? 3 : 1);
            checkDims?.Invoke(dims, path);
            // Three 31-bit dimensions can overflow even 64 bits: stop multiplying once past what an array can hold.
            long length = 1;
            foreach (int d in dims) length = Math.Min(length * d, (long)Array.MaxLength + 1);
            string unit = expected == IdxKind.Images ? "images" : "labels";
            if (length > Array.MaxLength)
                throw new DataFormatException(path, $"header declares {length} bytes of data, more than fits in memory.");
            // An uncompressed file says up front whether the data is there: refuse before allocating anything.
            if (!IsGzipStream(stream) && stream.CanSeek && stream.Length - stream.Position < length)
                throw new DataFormatException(path,
                    $"truncated: the header declares {dims[0]} {unit} ({length} bytes of data) but only {stream.Length - stream.Position} bytes follow.");
            byte[] data = ReadGrowing(stream, (int)length, out int got);
            if (got < length)
            {
                throw new DataFormatException(path,
                    $"truncated: the header declares {dims[0]} {unit} ({length} bytes of data) but only {got} bytes follow.");
            }
            Span<byte> extra = stackalloc byte[1];
            if (stream.Read(extra) != 0)
                throw new DataFormatException(path, $"unexpected bytes after the {data.Length} bytes of data the header declares (wrong header or concatenated files).");
            return (data, dims);
        }
        catch (InvalidDataException e)
        {
            throw new DataFormatException(path, $"corrupt gzip data ({e.Message}).", e);
        }
    }

    private static bool IsGzipStream(Stream stream) => stream is GZipStream;

    /// <summary>
    /// Reads up to <paramref name="length"/> bytes into a buffer that grows with what actually arrives (doubling from
    /// 1 MB), so a gzip file whose header declares 2 GB but holds a few bytes costs a few bytes, not the header's count.
    /// </summary>
    private static byte[] ReadGrowing(Stream stream, int length, out int got)
    {
        const int InitialBytes = 1 << 20;
        byte[] buffer = new byte[Math.Min(length, InitialBytes)];
        got = 0;
        while (got < length)
        {
            if (got == buffer.Length)
                Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
            int n = stream.Read(buffer, got, buffer.Length - got);
            if (n == 0) break;
            got += n;
        }
        return buffer;
    }

    private static int[] ReadDimensions(Stream stream, string path, int count)
    {
        Span<byte> word = stackalloc byte[4];
        var dims = new int[count];
        for (int i = 0; i < count; i++)
        {
            ReadHeaderWord(stream, word, path, $"dimension {i}");
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(word);
            if (dims[i] < 0 || (i > 0 && dims[i] == 0))
                throw new DataFormatException(path, $"invalid dimension {i} in header: {dims[i]}.");
        }
        return dims;
    }

    private static void ReadHeaderWord(Stream stream, Span<byte> word, string path, string what)
    {
        if (stream.ReadAtLeast(word, 4, throwOnEndOfStream: false) < 4)
            throw new DataFormatException(path, $"truncated: the file ends inside the IDX header (reading the {what}).");
    }

    private static Stream OpenForRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
            throw new DataFormatException(path, "is a folder, expected an IDX file.");
        if (!File.Exists(path))
            throw new DataFormatException(path, "file not found.");
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBufferSize, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"cannot open: {e.Message}", e);
        }
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return n == 2 && IsGzipMagic(magic) ? new GZipStream(file, CompressionMode.Decompress, leaveOpen: false) : file;
    }

    private static bool IsGzipMagic(ReadOnlySpan<byte> b) => b[0] == 0x1F && b[1] == 0x8B;
}
