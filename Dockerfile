# syntax=docker/dockerfile:1
#
# The hello-server image: a small Java runtime made with jlink, the server jar, and an AOT cache
# recorded at build time so the server answers sooner after start. Build from the repository root:
#
#   docker build -t hello-server .        (or: podman build -t hello-server .)
#   docker run --rm --read-only -p 8888:8888 hello-server
#
# Both base images are build arguments, so they can be swapped (e.g. for a digest pin). Both default
# to registries without an anonymous pull rate limit:
#   BUILD_IMAGE    a JDK 25 or newer (the AOT cache, -XX:AOTCacheOutput of JEP 514, needs Java 25)
#                  with jlink and objcopy (binutils, for jlink --strip-debug), Maven 3.8.1+ and bash;
#                  the default is Docker Hub's official image through its public ECR mirror (same
#                  name and tag; docker.io/library/... works as well).
#   RUNTIME_IMAGE  any glibc-based Linux with /etc/passwd and /etc/group; it only provides the C
#                  library for the jlink-ed runtime (Temurin's JVM links libc alone: libstdc++ and
#                  zlib are built in). The default is distroless "base-nossl" for Debian 13: glibc,
#                  tzdata, CA certificates and base files, no shell, no package manager, no
#                  OpenSSL; about 16 MB where debian:13-slim is 81 MB. gcr.io has no anonymous
#                  pull limit either, and the image is published for amd64 and arm64. The build
#                  runs no command in the runtime stage, so a shell-less base works.
ARG BUILD_IMAGE=public.ecr.aws/docker/library/maven:3.9.16-eclipse-temurin-25
ARG RUNTIME_IMAGE=gcr.io/distroless/base-nossl-debian13:latest

# The runtime base, named so that the build stage can read its /etc/passwd and /etc/group.
FROM ${RUNTIME_IMAGE} AS runtime-base

# ---------------------------------------------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
WORKDIR /src

# 1. Dependencies and plugins, in their own layer: only the poms are copied, so a source change
#    reuses this layer. Packaging the source-less modules resolves exactly what `package` needs.
#    Maven reads every module the parent pom lists, so each module's pom.xml is copied here.
COPY pom.xml ./
COPY server/pom.xml server/
COPY cfn-gen/pom.xml cfn-gen/
RUN mvn -B -ntp -pl server -am package -Dmaven.test.skip=true \
 && rm -rf server/target

# 2. The server jar, built offline from the layer above. Tests run in CI (mvn verify), not here.
#    Netty's native epoll library is unpacked next to it: by default Netty copies it to /tmp at
#    start-up, which a read-only root file system does not allow (jvm.options points
#    -Djava.library.path at /app/native). Only the build machine's architecture's library is
#    kept: the build runs on the architecture it builds for (the AOT cache is per architecture).
COPY server/src server/src
RUN mvn -B -ntp -o -pl server -am package -Dmaven.test.skip=true \
 && mkdir -p /app/native \
 && cp server/target/hello-server.jar /app/hello-server.jar \
 && cd /app/native \
 && jar xf /app/hello-server.jar META-INF/native \
 && lib=libnetty_transport_native_epoll_$(uname -m | sed 's/^aarch64$/aarch_64/').so \
 && mv "META-INF/native/$lib" . \
 && rm -rf META-INF

# 3. A Java runtime with only the modules the server uses (jdeps lists them). No default CDS
#    archive (--generate-cds-archive, 14 MB): the AOT cache below holds the JDK's classes too and
#    replaces it; the container test starts the image with -XX:AOTMode=on, which fails when the
#    cache is unusable.
RUN modules=$(jdeps --ignore-missing-deps --print-module-deps --multi-release 25 /app/hello-server.jar) \
 && echo "jlink modules: $modules" \
 && jlink --add-modules "$modules" \
      --strip-debug --no-man-pages --no-header-files --compress=zip-6 --output /opt/jre

# 4. The AOT cache (JEP 483/514): a training run of the real server with the runtime's flags
#    records which classes it loads and links; the JVM writes the cache when the run exits.
#    Runtime, jar and flags are the ones the final image uses, at the same paths, which the JVM
#    checks before it uses the cache. -XX:-AOTRecordTraining (a diagnostic flag, so only here, in
#    the build) leaves out the method profiles of JEP 515: with them the JVM compiles the training
#    run's hot methods as soon as it starts, which at 1 CPU cost about 60 ms of CPU and 100 ms to
#    the first 200 (measured by turns, 9 runs each); without them it compiles as usual, by use.
COPY scripts/container/jvm.options /app/jvm.options
COPY scripts/container/aot-training.sh /usr/local/bin/aot-training.sh
RUN bash /usr/local/bin/aot-training.sh /app/hello-server.aot \
      /opt/jre/bin/java -XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining \
      @/app/jvm.options -jar /app/hello-server.jar

# 5. The user: the runtime base's /etc/passwd and /etc/group plus hello (10001), with no home
#    directory and no login shell (the server needs neither); the runtime stage runs no command.
#    And /app/build-info: the version, revision and source the OCI labels carry. Besides recording
#    them in the file system, it changes with them, so that a layer cache cannot hand the runtime
#    stage the labels of an earlier build: podman 4 reuses a cached LABEL step when only the
#    build arguments in it changed (the RUN below is keyed on them, the LABEL is not).
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=unknown
COPY --from=runtime-base /etc/passwd /etc/group /rootfs/etc/
RUN echo 'hello:x:10001:10001:hello:/nonexistent:/sbin/nologin' >>/rootfs/etc/passwd \
 && echo 'hello:x:10001:' >>/rootfs/etc/group \
 && mkdir -p /rootfs/app \
 && printf 'version=%s\nrevision=%s\nsource=%s\n' "$VERSION" "$REVISION" "$SOURCE" >/rootfs/app/build-info

# ---------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}

# COPY keeps the files' modification times, which the AOT cache check relies on.
COPY --from=build /opt/jre /opt/jre
COPY --from=build /app /app

# A fixed, non-root uid/gid (the ECS task definition runs as 10001 too), and /app/build-info: the
# small layer that changes with every build, last.
COPY --from=build /rootfs/ /

# OCI labels; a pipeline passes e.g. --build-arg VERSION=1.2.3 --build-arg REVISION=$CI_COMMIT_SHA
# --build-arg SOURCE=$CI_PROJECT_URL.
ARG VERSION=dev
ARG REVISION=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="hello-server" \
      org.opencontainers.image.description="Vert.x HTTP server: GET /hello answers Hello world" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.version="${VERSION}"

USER 10001:10001
WORKDIR /app
EXPOSE 8888
ENV PORT=8888

# Exec form: the JVM is PID 1 and receives SIGTERM itself; the server then drains in-flight
# requests and exits 0 within SHUTDOWN_TIMEOUT_SECONDS (default 20, below ECS's stopTimeout of 30).
# The JVM options are in /app/jvm.options (scripts/container/jvm.options): heap at 75% of the
# container's memory, exit on out-of-memory, and what a read-only root file system needs. More
# can be given at run time in JDK_JAVA_OPTIONS.
ENTRYPOINT ["/opt/jre/bin/java", "@/app/jvm.options", "-XX:AOTCache=/app/hello-server.aot", \
            "-jar", "/app/hello-server.jar"]
