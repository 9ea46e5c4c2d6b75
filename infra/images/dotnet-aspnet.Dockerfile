# The ASP.NET Core runtime image the services run on without a registry, shaped like
# mcr.microsoft.com/dotnet/aspnet: the shared frameworks under /usr/share/dotnet, the non-root
# user `app` (uid 1654) in APP_UID, and no SDK. The runtime is the one the local SDK image carries.
ARG BASE_IMAGE=ledger-local/debian:bookworm
ARG SDK_IMAGE=ledger-local/dotnet-sdk:10.0
FROM ${SDK_IMAGE} AS sdk

FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y ca-certificates libicu72 libssl3 libstdc++6 libgcc-s1 zlib1g tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY --from=sdk /usr/share/dotnet/dotnet /usr/share/dotnet/LICENSE.txt /usr/share/dotnet/ThirdPartyNotices.txt /usr/share/dotnet/
COPY --from=sdk /usr/share/dotnet/host/ /usr/share/dotnet/host/
COPY --from=sdk /usr/share/dotnet/shared/ /usr/share/dotnet/shared/
ENV APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet \
 && groupadd --gid "$APP_UID" app \
 && useradd --uid "$APP_UID" --gid app --no-create-home --home-dir /app --shell /usr/sbin/nologin app \
 && dotnet --list-runtimes
