namespace Workspaces.Data.Tests.TestDatabases;

public sealed class PostgresTestDatabaseTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void ServerConnectionString_VariableMissing_ThrowsPointingAtTheScript(string? value)
    {
        var exception = Assert.Throws<InvalidOperationException>(() => PostgresTestDatabase.ServerConnectionString(value));

        Assert.Contains("WORKSPACES_TEST_POSTGRES", exception.Message, StringComparison.Ordinal);
        Assert.Contains("scripts/postgres-for-tests.sh start", exception.Message, StringComparison.Ordinal);
    }
}
