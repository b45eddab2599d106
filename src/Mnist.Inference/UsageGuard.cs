namespace Mnist.Inference;

/// <summary>
/// Lets a classifier be disposed while calls are in flight (hot model reload): calls that started finish on the old
/// model, calls that start after <see cref="Dispose"/> throw <see cref="ObjectDisposedException"/>, and the native
/// resources are released by whichever of the two comes last.
/// </summary>
internal sealed class UsageGuard(Action release, string ownerName)
{
    private int _active;
    private int _disposed;
    private int _released;

    /// <summary>Marks the start of a call; pair with <see cref="Exit"/> in a finally block.</summary>
    public void Enter()
    {
        Interlocked.Increment(ref _active);
        if (Volatile.Read(ref _disposed) != 0)
        {
            Exit();
            throw new ObjectDisposedException(ownerName);
        }
    }

    /// <summary>Marks the end of a call.</summary>
    public void Exit()
    {
        if (Interlocked.Decrement(ref _active) == 0 && Volatile.Read(ref _disposed) != 0) ReleaseOnce();
    }

    /// <summary>Stops new calls; releases now or when the last call in flight ends.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (Volatile.Read(ref _active) == 0) ReleaseOnce();
    }

    private void ReleaseOnce()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) release();
    }
}
