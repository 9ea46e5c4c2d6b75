# The four Ledger services, one Dockerfile. Build from the repository root, naming the service:
#   docker build --build-arg SERVICE=Notary -t ledger/notary .     (Notary, Issuance, Revocation, Attestation)
# The build stage publishes all four (they share most of their code, so the other three
# builds reuse its layers); the runtime stage keeps the one SERVICE names.
# Base images: the official .NET images by default. Where no registry answers, infra/images/
# builds stand-ins from Debian packages and `make compose-up` passes them here:
#   --build-arg DOTNET_SDK_IMAGE=ledger-local/dotnet-sdk:10.0
#   --build-arg DOTNET_RUNTIME_IMAGE=ledger-local/dotnet-aspnet:10.0
ARG DOTNET_SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG DOTNET_RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${DOTNET_SDK_IMAGE} AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Restore runs on the project files alone, so a change to the code reuses the restored layer.
COPY global.json NuGet.config Directory.Build.props Directory.Packages.props ./
COPY infra/nuget/packages/ infra/nuget/packages/
COPY contracts/protos/ contracts/protos/
COPY contracts/Ledger.Contracts.Grpc/Ledger.Contracts.Grpc.csproj contracts/Ledger.Contracts.Grpc/
COPY contracts/Ledger.Contracts.Events/Ledger.Contracts.Events.csproj contracts/Ledger.Contracts.Events/
COPY sdk/Ledger.Crypto/Ledger.Crypto.csproj sdk/Ledger.Crypto/
COPY sdk/Ledger.Verification/Ledger.Verification.csproj sdk/Ledger.Verification/
COPY building-blocks/Ledger.ClientTokens/Ledger.ClientTokens.csproj building-blocks/Ledger.ClientTokens/
COPY building-blocks/Ledger.Idempotency/Ledger.Idempotency.csproj building-blocks/Ledger.Idempotency/
COPY building-blocks/Ledger.NotaryClient/Ledger.NotaryClient.csproj building-blocks/Ledger.NotaryClient/
COPY building-blocks/Ledger.Replay/Ledger.Replay.csproj building-blocks/Ledger.Replay/
COPY services/Ledger.ServiceDefaults/Ledger.ServiceDefaults.csproj services/Ledger.ServiceDefaults/
COPY services/Ledger.Notary/Ledger.Notary.csproj services/Ledger.Notary/
COPY services/Ledger.Issuance/Ledger.Issuance.csproj services/Ledger.Issuance/
COPY services/Ledger.Revocation/Ledger.Revocation.csproj services/Ledger.Revocation/
COPY services/Ledger.Attestation/Ledger.Attestation.csproj services/Ledger.Attestation/
RUN for service in Notary Issuance Revocation Attestation; do \
      dotnet restore "services/Ledger.$service/Ledger.$service.csproj" -r linux-x64 -p:PublishReadyToRun=true || exit 1; \
    done

# The analyzers' settings: the build treats warnings as errors, as it does outside the image.
COPY .editorconfig ./
COPY contracts/ contracts/
COPY sdk/Ledger.Crypto/ sdk/Ledger.Crypto/
COPY sdk/Ledger.Verification/ sdk/Ledger.Verification/
COPY building-blocks/ building-blocks/
COPY services/ services/
# ReadyToRun (docs/ARCHITECTURE.md, "Cold start"): the hosts and their packages are precompiled for
# linux-x64, so a restarted container serves near its steady rate at once instead of JIT-compiling.
RUN for service in Notary Issuance Revocation Attestation; do \
      dotnet publish "services/Ledger.$service/Ledger.$service.csproj" -c Release --no-restore \
        -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
        -o "/app/$service" -p:UseAppHost=false || exit 1; \
    done

FROM ${DOTNET_RUNTIME_IMAGE} AS runtime
ARG SERVICE
# One command for the entrypoint and the health check, whichever service this image holds.
RUN case "$SERVICE" in \
      Notary|Issuance|Revocation|Attestation) ;; \
      *) echo "Dockerfile: set --build-arg SERVICE=Notary|Issuance|Revocation|Attestation (got '$SERVICE')" >&2; exit 1 ;; \
    esac \
 && printf '#!/bin/sh\nexec dotnet /app/Ledger.%s.dll "$@"\n' "$SERVICE" > /usr/local/bin/ledger-service \
 && chmod 755 /usr/local/bin/ledger-service
WORKDIR /app
COPY --from=build /app/${SERVICE}/ ./
LABEL org.opencontainers.image.title="ledger-${SERVICE}"
# The image's non-root user (app, uid 1654); nothing in /app is writable by it.
USER $APP_UID
# Kestrel's endpoints from appsettings.json (HTTP/1.1 for health and documents; HTTP/2 for
# gRPC), moved off loopback; /metrics is on a third, the HTTP port + 100 (8180, MetricsListener.cs).
# ASPNETCORE_HTTP_PORTS would add another; clear it.
ENV ASPNETCORE_HTTP_PORTS= \
    Kestrel__Endpoints__Http__Url=http://0.0.0.0:8080 \
    Kestrel__Endpoints__Grpc__Url=http://0.0.0.0:8081
EXPOSE 8080 8081 8180
# The image has no curl: the service's own binary probes readiness (HealthProbe.cs).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
    CMD ["ledger-service", "--health-probe", "http://127.0.0.1:8080/health/ready"]
ENTRYPOINT ["ledger-service"]
