using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workspaces.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddPrebuildSchedule : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "LastScheduledAt",
                table: "ProjectPrebuildSettings",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ScheduleHours",
                table: "ProjectPrebuildSettings",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "ScheduleSince",
                table: "ProjectPrebuildSettings",
                type: "timestamp with time zone",
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
