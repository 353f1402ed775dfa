# syntax=docker/dockerfile:1
# The web app (IDE, API, forwarder, preview proxy). Build from the repository root:
#   docker build -f deploy/docker/web.Dockerfile -t workspaces-web .
# Not built in this project's CI (no Docker there); kept correct by reading — see docs/kubernetes.md.

# Base images by digest (build arguments without defaults: a build without them fails). See agent.Dockerfile and
# scripts/pin-base-images.sh; multi-platform: docker buildx build --platform linux/amd64,linux/arm64 ...
ARG DOTNET_SDK_DIGEST
ARG DOTNET_ASPNET_DIGEST

# Built on the target platform (not $BUILDPLATFORM): the build also publishes the Native AOT agent for the local runtime.
FROM mcr.microsoft.com/dotnet/sdk:10.0@${DOTNET_SDK_DIGEST} AS build
# The web project's build publishes the Native AOT agent for the local runtime (CopyAgent.targets): that needs clang.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
# The browser bundle (src/Web/wwwroot/dist) is committed, so no Node.js is needed here.
RUN dotnet publish src/Web/Web.csproj -c Release -o /out --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0@${DOTNET_ASPNET_DIGEST}
WORKDIR /app
COPY --from=build /out ./
# The image's non-root "app" user (uid 1654); the chart also sets runAsNonRoot and a read-only root filesystem.
USER 1654
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_NOLOGO=1 \
    Workspaces__DataDirectory=/var/lib/workspaces
EXPOSE 8080
ENTRYPOINT ["dotnet", "Workspaces.Web.dll"]
