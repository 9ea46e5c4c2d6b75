using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ledger.ServiceDefaults.Grpc;

/// <summary>
/// Request bytes that are not the rpc's message (bad protobuf, a string that is not UTF-8) are
/// InvalidArgument with reason UNDECODABLE_REQUEST. grpc-dotnet decodes a request before any
/// interceptor runs and answers a decoding failure with Unknown "Exception was thrown by
/// handler", so the services bind their methods here instead of through grpc-dotnet's own
/// provider: the same methods, handlers and endpoint metadata (the [Authorize] roles of the
/// service and the method), with a request marshaller that turns the parser's error into the
/// status.
/// </summary>
public static class UndecodableRequests
{
    /// <summary>Call after every AddGrpc* call: it replaces the method provider those register.</summary>
    public static IServiceCollection AddUndecodableRequestsAsInvalidArgument(this IServiceCollection services)
    {
        services.RemoveAll(typeof(IServiceMethodProvider<>));
        services.AddSingleton(typeof(IServiceMethodProvider<>), typeof(DecodingMethodProvider<>));
        return services;
    }

    private static Method<TRequest, TResponse> Guarded<TRequest, TResponse>(Method<TRequest, TResponse> method)
        where TRequest : class
    {
        var decode = method.RequestMarshaller.ContextualDeserializer;
        var messageName = MessageName<TRequest>();
        var marshaller = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, context =>
        {
            try
            {
                return decode(context);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw ErrorReasons.Failure(StatusCode.InvalidArgument, ErrorReasons.UndecodableRequest,
                    $"The request is not a valid {messageName} ({e.Message}); send {method.FullName} the message its proto declares, " +
                    "protobuf-encoded, with every string in UTF-8. Nothing was changed.",
                    metadata: new Dictionary<string, string> { ["message_type"] = messageName });
            }
        });
        return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, marshaller, method.ResponseMarshaller);
    }

    /// <summary>The proto name of a generated message (ledger.issuance.v1.IssueLicenseRequest).</summary>
    private static string MessageName<TRequest>() =>
        typeof(TRequest).GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is Google.Protobuf.Reflection.MessageDescriptor descriptor
            ? descriptor.FullName
            : typeof(TRequest).Name;

    /// <summary>Binds a generated service (its static BindService method) with guarded request decoding.</summary>
    private sealed class DecodingMethodProvider<TService> : IServiceMethodProvider<TService>
        where TService : class
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
        {
            if (FindBindService() is not var (bindMethod, declaringType))
            {
                return;
            }

            bindMethod.Invoke(null, [new GuardingBinder(context, declaringType), null]);
        }

        /// <summary>The generated base class names its binder: [BindServiceMethod(typeof(Licenses), "BindService")].</summary>
        private static (MethodInfo Method, Type DeclaringType)? FindBindService()
        {
            for (var type = typeof(TService); type is not null; type = type.BaseType)
            {
                if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } attribute)
                {
                    var method = attribute.BindType.GetMethod(attribute.BindMethodName, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static,
                        [typeof(ServiceBinderBase), type])
                        ?? throw new InvalidOperationException($"{attribute.BindType} has no {attribute.BindMethodName}(ServiceBinderBase, {type.Name}).");
                    return (method, type);
                }
            }

            return null;
        }

        private sealed class GuardingBinder(ServiceMethodProviderContext<TService> context, Type declaringType) : ServiceBinderBase
        {
            public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
            {
                var (invoker, metadata) = Handler<UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext));
                context.AddUnaryMethod(Guarded(method), metadata, invoker);
            }

            public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
            {
                var (invoker, metadata) = Handler<ServerStreamingServerMethod<TService, TRequest, TResponse>>(
                    method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
                context.AddServerStreamingMethod(Guarded(method), metadata, invoker);
            }

            public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
            {
                var (invoker, metadata) = Handler<ClientStreamingServerMethod<TService, TRequest, TResponse>>(
                    method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
                context.AddClientStreamingMethod(Guarded(method), metadata, invoker);
            }

            public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
            {
                var (invoker, metadata) = Handler<DuplexStreamingServerMethod<TService, TRequest, TResponse>>(
                    method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
                context.AddDuplexStreamingMethod(Guarded(method), metadata, invoker);
            }

            /// <summary>
            /// The service's override of the generated virtual method (the base one answers
            /// Unimplemented), and the endpoint metadata: the service's attributes, then the
            /// method's (so a method's [Authorize] refines its service's), then POST only.
            /// </summary>
            private (TDelegate Invoker, List<object> Metadata) Handler<TDelegate>(string name, params Type[] parameters)
                where TDelegate : Delegate
            {
                var method = typeof(TService).GetMethod(name, BindingFlags.Public | BindingFlags.Instance, parameters);
                if (method is null || !method.IsVirtual || method.GetBaseDefinition().DeclaringType != declaringType)
                {
                    throw new InvalidOperationException($"{typeof(TService)} has no override of {declaringType}.{name}.");
                }

                List<object> metadata = [.. typeof(TService).GetCustomAttributes(inherit: true), .. method.GetCustomAttributes(inherit: true)];
                metadata.Add(new HttpMethodMetadata(["POST"], acceptCorsPreflight: true));
                return ((TDelegate)Delegate.CreateDelegate(typeof(TDelegate), method), metadata);
            }
        }
    }
}
