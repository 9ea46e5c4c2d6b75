using System.Reflection;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ledger.Replay;

/// <summary>
/// A projection the Admin service can list, rebuild and export: an inline snapshot of one
/// stream per document (document id = stream id), folded by the document type's own
/// <c>Create</c>/<c>Apply</c> methods.
/// </summary>
public sealed class LedgerProjection
{
    private readonly Func<ProjectionRebuild, LedgerProjection, CancellationToken, Task<RebuildResult>> _rebuild;
    private readonly Func<IQuerySession, CancellationToken, IAsyncEnumerable<object>> _documents;
    private readonly Func<IQuerySession, CancellationToken, Task<int>> _count;
    private readonly PropertyInfo _id;

    private LedgerProjection(string name, Type documentType, IReadOnlyList<Type> eventTypes,
        Func<ProjectionRebuild, LedgerProjection, CancellationToken, Task<RebuildResult>> rebuild,
        Func<IQuerySession, CancellationToken, IAsyncEnumerable<object>> documents,
        Func<IQuerySession, CancellationToken, Task<int>> count)
    {
        Name = name;
        DocumentType = documentType;
        EventTypes = eventTypes;
        _rebuild = rebuild;
        _documents = documents;
        _count = count;
        _id = documentType.GetProperty("Id") is { } id && id.PropertyType == typeof(Guid)
            ? id
            : throw new InvalidOperationException($"{documentType.Name} needs a Guid Id (its stream id) to be declared as a Ledger projection.");
    }

    /// <summary>The name operators rebuild it by (<c>licenses</c>).</summary>
    public string Name { get; }

    public Type DocumentType { get; }

    /// <summary>The event types the document's Create/Apply methods fold.</summary>
    public IReadOnlyList<Type> EventTypes { get; }

    public Task<RebuildResult> RebuildAsync(ProjectionRebuild rebuild, CancellationToken cancellationToken) =>
        _rebuild(rebuild, this, cancellationToken);

    /// <summary>Every document, streamed (not loaded all at once).</summary>
    public IAsyncEnumerable<object> DocumentsAsync(IQuerySession session, CancellationToken cancellationToken) =>
        _documents(session, cancellationToken);

    public Task<int> CountAsync(IQuerySession session, CancellationToken cancellationToken) => _count(session, cancellationToken);

    public Guid IdOf(object document) => (Guid)_id.GetValue(document)!;

    public static LedgerProjection Snapshot<TDocument>(string name) where TDocument : class =>
        new(name, typeof(TDocument), FoldedEventTypes(typeof(TDocument)),
            (rebuild, projection, token) => rebuild.RebuildAsync<TDocument>(projection, token),
            (session, token) => session.Query<TDocument>().ToAsyncEnumerable(token),
            (session, token) => session.Query<TDocument>().CountAsync(token));

    /// <summary>The first parameter of every Create and Apply method: the events the document is built from.</summary>
    private static IReadOnlyList<Type> FoldedEventTypes(Type document)
    {
        var types = document.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
            .Where(m => m.Name is "Create" or "Apply")
            .Select(m => m.GetParameters().FirstOrDefault(p => p.ParameterType != document)?.ParameterType)
            .OfType<Type>()
            .Select(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IEvent<>) ? t.GetGenericArguments()[0] : t)
            .Distinct()
            .ToList();
        return types.Count > 0
            ? types
            : throw new InvalidOperationException($"{document.Name} has no Create or Apply methods: it cannot be declared as a Ledger projection.");
    }
}

public static class LedgerProjectionRegistration
{
    /// <summary>
    /// Keeps <typeparamref name="TDocument"/> as an inline snapshot of its stream and declares it
    /// to the Admin service under <paramref name="name"/>, so it can be listed, rebuilt and exported.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression Snapshot<TDocument>(
        this MartenServiceCollectionExtensions.MartenConfigurationExpression marten, string name) where TDocument : class
    {
        marten.Services.ConfigureMarten(options => options.Projections.Snapshot<TDocument>(SnapshotLifecycle.Inline));
        marten.Services.AddSingleton(LedgerProjection.Snapshot<TDocument>(name));
        marten.Services.TryAddSingleton<ProjectionRebuild>();
        marten.Services.TryAddSingleton<EventExport>();
        return marten;
    }

    /// <summary>Answers <c>ledger.admin.v1.Admin</c> over the projections the service declared with <see cref="Snapshot{TDocument}"/>.</summary>
    public static WebApplication MapLedgerReplay(this WebApplication app)
    {
        app.MapGrpcService<AdminService>();
        return app;
    }
}
