using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Workspaces.Data.Sqlite;

/// <summary>
/// Stores a UTC <see cref="DateTimeOffset"/> as whole microseconds since 1970-01-01T00:00:00Z (an INTEGER column),
/// truncating sub-microsecond ticks like PostgreSQL's timestamptz does. Like Npgsql, it refuses a non-zero offset:
/// a local time would otherwise work on the embedded default and fail in production.
/// </summary>
public sealed class UtcDateTimeOffsetToUnixMicrosecondsConverter()
    : ValueConverter<DateTimeOffset, long>(value => ToUnixMicroseconds(value), value => FromUnixMicroseconds(value))
{
    public static long ToUnixMicroseconds(DateTimeOffset value)
    {
        if (value.Offset != TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"Cannot store DateTimeOffset with Offset={value.Offset}: only UTC values (offset 0) are supported, as with PostgreSQL. Use TimeProvider.GetUtcNow().",
                nameof(value));
        }

        return (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;
    }

    public static DateTimeOffset FromUnixMicroseconds(long value) =>
        DateTimeOffset.UnixEpoch.AddTicks(value * TimeSpan.TicksPerMicrosecond);
}
