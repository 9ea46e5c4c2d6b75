using System.Net;
using System.Net.Sockets;

namespace Ledger.Testing;

/// <summary>
/// Ports free on 127.0.0.1 for services a test starts, each handed out once per test process.
/// The kernel picks a bind(0) port at random, and a port freed here stays free until its service
/// binds it seconds later, so without the record two services of one fixture could be given the same.
/// </summary>
public static class FreePorts
{
    private static readonly HashSet<int> HandedOut = [];

    public static int Next()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
    }

    public static int[] Take(int count) => Enumerable.Range(0, count).Select(_ => Next()).ToArray();
}
