using Workspaces.Data.Configuration;

namespace Workspaces.Data.Tests.Configuration;

public sealed class ValidateDatabaseOptionsTests
{
    private readonly ValidateDatabaseOptions _validator = new();

    [Theory]
    [InlineData("Sqlite", "Data Source=/tmp/x.db")]
    [InlineData("sqlite", "Data Source=/tmp/x.db")]
    [InlineData("Postgres", "Host=db;Database=workspaces;Username=app;Password=secret")]
    [InlineData("POSTGRES", "Host=db")]
    public void Validate_KnownProviderWithConnectionString_Succeeds(string provider, string connectionString)
    {
        var result = _validator.Validate(null, new DatabaseOptions { Provider = provider, ConnectionString = connectionString });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("MySql")]
    [InlineData("")]
    [InlineData("1")]
    public void Validate_UnknownProvider_NamesTheProviderKey(string provider)
    {
        var result = _validator.Validate(null, new DatabaseOptions { Provider = provider, ConnectionString = "Data Source=x.db" });

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:Database:Provider must be Sqlite or Postgres", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    public void Validate_PostgresWithoutConnectionString_NamesBothConnectionStringKeys(string? connectionString)
    {
        var result = _validator.Validate(null, new DatabaseOptions { Provider = "Postgres", ConnectionString = connectionString });

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:Database:ConnectionString (or ConnectionStrings:Workspaces) is required", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PostgresWithoutHost_Fails()
    {
        var result = _validator.Validate(null, new DatabaseOptions { Provider = "Postgres", ConnectionString = "Database=workspaces" });

        Assert.True(result.Failed);
        Assert.Contains("must set Host", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MalformedConnectionString_FailsWithoutEchoingIt()
    {
        var result = _validator.Validate(null, new DatabaseOptions { Provider = "Postgres", ConnectionString = "Host=db;Password=hunter2;Frobnicate=yes" });

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:Database:ConnectionString", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void GetProvider_InvalidProvider_ThrowsWithTheValidationMessage()
    {
        var exception = Assert.Throws<InvalidOperationException>(() => new DatabaseOptions { Provider = "Oracle" }.GetProvider());

        Assert.Contains("Workspaces:Database:Provider", exception.Message, StringComparison.Ordinal);
    }
}
