# syntax=docker/dockerfile:1
#
# triage container image: one static binary on distroless, running as a
# non-root user. Build:   docker build -t triage:dev --build-arg VERSION=$(git describe --always) .
# Run:                    docker run --rm triage:dev version
#
# Stage 1 builds with the Go toolchain named in go.mod; CGO is off so the
# binary is static (Pebble and franz-go are pure Go) and runs on an image
# with no libc.
ARG GO_VERSION=1.26
FROM golang:${GO_VERSION} AS build
WORKDIR /src
# Module download is cached in its own layer: it changes far less often
# than the sources.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.Version=${VERSION}" \
      -o /out/triage ./cmd/triage \
 && /out/triage version \
 && mkdir -p /out/state

# Stage 2: distroless/static ships CA certificates (TLS to Kafka), tzdata and
# a nonroot user (65532), and nothing else: no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/triage /usr/local/bin/triage
# The default state directory, owned by the nonroot user; in Kubernetes a
# PersistentVolume is mounted over /var/lib/triage.
COPY --from=build --chown=65532:65532 /out/state /var/lib/triage/state
USER 65532:65532
ENV TRIAGE_STATE_DIR=/var/lib/triage/state
# 9090: admin (metrics, /healthz, /readyz) of `triage run`;
# 8080: `triage serve`; 9091: `triage lag --serve`.
EXPOSE 9090 8080 9091
# `triage health` checks config, brokers, topics, state dir and runs the
# pipeline on a built-in email; exit 0 healthy, 1 unhealthy. Kubernetes
# ignores HEALTHCHECK and uses the probes in deploy/k8s instead.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/triage", "health", "--timeout", "5s"]
ENTRYPOINT ["/usr/local/bin/triage"]
CMD ["run"]
