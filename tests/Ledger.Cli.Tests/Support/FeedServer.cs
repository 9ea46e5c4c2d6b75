using System.Net;
using System.Net.Sockets;
using System.Text;
using Ledger.Testing;

namespace Ledger.Cli.Tests.Support;

/// <summary>A small HTTP server on a free localhost port that serves one feed body with an ETag, and counts requests.</summary>
public sealed class FeedServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    public FeedServer(Func<string> body, string etag = "\"v1\"")
    {
        var port = FreePorts.Next();
        Url = $"http://127.0.0.1:{port}/feeds/revocations";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _serving = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref Requests);
                Urls.Add(context.Request.Url!.PathAndQuery);
                if (context.Request.Headers["If-None-Match"] == etag)
                {
                    Interlocked.Increment(ref NotModified);
                    context.Response.StatusCode = 304;
                }
                else
                {
                    var bytes = Encoding.UTF8.GetBytes(body());
                    context.Response.Headers["ETag"] = etag;
                    context.Response.ContentType = "application/jose";
                    await context.Response.OutputStream.WriteAsync(bytes);
                }

                context.Response.Close();
            }
        });
    }

#pragma warning disable CA1051 // Counters updated with Interlocked.
    public int Requests;
    public int NotModified;
#pragma warning restore CA1051

    public System.Collections.Concurrent.ConcurrentBag<string> Urls { get; } = [];

    public string Url { get; }

    public void Dispose()
    {
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
