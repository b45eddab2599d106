using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Mnist.Wire;

namespace Mnist.Server.Api;

/// <summary>The OpenAPI description shared by <c>/v1/predict</c> and <c>/v1/read</c>: their request bodies (JSON, or
/// the bytes of an image) and their 200 answer (one object, or the batch object for an <c>items</c> request).</summary>
internal static class OpenApiBodies
{
    /// <summary>Declares the bodies; <typeparamref name="TSingle"/> answers one input, <typeparamref name="TBatch"/> a batch.</summary>
    public static RouteHandlerBuilder WithPredictionBodies<TSingle, TBatch>(this RouteHandlerBuilder builder)
    {
        builder.Accepts<PredictRequest>("application/json", [.. PredictApi.ImageTypes])
            .Produces<TSingle>(StatusCodes.Status200OK, "application/json");
        return builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            // An image body is its encoded bytes, not the JSON record.
            if (operation.RequestBody?.Content is { } content)
            {
                foreach (string type in PredictApi.ImageTypes)
                    content[type] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } };
            }
            // 200 is one object for a single input and the batch object for {"items":[…]}: both, as oneOf.
            if (operation.Responses?.TryGetValue("200", out IOpenApiResponse? ok) == true && ok.Content?.TryGetValue("application/json", out OpenApiMediaType? media) == true)
            {
                IOpenApiSchema single = await Reference<TSingle>(context, cancellationToken).ConfigureAwait(false);
                IOpenApiSchema batch = await Reference<TBatch>(context, cancellationToken).ConfigureAwait(false);
                media.Schema = new OpenApiSchema { OneOf = [single, batch] };
                ok.Description = $"{typeof(TSingle).Name} for one input; {typeof(TBatch).Name} for a batch request (\"items\").";
            }
        });
    }

    /// <summary>
    /// Schema transformer: a property left out of the JSON when null (<c>[JsonIgnore(Condition = WhenWritingNull)]</c>,
    /// e.g. <c>no_digit</c>, <c>quantization</c>) is not required, whatever its constructor position says; the document
    /// otherwise promises fields that many answers do not have.
    /// </summary>
    public static Task OmittedWhenNullIsOptional(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(context);
        if (schema.Required is not { Count: > 0 } required) return Task.CompletedTask;
        foreach (System.Text.Json.Serialization.Metadata.JsonPropertyInfo property in context.JsonTypeInfo.Properties)
        {
            bool omitted = property.AttributeProvider?.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), inherit: true)
                .OfType<System.Text.Json.Serialization.JsonIgnoreAttribute>()
                .Any(a => a.Condition == System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull) == true;
            if (omitted) required.Remove(property.Name);
        }
        return Task.CompletedTask;
    }

    private static async Task<IOpenApiSchema> Reference<T>(OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        OpenApiSchema schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken).ConfigureAwait(false);
        string name = typeof(T).Name;
        if (context.Document is not { } document) return schema;
        document.AddComponent(name, schema);
        return new OpenApiSchemaReference(name, document);
    }
}
