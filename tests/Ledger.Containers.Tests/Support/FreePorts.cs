using System.Net;
using System.Net.Sockets;

namespace Ledger.Containers.Tests.Support;

/// <summary>Ports free on 127.0.0.1 right now, for a stack that must not take anyone's defaults.</summary>
public static class FreePorts
{
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
