# The .NET SDK image for building the services without a registry: the local Debian base plus
# the SDK this machine builds with (context: a copy of its dotnet directory, made by build.sh)
# and the certificate authorities this machine trusts (NuGet may sit behind one of them).
ARG BASE_IMAGE=ledger-local/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
 && apt-get install -y ca-certificates libicu72 libssl3 libstdc++6 libgcc-s1 zlib1g tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY ca-certificates/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
COPY dotnet/ /usr/share/dotnet/
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet && dotnet --info >/dev/null
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_RUNNING_IN_CONTAINER=true \
    DOTNET_USE_POLLING_FILE_WATCHER=true NUGET_XMLDOC_MODE=skip
