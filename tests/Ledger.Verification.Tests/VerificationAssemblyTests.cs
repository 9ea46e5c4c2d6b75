using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace Ledger.Verification.Tests;

/// <summary>The library must stay pure: no files, network, environment or clock of its own.</summary>
public sealed class VerificationAssemblyTests
{
    private static readonly string[] ForbiddenTypePrefixes =
    [
        "System.IO.File", "System.IO.Directory", "System.IO.Pipes", "System.IO.MemoryMappedFiles", "System.IO.IsolatedStorage",
        "System.Net.", "System.Environment", "System.Diagnostics.Process", "System.Diagnostics.Stopwatch", "System.Threading.Timer",
        "System.Runtime.InteropServices.Marshal", "System.Random",
    ];

    private static readonly string[] ForbiddenMembers =
    [
        "System.DateTime.get_Now", "System.DateTime.get_UtcNow", "System.DateTime.get_Today",
        "System.DateTimeOffset.get_Now", "System.DateTimeOffset.get_UtcNow",
        "System.TimeProvider.get_System",
        "System.IO.Path.GetTempPath", "System.IO.Path.GetFullPath",
    ];

    [Fact]
    public void library_references_no_io_network_environment_or_clock_members()
    {
        using var stream = File.OpenRead(typeof(LicenseVerifier).Assembly.Location);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();

        var referencedTypes = reader.TypeReferences.Select(h => TypeName(reader, h)).ToList();
        var referencedMembers = reader.MemberReferences
            .Select(h => reader.GetMemberReference(h))
            .Where(m => m.Parent.Kind == HandleKind.TypeReference)
            .Select(m => $"{TypeName(reader, (TypeReferenceHandle)m.Parent)}.{reader.GetString(m.Name)}")
            .ToList();

        Assert.Contains("System.Security.Cryptography.SHA256", referencedTypes);
        Assert.DoesNotContain(referencedTypes, t => ForbiddenTypePrefixes.Any(t.StartsWith));
        Assert.DoesNotContain(referencedMembers, ForbiddenMembers.Contains);
        Assert.DoesNotContain(referencedMembers, m => ForbiddenTypePrefixes.Any(m.StartsWith));
    }

    [Fact]
    public void library_has_no_native_calls()
    {
        using var stream = File.OpenRead(typeof(LicenseVerifier).Assembly.Location);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();

        Assert.DoesNotContain(reader.MethodDefinitions, h => (reader.GetMethodDefinition(h).Attributes & System.Reflection.MethodAttributes.PinvokeImpl) != 0);
        Assert.Equal(0, reader.GetTableRowCount(TableIndex.ModuleRef));
    }

    [Fact]
    public void library_depends_on_ledger_crypto_and_the_base_library_only()
    {
        var references = typeof(LicenseVerifier).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Contains("Ledger.Crypto", references);
        Assert.All(references, name => Assert.True(
            name == "Ledger.Crypto" || name is "System.Runtime" or "System.Collections" or "System.Linq" or "System.Memory" or "System.Text.Json" or "System.Security.Cryptography" or "System.Text.Encoding.Extensions" or "System.Runtime.InteropServices",
            $"Ledger.Verification references {name}; it may reference only Ledger.Crypto and base-library assemblies without I/O."));
    }

    private static string TypeName(MetadataReader reader, TypeReferenceHandle handle)
    {
        var type = reader.GetTypeReference(handle);
        var name = reader.GetString(type.Name);
        if (type.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            return $"{TypeName(reader, (TypeReferenceHandle)type.ResolutionScope)}+{name}";
        }

        var ns = reader.GetString(type.Namespace);
        return ns.Length == 0 ? name : $"{ns}.{name}";
    }
}
