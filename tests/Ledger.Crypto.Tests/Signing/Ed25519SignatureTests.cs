namespace Ledger.Crypto.Tests.Signing;

public sealed class Ed25519SignatureTests
{
    [Fact]
    public void wycheproof_ed25519_all_151_cases_give_the_expected_verdict()
    {
        var file = TestVectors.Load("wycheproof/ed25519_test.json");
        var failures = new List<string>();
        var count = 0;
        foreach (var group in file.GetProperty("testGroups").EnumerateArray())
        {
            var publicKey = TestVectors.Hex(group.GetProperty("publicKey"), "pk");
            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                count++;
                var expected = TestVectors.Text(test, "result") switch
                {
                    "valid" => true,
                    "invalid" => false,
                    var other => throw new InvalidOperationException($"tcId {test.GetProperty("tcId")}: unexpected result '{other}'"),
                };
                var actual = Ed25519Signature.Verify(publicKey, TestVectors.Hex(test, "msg"), TestVectors.Hex(test, "sig"));
                if (actual != expected)
                {
                    failures.Add($"tcId {test.GetProperty("tcId")} ({TestVectors.Text(test, "comment")}): expected {expected}, got {actual}");
                }
            }
        }

        Assert.Equal(151, count);
        Assert.Empty(failures);
    }

    // NSec (libsodium 1.0.22) accepts only case 3, the same row as LibSodium in speccheck's results.md.
    // See ED25519.md for what each case tests.
    [Theory]
    [InlineData(0, false, "small A and small R, S = 0")]
    [InlineData(1, false, "small A")]
    [InlineData(2, false, "small R")]
    [InlineData(3, true, "mixed-order A and R, valid cofactored and cofactorless")]
    [InlineData(4, false, "mixed-order A and R, valid only cofactored")]
    [InlineData(5, false, "valid only cofactored with pre-reduced scalar")]
    [InlineData(6, false, "S > L")]
    [InlineData(7, false, "S >> L")]
    [InlineData(8, false, "non-canonical R, reduced for hash")]
    [InlineData(9, false, "non-canonical R, not reduced for hash")]
    [InlineData(10, false, "non-canonical A, reduced for hash")]
    [InlineData(11, false, "non-canonical A, not reduced for hash")]
    public void ed25519_speccheck_case_verdict_is_libsodiums(int index, bool accepted, string condition)
    {
        var cases = TestVectors.Load("ed25519-speccheck/cases.json");
        Assert.Equal(12, cases.GetArrayLength());
        var test = cases[index];

        var actual = Ed25519Signature.Verify(TestVectors.Hex(test, "pub_key"), TestVectors.Hex(test, "message"), TestVectors.Hex(test, "signature"));

        Assert.True(accepted == actual, $"speccheck case {index} ({condition}): expected accepted={accepted}");
    }

    [Fact]
    public void wrong_lengths_are_rejected_without_exceptions()
    {
        using var key = Ed25519SigningKey.Generate();
        var signature = key.Sign("m"u8);

        Assert.True(Ed25519Signature.Verify(key.PublicKey, "m"u8, signature));
        Assert.False(Ed25519Signature.Verify(key.PublicKey, "m"u8, signature.AsSpan(0, 63)));
        Assert.False(Ed25519Signature.Verify(key.PublicKey, "m"u8, [.. signature, 0]));
        Assert.False(Ed25519Signature.Verify(key.PublicKey.AsSpan(0, 31), "m"u8, signature));
        Assert.False(Ed25519Signature.Verify([], "m"u8, []));
    }
}
