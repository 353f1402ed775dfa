using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workspaces.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class WorkspaceStatusDetails : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ErrorAdvice",
                table: "Workspaces",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ObservedGeneration",
                table: "Workspaces",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "LaunchedAt",
                table: "WorkspaceStarts",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ErrorAdvice",
                table: "Workspaces");

            migrationBuilder.DropColumn(
                name: "ObservedGeneration",
                table: "Workspaces");

            migrationBuilder.DropColumn(
                name: "LaunchedAt",
                table: "WorkspaceStarts");
        }
    }
}
