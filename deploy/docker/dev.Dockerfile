# syntax=docker/dockerfile:1
# The SDK image docker-compose.dev.yml runs the web app in: `dotnet run` also publishes the Native AOT agent (clang)
# and re-bundles the browser code when it changed (Node.js).
FROM mcr.microsoft.com/dotnet/sdk:10.0
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang zlib1g-dev nodejs npm \
 && rm -rf /var/lib/apt/lists/*
