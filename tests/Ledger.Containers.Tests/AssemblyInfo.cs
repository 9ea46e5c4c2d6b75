// Docker engines, shell scripts and Unix ports: these tests run on Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
