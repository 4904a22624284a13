using Xunit.Abstractions;
using Xunit.Sdk;

namespace EMamba.Search.Tests.Storage;

/// <summary>Marks a contract test class whose backend is PostgreSQL.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class NeedsPostgresAttribute : Attribute;

/// <summary>A fact of the storage contract. One abstract class declares it and each backend's class inherits
/// it, so the skip depends on the class it runs in: a <see cref="NeedsPostgresAttribute"/> class skips it, with
/// the reason, when PostgreSQL is not installed.</summary>
[XunitTestCaseDiscoverer("EMamba.Search.Tests.Storage.StorageFactDiscoverer", "EMamba.Search.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StorageFactAttribute : FactAttribute;

public sealed class StorageFactDiscoverer(IMessageSink sink) : FactDiscoverer(sink)
{
    public override IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo fact)
    {
        bool postgres = method.TestClass.Class.GetCustomAttributes(typeof(NeedsPostgresAttribute)).Any();
        if (!postgres || PostgresCluster.Missing is not { } why) return base.Discover(options, method, fact);
        return [new XunitSkippedDataRowTestCase(DiagnosticMessageSink, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(), method, why)];
    }
}
