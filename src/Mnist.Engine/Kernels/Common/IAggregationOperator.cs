using System.Runtime.Intrinsics;

namespace Mnist.Engine.Kernels.Common;

/// <summary>
/// An associative combine (sum, max) used by <see cref="AggregationDriver"/>: <see cref="IBinaryOperator.Invoke(float, float)"/>
/// combines two partial results, <see cref="Identity"/> is its neutral element.
/// </summary>
internal interface IAggregationOperator : IBinaryOperator
{
    /// <summary>The neutral element (0 for sum, -∞ for max).</summary>
    static abstract float Identity { get; }
}
