using Xunit.Sdk;

namespace Ledger.Reliability.Tests.Support;

/// <summary>The position of a test in a class whose tests build on one another (<see cref="StepOrderer"/>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute(int number) : Attribute
{
    public int Number { get; } = number;
}

/// <summary>
/// Runs a class's tests in the order of their <see cref="StepAttribute"/>: the cluster tests share
/// one cluster, and the PostgreSQL failover, which leaves it without a standby, comes last.
/// </summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public const string TypeName = "Ledger.Reliability.Tests.Support.StepOrderer";
    public const string AssemblyName = "Ledger.Reliability.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases.OrderBy(test => test.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName)
            .Select(step => step.GetConstructorArguments().Cast<int>().Single())
            .DefaultIfEmpty(int.MaxValue)
            .First());
}
