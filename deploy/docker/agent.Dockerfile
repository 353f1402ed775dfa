# syntax=docker/dockerfile:1
# The agent image: both builds of the workspace agent, for glibc (Debian, Ubuntu, Fedora...) and musl (Alpine) toolchain
# images, and a start script that picks the one the toolchain image can run. A workspace pod's init container copies
# /opt/workspaces/agent into a shared volume; a second init container runs the glibc build from here to clone.
#   docker build -f deploy/docker/agent.Dockerfile -t workspaces-agent .
#
# The agent is published as Native AOT (a single native executable plus libgit2's shared library, no .NET runtime
# needed in the toolchain image): smaller and faster to start than a self-contained single-file JIT build.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS glibc
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Shared/ src/Shared/
COPY src/WorkspaceAgent/ src/WorkspaceAgent/
RUN dotnet publish src/WorkspaceAgent/WorkspaceAgent.csproj -c Release -r linux-x64 -o /out --nologo \
 && rm -f /out/*.dbg

FROM mcr.microsoft.com/dotnet/sdk:10.0-alpine AS musl
RUN apk add --no-cache clang build-base zlib-dev
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Shared/ src/Shared/
COPY src/WorkspaceAgent/ src/WorkspaceAgent/
RUN dotnet publish src/WorkspaceAgent/WorkspaceAgent.csproj -c Release -r linux-musl-x64 -o /out --nologo \
 && rm -f /out/*.dbg

FROM debian:bookworm-slim
COPY --from=glibc /out/ /opt/workspaces/agent/glibc/
COPY --from=musl /out/ /opt/workspaces/agent/musl/
COPY deploy/docker/agent-start.sh /opt/workspaces/agent/start
RUN chmod 0755 /opt/workspaces/agent/start /opt/workspaces/agent/glibc/Workspaces.WorkspaceAgent /opt/workspaces/agent/musl/Workspaces.WorkspaceAgent
USER 1000:1000
ENTRYPOINT ["/opt/workspaces/agent/start"]
