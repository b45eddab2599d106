namespace Mnist.Imaging;

/// <summary>The one exception <see cref="ImageDecoder"/> throws for bad input; <see cref="Reason"/> says why.</summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>Creates the exception (reason <see cref="ImageDecodeReason.Corrupt"/>).</summary>
    public ImageDecodeException() : this(ImageDecodeReason.Corrupt, "The image could not be decoded.") { }

    /// <summary>Creates the exception with a message (reason <see cref="ImageDecodeReason.Corrupt"/>).</summary>
    public ImageDecodeException(string message) : this(ImageDecodeReason.Corrupt, message) { }

    /// <summary>Creates the exception with a message and a cause (reason <see cref="ImageDecodeReason.Corrupt"/>).</summary>
    public ImageDecodeException(string message, Exception innerException) : base(message, innerException) => Reason = ImageDecodeReason.Corrupt;

    /// <summary>Creates the exception with a reason and a message for people.</summary>
    public ImageDecodeException(ImageDecodeReason reason, string message) : base(message) => Reason = reason;

    /// <summary>Why the image was rejected.</summary>
    public ImageDecodeReason Reason { get; }

    /// <summary>The detected format, when the signature was recognized.</summary>
    public ImageFormat Format { get; init; }
}
