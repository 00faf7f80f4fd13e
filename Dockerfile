# syntax=docker/dockerfile:1
#
# Jobwheel images, built from this one file with two targets that share every build step:
#
#   docker build --target admin           -t jobwheel-admin .            # jobwheel-admin
#   docker build --target executor-sample -t jobwheel-executor-sample .  # the sample executor
#
# Why two targets rather than one image with both binaries: each image holds only the
# program it runs (the admin image has no executor that could run jobs, and the reverse),
# while the builder stage compiles both once, so building both costs one build.
# docker-compose.yml builds both targets; `admin` is the last stage, hence the default.

ARG RUST_VERSION=1

# ---- builder: compile both binaries ---------------------------------------------------------
FROM rust:${RUST_VERSION}-bookworm AS builder
WORKDIR /src

# 1. Dependencies only. The manifests and the lock file change far less often than the
#    sources, so this layer (every crates.io dependency, compiled) is reused from cache until
#    a manifest changes. Each workspace member gets an empty stand-in for its targets.
COPY Cargo.toml Cargo.lock ./
COPY admin/Cargo.toml admin/
COPY executor-sdk/Cargo.toml executor-sdk/
COPY executor-sample/Cargo.toml executor-sample/
COPY bench/Cargo.toml bench/
RUN set -eux; \
    for crate in admin executor-sdk executor-sample; do \
        mkdir -p "$crate/src"; : > "$crate/src/lib.rs"; \
    done; \
    echo 'fn main() {}' > admin/src/main.rs; \
    echo 'fn main() {}' > executor-sample/src/main.rs; \
    mkdir -p bench/src; echo 'fn main() {}' > bench/src/main.rs; \
    cargo build --release --locked -p jobwheel-admin -p jobwheel-executor-sample; \
    rm -rf admin/src executor-sdk/src executor-sample/src bench/src

# 2. Our sources (see .dockerignore). The copied files may be older than the stand-ins'
#    build, so touch them: cargo must rebuild our crates, and only ours.
COPY . .
RUN set -eux; \
    find admin executor-sdk executor-sample -name '*.rs' -exec touch {} +; \
    cargo build --release --locked -p jobwheel-admin -p jobwheel-executor-sample; \
    install -D -m 0755 -t /out target/release/jobwheel-admin target/release/jobwheel-executor-sample

# ---- runtime: what both images share --------------------------------------------------------
FROM debian:bookworm-slim AS runtime
# ca-certificates for HTTPS webhooks and SMTP; curl for the container health checks.
RUN set -eux; \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates curl; \
    rm -rf /var/lib/apt/lists/*; \
    useradd --system --user-group --uid 10001 --home-dir /var/lib/jobwheel --create-home \
        --shell /usr/sbin/nologin jobwheel; \
    install -d -o jobwheel -g jobwheel /var/lib/jobwheel/logs
# The working directory is the user's own: the admin's default SQLite file (jobwheel.db) and
# the executor's run logs (logs/) land there. Mount a volume on it to keep them.
WORKDIR /var/lib/jobwheel
USER jobwheel:jobwheel
ENV RUST_LOG=info

# ---- the sample executor --------------------------------------------------------------------
FROM runtime AS executor-sample
COPY --from=builder /out/jobwheel-executor-sample /usr/local/bin/jobwheel-executor-sample
ENV JOBWHEEL_LOG_PATH=/var/lib/jobwheel/logs
EXPOSE 9999
ENTRYPOINT ["/usr/local/bin/jobwheel-executor-sample"]

# ---- the admin (default target) -------------------------------------------------------------
FROM runtime AS admin
COPY --from=builder /out/jobwheel-admin /usr/local/bin/jobwheel-admin
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/jobwheel-admin"]
