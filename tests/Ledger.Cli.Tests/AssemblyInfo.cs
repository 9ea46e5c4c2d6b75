// The tests check Unix file modes (0600 keys) and archive links: they run on Linux and macOS.
[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
