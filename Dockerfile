# syntax=docker/dockerfile:1
# Undertone: one static binary, every subcommand. Build with
#   docker build -t undertone .
# and run a stage with e.g. `docker run --rm undertone ingest`.
# (Docker has no engine on the development machines; this file is for users.)

# --- build: a static, trimmed binary -----------------------------------------
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/undertone ./cmd/undertone

# --- runtime: distroless static, non-root ------------------------------------
# No shell, no package manager; uid/gid 65532 ("nonroot").
FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
# The binary embeds migrations, models, dashboards and templates; the topic
# taxonomy and the documented default config are read from ./config at run
# time (override with --config / UNDERTONE_* or mount your own ./config).
COPY --from=build /out/undertone /usr/local/bin/undertone
COPY config/undertone.yaml config/topics.yaml /app/config/
USER 65532:65532
# admin (/metrics, /healthz, /readyz) and serve (API, dashboards)
EXPOSE 9464 8080
# Listen on all interfaces inside the container (the file defaults to loopback).
ENV UNDERTONE_ADMIN_ADDR=0.0.0.0:9464 \
    UNDERTONE_SERVE_ADDR=0.0.0.0:8080
ENTRYPOINT ["/usr/local/bin/undertone"]
CMD ["--help"]
