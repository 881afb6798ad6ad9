#!/usr/bin/env bash
# Builds local stand-ins for the Dockerfile's public base images, for machines that cannot pull
# from a registry (this project's CI). They are made from Debian packages with mmdebstrap and the
# Temurin 25 JDK already installed on the machine, then imported into podman:
#
#   localhost/standin/distroless/base-nossl-debian13   stands in for RUNTIME_IMAGE
#       (gcr.io/distroless/base-nossl-debian13). Built the way distroless builds it: the data of
#       exactly the Debian 13 packages its published definition lists, unpacked without running
#       any maintainer script (no dpkg, no shell), plus the files distroless adds itself. The
#       definition (github.com/GoogleContainerTools/distroless): static/config.bzl STATIC_PACKAGES
#       "debian13" = base-files, netbase, tzdata, tzdata-legacy, media-types; base/config.bzl
#       BASE_NOSSL_PACKAGES "debian13" = libc6; static/static.bzl and common/BUILD.bazel add
#       /etc/passwd (root, nobody, nonroot 65532), /etc/group, /root, /home/nonroot, /tmp (1777),
#       /etc/nsswitch.conf, os-release (PRETTY_NAME "Distroless"), the CA bundle
#       /etc/ssl/certs/ca-certificates.crt from ca-certificates, and one
#       /var/lib/dpkg/status.d/<package> file per package; ENV PATH and SSL_CERT_FILE. Each
#       package is unpacked alone, not with its dependencies (libc6's libgcc-s1, tzdata's debconf
#       are not in the real image either). The build checks the result: no shell, no dpkg or apt,
#       and status.d lists exactly those six packages.
#   localhost/standin/debian:13-slim                   Debian 13 "trixie", variant minbase, without
#       docs, man pages and locales, as debian:13-slim is: the base of the build stand-in.
#   localhost/standin/maven:3.9.16-eclipse-temurin-25  stands in for BUILD_IMAGE
#       debian:13-slim above + the Temurin 25 JDK in /opt/java/openjdk + Apache Maven in
#       /usr/share/maven (fetched from Maven Central) + binutils, laid out as the official
#       maven:*-eclipse-temurin-* images are.
#
# Each image is labelled with a hash of its recipe (the package list and the mmdebstrap
# arguments; the Containerfile, the JDK build and the base image) and reused while the recipe is
# unchanged: building all three from scratch takes one to three minutes. Set STANDIN_REBUILD=1 to
# rebuild anyway.
#
# Usage: build-base-images.sh            build what is missing or stale
#        build-base-images.sh --names    print the two image names the Dockerfile is built with
#                                        (BUILD_IMAGE stand-in first, then RUNTIME_IMAGE's)
#
# Needs root, podman, mmdebstrap and Maven; scripts/container-test.sh installs and configures them.
# Environment (all optional):
#   STANDIN_JDK_HOME   the Temurin 25 JDK to copy (default /usr/lib/jvm/temurin-25-jdk-amd64)
#   STANDIN_SUITE      the Debian suite (default trixie)
#   STANDIN_MIRROR     a Debian mirror URL or sources file for mmdebstrap (default: mmdebstrap's,
#                      deb.debian.org with the updates and security suites)
#   STANDIN_REBUILD    1 to rebuild even when the images are up to date
set -euo pipefail

readonly DEBIAN_STANDIN=localhost/standin/debian:13-slim
readonly RUNTIME_STANDIN=localhost/standin/distroless/base-nossl-debian13
# gcr.io/distroless/base-nossl-debian13: static's packages, then base-nossl's (see above).
readonly DISTROLESS_PACKAGES=(base-files netbase tzdata tzdata-legacy media-types libc6)
readonly MAVEN_VERSION=3.9.16
readonly BUILD_STANDIN=localhost/standin/maven:${MAVEN_VERSION}-eclipse-temurin-25
readonly RECIPE_LABEL=dev.hellostack.standin.recipe

jdk_home=${STANDIN_JDK_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
suite=${STANDIN_SUITE:-trixie}
mirror=${STANDIN_MIRROR:-}

die() {
  echo "build-base-images: error: $*" >&2
  exit 1
}

if [[ ${1:-} == --names ]]; then
  echo "$BUILD_STANDIN"
  echo "$RUNTIME_STANDIN"
  exit 0
elif (($# > 0)); then
  die "unknown argument '$1' (expected no argument or --names)"
fi

[[ $(id -u) -eq 0 ]] || die "run as root (mmdebstrap builds the root file system in root mode)"
for tool in podman mmdebstrap mvn sha256sum dpkg-deb; do
  command -v "$tool" >/dev/null || die "$tool is not installed (scripts/container-test.sh installs it)"
done
[[ -x $jdk_home/bin/jlink && -f $jdk_home/release ]] ||
  die "no JDK at STANDIN_JDK_HOME=$jdk_home; point STANDIN_JDK_HOME at a Temurin 25 JDK"
jdk_version=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"$/\1/p' "$jdk_home/release")
[[ $jdk_version == 25* ]] ||
  die "STANDIN_JDK_HOME=$jdk_home is Java '${jdk_version:-unknown}'; the build stand-in needs Java 25"

mirror_args=()
[[ -n $mirror ]] && mirror_args=("$mirror")
# The dpkg path excludes are the ones debian:*-slim images use; mmdebstrap keeps them in
# /etc/dpkg/dpkg.cfg.d/, so packages installed later in the image follow them too.
mmdebstrap_args=(
  --quiet --mode=root --variant=minbase --format=tar
  --dpkgopt='path-exclude=/usr/share/doc/*'
  --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/man/*'
  --dpkgopt='path-exclude=/usr/share/groff/*'
  --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/lintian/*'
  --dpkgopt='path-exclude=/usr/share/locale/*'
)

recipe_hash() {
  printf '%s\n' "$@" | sha256sum | cut -c1-16
}

# Whether image $1 exists and carries recipe $2.
up_to_date() {
  local image=$1 recipe=$2 found
  [[ ${STANDIN_REBUILD:-0} == 1 ]] && return 1
  podman image exists "$image" || return 1
  found=$(podman image inspect --format "{{index .Labels \"$RECIPE_LABEL\"}}" "$image" 2>/dev/null) ||
    return 1
  [[ $found == "$recipe" ]]
}

image_id() {
  podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true
}

# Removes a replaced image, unless something (a container, a child image) still uses it.
remove_replaced() {
  if [[ -n $1 && $1 != "$(image_id "$2")" ]]; then
    podman rmi "$1" >/dev/null 2>&1 || true
  fi
}

workdir=$(mktemp -d /var/tmp/hellostack-standin.XXXXXX)
trap 'rm -rf "$workdir"' EXIT

# --- debian:13-slim, the build stand-in's base ----------------------------------------------
debian_recipe=$(recipe_hash "${mmdebstrap_args[@]}" "$suite" "${mirror_args[@]}")
if up_to_date "$DEBIAN_STANDIN" "$debian_recipe"; then
  echo "==> reusing $DEBIAN_STANDIN"
else
  echo "==> building $DEBIAN_STANDIN with mmdebstrap ($suite, minbase)"
  old_id=$(image_id "$DEBIAN_STANDIN")
  mmdebstrap "${mmdebstrap_args[@]}" "$suite" "$workdir/rootfs.tar" "${mirror_args[@]}" ||
    die "mmdebstrap failed (is the Debian mirror reachable? set STANDIN_MIRROR to use another)"
  podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --change "LABEL $RECIPE_LABEL=$debian_recipe" \
    --message "hello-stack stand-in for debian:13-slim" \
    "$workdir/rootfs.tar" "$DEBIAN_STANDIN" >/dev/null || die "podman import failed"
  rm -f "$workdir/rootfs.tar"
  remove_replaced "$old_id" "$DEBIAN_STANDIN"
fi

# --- the runtime stand-in: gcr.io/distroless/base-nossl-debian13 -----------------------------
# distroless_rootfs DIR: unpacks the packages into DIR and adds what distroless adds.
distroless_rootfs() {
  local root=$1 download=$workdir/download deb pkg
  # The extract variant downloads the packages (apt adds their dependencies) and unpacks them
  # without installing; the downloaded .debs are kept, and only the listed ones are used below.
  mmdebstrap --quiet --mode=root --variant=extract --skip=cleanup/apt/cache --format=directory \
    --include="$(IFS=,; echo "${DISTROLESS_PACKAGES[*]},ca-certificates")" \
    "$suite" "$download" "${mirror_args[@]}" ||
    die "mmdebstrap failed (is the Debian mirror reachable? set STANDIN_MIRROR to use another)"
  mkdir -p "$root/var/lib/dpkg/status.d"
  for pkg in "${DISTROLESS_PACKAGES[@]}" ca-certificates; do
    deb=$(find "$download/var/cache/apt/archives" -maxdepth 1 -name "${pkg}_*.deb" | head -n 1)
    [[ -n $deb ]] || die "mmdebstrap did not download $pkg"
    if [[ $pkg == ca-certificates ]]; then
      # Only the bundle and the copyright file, as distroless's cacerts rule does.
      mkdir -p "$workdir/ca" "$root/etc/ssl/certs" "$root/usr/share/doc/ca-certificates"
      dpkg-deb -x "$deb" "$workdir/ca"
      find "$workdir/ca/usr/share/ca-certificates" -name '*.crt' -print0 | sort -z |
        xargs -0 cat >"$root/etc/ssl/certs/ca-certificates.crt"
      cp "$workdir/ca/usr/share/doc/ca-certificates/copyright" "$root/usr/share/doc/ca-certificates/"
      continue
    fi
    # base-files comes first and lays down the /bin -> usr/bin (etc.) links the others rely on.
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$root" --keep-directory-symlink ||
      die "could not unpack $deb"
    dpkg-deb -f "$deb" >"$root/var/lib/dpkg/status.d/$pkg"
  done
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' >"$root/etc/group"
  install -d -m 0700 "$root/root"
  install -d -m 0755 "$root/home"
  install -d -m 0700 -o 65532 -g 65532 "$root/home/nonroot"
  install -d -m 1777 "$root/tmp"
  printf '%s\n' 'passwd:         compat' 'group:          compat' 'shadow:         compat' \
    'gshadow:        files' '' 'hosts:          files dns' 'networks:       files' '' \
    'protocols:      db files' 'services:       db files' 'ethers:         db files' \
    'rpc:            db files' '' 'netgroup:       nis' >"$root/etc/nsswitch.conf"
  printf '%s\n' 'PRETTY_NAME="Distroless"' 'NAME="Debian GNU/Linux"' 'ID="debian"' 'VERSION_ID="13"' \
    'VERSION="Debian GNU/Linux 13 (trixie)"' 'HOME_URL="https://github.com/GoogleContainerTools/distroless"' \
    >"$root/usr/lib/os-release"
}

runtime_recipe=$(recipe_hash "${DISTROLESS_PACKAGES[@]}" "$(declare -f distroless_rootfs)" "$suite" \
  "${mirror_args[@]}")
if up_to_date "$RUNTIME_STANDIN" "$runtime_recipe"; then
  echo "==> reusing $RUNTIME_STANDIN"
else
  echo "==> building $RUNTIME_STANDIN (${DISTROLESS_PACKAGES[*]} from $suite, unpacked)"
  old_id=$(image_id "$RUNTIME_STANDIN")
  distroless_rootfs "$workdir/distroless"
  # What makes it distroless: no shell, no package manager; and no package beyond the list.
  for tool in sh bash dash busybox dpkg apt apt-get perl; do
    [[ ! -e $workdir/distroless/usr/bin/$tool ]] || die "the distroless stand-in has /usr/bin/$tool"
  done
  packages=$(find "$workdir/distroless/var/lib/dpkg/status.d" -type f -printf '%f\n' | sort | paste -sd' ')
  [[ $packages == "$(printf '%s\n' "${DISTROLESS_PACKAGES[@]}" | sort | paste -sd' ')" ]] ||
    die "the distroless stand-in holds packages '$packages', expected ${DISTROLESS_PACKAGES[*]}"
  tar -C "$workdir/distroless" --numeric-owner -cf "$workdir/distroless.tar" . ||
    die "could not pack the distroless root file system"
  podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'USER 0' \
    --change 'WORKDIR /' \
    --change "LABEL $RECIPE_LABEL=$runtime_recipe" \
    --message "hello-stack stand-in for gcr.io/distroless/base-nossl-debian13" \
    "$workdir/distroless.tar" "$RUNTIME_STANDIN" >/dev/null || die "podman import failed"
  rm -rf "$workdir/distroless" "$workdir/distroless.tar" "$workdir/download" "$workdir/ca"
  remove_replaced "$old_id" "$RUNTIME_STANDIN"
fi

# --- the build stand-in: maven + Temurin 25 ----------------------------------------------------
containerfile=$(
  cat <<EOF
FROM $DEBIAN_STANDIN
ENV JAVA_HOME=/opt/java/openjdk \\
    MAVEN_HOME=/usr/share/maven \\
    LANG=C.UTF-8 \\
    PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY jdk /opt/java/openjdk
COPY maven /usr/share/maven
# binutils: jlink --strip-debug runs objcopy (the official eclipse-temurin images include it too).
RUN apt-get update -qq \\
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends binutils >/dev/null \\
 && rm -rf /var/lib/apt/lists/* \\
 && ln -s /usr/share/maven/bin/mvn /usr/bin/mvn
CMD ["mvn"]
EOF
)
build_recipe=$(recipe_hash "$containerfile" "$(image_id "$DEBIAN_STANDIN")" "$jdk_home" "$jdk_version" \
  "$MAVEN_VERSION")
if up_to_date "$BUILD_STANDIN" "$build_recipe"; then
  echo "==> reusing $BUILD_STANDIN"
else
  echo "==> building $BUILD_STANDIN (JDK $jdk_version from $jdk_home, Maven $MAVEN_VERSION)"
  old_id=$(image_id "$BUILD_STANDIN")
  ctx=$workdir/build-context
  mkdir -p "$ctx/maven"
  cp -a "$jdk_home" "$ctx/jdk"
  # A JDK installed from a distribution package may link files outside itself (Debian links
  # lib/security/cacerts to /etc/ssl/certs/java/cacerts): copy what they point to, or the image
  # would have no trusted CA certificates and Maven could not reach Maven Central.
  while IFS= read -r -d '' link; do
    cp --remove-destination -L "$link" "$link.tmp"
    mv "$link.tmp" "$link"
  done < <(find "$ctx/jdk" -type l -lname '/*' -print0)
  # Apache Maven's own distribution, from Maven Central (the official image uses the same archive).
  if ! mvn -B -ntp org.apache.maven.plugins:maven-dependency-plugin:3.9.0:copy \
    -Dartifact="org.apache.maven:apache-maven:$MAVEN_VERSION:tar.gz:bin" \
    -DoutputDirectory="$workdir" >"$workdir/mvn.log" 2>&1; then
    cat "$workdir/mvn.log" >&2
    die "could not fetch org.apache.maven:apache-maven:$MAVEN_VERSION:tar.gz:bin from Maven Central"
  fi
  tar -xzf "$workdir/apache-maven-$MAVEN_VERSION-bin.tar.gz" -C "$ctx/maven" --strip-components=1
  printf '%s\n' "$containerfile" >"$ctx/Containerfile"
  podman build --quiet --network host --pull=never --label "$RECIPE_LABEL=$build_recipe" \
    -t "$BUILD_STANDIN" "$ctx" >/dev/null || die "building $BUILD_STANDIN failed"
  remove_replaced "$old_id" "$BUILD_STANDIN"
fi

for image in "$BUILD_STANDIN" "$DEBIAN_STANDIN" "$RUNTIME_STANDIN"; do
  echo "    $image  $(($(podman image inspect --format '{{.Size}}' "$image") / 1000000)) MB"
done
