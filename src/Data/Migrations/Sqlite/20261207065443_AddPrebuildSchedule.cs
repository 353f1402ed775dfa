using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workspaces.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddPrebuildSchedule : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LastScheduledAt",
                table: "ProjectPrebuildSettings",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ScheduleHours",
                table: "ProjectPrebuildSettings",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<long>(
                name: "ScheduleSince",
                table: "ProjectPrebuildSettings",
                type: "INTEGER",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LastScheduledAt",
                table: "ProjectPrebuildSettings");

            migrationBuilder.DropColumn(
                name: "ScheduleHours",
                table: "ProjectPrebuildSettings");

            migrationBuilder.DropColumn(
                name: "ScheduleSince",
                table: "ProjectPrebuildSettings");
        }
    }
}
