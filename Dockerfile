# syntax=docker/dockerfile:1
#
# The hello-server image: a small Java runtime made with jlink, the server jar, and an AOT cache
# recorded at build time so the server answers sooner after start. Build from the repository root:
#
#   docker build -t hello-server .        (or: podman build -t hello-server .)
#   docker run --rm --read-only -p 8888:8888 hello-server
#
# Both base images are build arguments, so they can be swapped (e.g. for a digest pin). They default
# to the public ECR mirror of Docker Hub's official images (same names and tags, no anonymous pull
# rate limit); docker.io/library/... works as well:
#   BUILD_IMAGE    a JDK 25 or newer (the AOT cache, -XX:AOTCacheOutput of JEP 514, needs Java 25)
#                  with jlink and objcopy (binutils, for jlink --strip-debug), Maven 3.8.1+ and bash.
#   RUNTIME_IMAGE  any glibc-based Linux; it only provides the C library for the jlink-ed runtime.
ARG BUILD_IMAGE=public.ecr.aws/docker/library/maven:3.9.16-eclipse-temurin-25
ARG RUNTIME_IMAGE=public.ecr.aws/docker/library/debian:13.8-slim

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
#    -Djava.library.path at /app/native).
COPY server/src server/src
RUN mvn -B -ntp -o -pl server -am package -Dmaven.test.skip=true \
 && mkdir -p /app/native \
 && cp server/target/hello-server.jar /app/hello-server.jar \
 && cd /app/native \
 && jar xf /app/hello-server.jar META-INF/native \
 && mv META-INF/native/*.so . \
 && rm -rf META-INF

# 3. A Java runtime with only the modules the server uses (jdeps lists them), with a default CDS
#    archive as the fallback should the AOT cache be unusable. The archive variant for heaps over
#    32 GB is not worth its 14 MB here.
RUN modules=$(jdeps --ignore-missing-deps --print-module-deps --multi-release 25 /app/hello-server.jar) \
 && echo "jlink modules: $modules" \
 && jlink --add-modules "$modules" \
      --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
      --generate-cds-archive --output /opt/jre \
 && rm -f /opt/jre/lib/server/classes_nocoops.jsa

# 4. The AOT cache (JEP 483/514/515): a training run of the real server with the runtime's flags
#    records which classes it loads and links and how its methods behave; the JVM writes the cache
#    when the run exits. Runtime, jar and flags are the ones the final image uses, at the same
#    paths, which the JVM checks before it uses the cache.
COPY scripts/container/jvm.options /app/jvm.options
COPY scripts/container/aot-training.sh /usr/local/bin/aot-training.sh
RUN bash /usr/local/bin/aot-training.sh /app/hello-server.aot \
      /opt/jre/bin/java @/app/jvm.options -jar /app/hello-server.jar

# ---------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE}

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

# A fixed, non-root uid/gid (the ECS task definition runs as 10001 too). No home directory and no
# login shell: the server needs neither.
RUN groupadd --gid 10001 hello \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin hello

# COPY keeps the files' modification times, which the AOT cache check relies on.
COPY --from=build /opt/jre /opt/jre
COPY --from=build /app /app

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
