# syntax=docker/dockerfile:1
#
# The bodydouble container image: one static binary (pure Go, the web app
# inside) on an empty base, running as an unprivileged user, with its data
# in the /data volume. See docs/operations.md "Install".
#
#   docker build -t bodydouble --build-arg VERSION=v0.2.0 --build-arg COMMIT=$(git rev-parse --short=12 HEAD) .
#   docker run -d -p 8080:8080 -p 3478:3478/udp -p 3478:3478/tcp -v bodydouble-data:/data \
#     --read-only --tmpfs /tmp bodydouble
#
# The root filesystem may be read-only: bodydouble writes only to /data (the
# SQLite database, the generated secret and keyring, uploaded avatars) and
# SQLite's temporary files to /tmp (mount a tmpfs there).

ARG GO_VERSION=1.26.8

# --- build: the Go toolchain, on the machine's own platform, cross-compiling
# for the target's (docker buildx build --platform linux/amd64,linux/arm64).
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
# Set by BuildKit from --platform (empty: the builder's own, as Go's default).
ARG TARGETOS
ARG TARGETARCH
# The version bodydouble version prints and error reports carry; the
# commit, since .git is not sent to the build (.dockerignore).
ARG VERSION=devel
ARG COMMIT=
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# CGO_ENABLED=0: a static binary that needs no libc; timetzdata: time zones
# without /usr/share/zoneinfo (history in a person's zone).
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
	go build -trimpath -buildvcs=false -tags timetzdata \
	-ldflags "-s -w -X github.com/bodydouble/bodydouble/internal/buildinfo.version=${VERSION} -X github.com/bodydouble/bodydouble/internal/buildinfo.commit=${COMMIT}" \
	-o /out/bodydouble ./cmd/bodydouble
# The image's two directories: /data only for bodydouble's user, /tmp for
# anyone, as usual.
RUN mkdir -p /out/rootfs/data /out/rootfs/tmp && chmod 0700 /out/rootfs/data && chmod 1777 /out/rootfs/tmp

# --- the image: nothing but the binary, CA certificates (Sentry, S3, ACME)
# and two empty directories.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/bodydouble /usr/local/bin/bodydouble
# (COPY makes root the owner of what it copies, unless told otherwise.)
COPY --from=build --chown=65532:65532 /out/rootfs/ /
# 65532 is "nonroot" in distroless images; no name is needed (scratch has no
# /etc/passwd). It owns /data (and /tmp, open to all anyway), nothing else.
USER 65532:65532
ENV BODYDOUBLE_ADDR=:8080 \
	BODYDOUBLE_DATA_DIR=/data \
	TMPDIR=/tmp
VOLUME ["/data"]
# 8080: HTTP (put HTTPS in front, or give --tls-cert/--tls-key);
# 3478 UDP and TCP: the built-in STUN/TURN server (relays use further UDP
# ports: see docs/operations.md "TURN").
EXPOSE 8080/tcp 3478/udp 3478/tcp
# No shell and no curl in here: bodydouble asks itself, on the port
# BODYDOUBLE_ADDR names.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
	CMD ["/usr/local/bin/bodydouble", "healthcheck"]
# SIGTERM drains (sockets are told to reconnect elsewhere) within
# --shutdown-grace (10 s); docker stop waits 10 s by default, so give it
# --stop-timeout 15 (compose: stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/bodydouble"]
CMD ["--data-dir", "/data"]
