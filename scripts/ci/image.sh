#!/usr/bin/env bash
# The image for both CPU architectures the service template offers (X86_64 or ARM64 tasks), as one
# manifest list in the application's ECR repository (the ecr stack, shared by every environment),
# tagged with the commit SHA.
#
#   image.sh build      default branch, once per architecture (IMAGE_ARCH=amd64 or arm64), on a
#                       runner of that architecture: builds the Dockerfile with podman, tests the
#                       image (image-test.sh: read-only root, non-root, /hello, SIGTERM exit 0) and
#                       only then pushes it as <sha>-<arch>. The build runs natively, never
#                       emulated: the AOT cache it records is specific to the architecture and to
#                       the JVM that wrote it, so a job whose runner has another architecture fails
#                       instead.
#   image.sh manifest   default branch, after both builds: creates the manifest list of
#                       <sha>-amd64 and <sha>-arm64 and pushes it as <sha>; ECS pulls the entry for
#                       the task's architecture. Tag pipeline (CI_COMMIT_TAG set): adds the Git tag
#                       to the manifest list the default branch pushed for that commit, with ECR's
#                       put-image (no pull, no build), as the image-tag role, which cannot upload
#                       layers: a tag pipeline never brings an image of its own.
#
# Safe to re-run and fine with immutable tags: a tag that is already in the repository is not
# built or pushed again. Prints the pushed (or found) image reference on stdout; the builder's
# output goes to stderr.
#
# Environment: AWS_ID_TOKEN (or AWS credentials) and DEPLOY_ROLE_ARN, or IMAGE_TAG_ROLE_ARN in a tag
# pipeline; AWS_REGION, optional AWS_ENDPOINT_URL, CI_COMMIT_SHA, optional CI_COMMIT_TAG;
# IMAGE_ARCH for build; BUILDER (default podman; it also runs the image test) and BUILD_CONTEXT
# (default .).
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

readonly ARCHITECTURES=(amd64 arm64)
builder=${BUILDER:-podman}
context=${BUILD_CONTEXT:-.}
mode=${1:-}
[[ $mode == build || $mode == manifest ]] || die "usage: $0 build|manifest (got '${mode}')"
require_env CI_COMMIT_SHA
tag_re='^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$'
if [[ -n "${CI_COMMIT_TAG:-}" ]]; then
  [[ $mode == manifest ]] || die "a tag pipeline only tags the manifest list (image.sh manifest), it builds nothing"
  [[ "$CI_COMMIT_TAG" =~ $tag_re ]] ||
    die "Git tag '$CI_COMMIT_TAG' is not a valid image tag (letters, digits, _ . -, at most 128)"
fi
if [[ $mode == build ]]; then
  require_env IMAGE_ARCH
  [[ " ${ARCHITECTURES[*]} " == *" $IMAGE_ARCH "* ]] ||
    die "IMAGE_ARCH=$IMAGE_ARCH is not one of: ${ARCHITECTURES[*]}"
  # The runner's architecture, in OCI's names (uname -m prints the kernel's).
  case $(uname -m) in
    x86_64) host_arch=amd64 ;;
    aarch64 | arm64) host_arch=arm64 ;;
    *) host_arch=$(uname -m) ;;
  esac
  [[ $host_arch == "$IMAGE_ARCH" ]] ||
    die "this runner is $host_arch but the job builds $IMAGE_ARCH: run it on a $IMAGE_ARCH runner (the job's tags); emulated builds are not supported, the AOT training run must execute natively"
fi

if [[ -n "${CI_COMMIT_TAG:-}" ]]; then
  aws_assume_role IMAGE_TAG_ROLE_ARN
else
  aws_assume_role DEPLOY_ROLE_ARN
fi

env_check
ecr_stack=$(stack_name_of "$ECR_STACK")
uri=$(stack_output "$ecr_stack" "$REPOSITORY_URI_OUTPUT")
[[ -n "$uri" ]] || die "stack $ecr_stack has no output $REPOSITORY_URI_OUTPUT: the bootstrap deploys the image repository (docs/deploying.md)"
registry=${uri%%/*}
repository=${uri#*/}

# image_exists TAG : true when the repository holds an image (or manifest list) with this tag.
image_exists() {
  local out
  if out=$(aws_cli ecr describe-images --repository-name "$repository" --image-ids "imageTag=$1" \
    --query 'imageDetails[0].imageDigest' --output text 2>&1); then
    return 0
  fi
  [[ "$out" == *ImageNotFoundException* ]] || die "describe-images $repository:$1 failed: $out"
  return 1
}

login() {
  aws_cli ecr get-login-password | "$builder" login --username AWS --password-stdin "$registry"
}

if [[ -n "${CI_COMMIT_TAG:-}" ]]; then
  image_exists "$CI_COMMIT_SHA" \
    || die "$uri:$CI_COMMIT_SHA is not in ECR: a tag pipeline only tags the image a default-branch pipeline built for the commit; tag a commit that the default branch has built (or wait for its pipeline), then retry"
  if image_exists "$CI_COMMIT_TAG"; then
    log "$uri:$CI_COMMIT_TAG already exists: leaving it as it is"
  else
    log "tagging $uri:$CI_COMMIT_SHA as $CI_COMMIT_TAG"
    image_tag_add "$repository" "$CI_COMMIT_SHA" "$CI_COMMIT_TAG"
  fi
elif [[ $mode == build ]]; then
  tag=$CI_COMMIT_SHA-$IMAGE_ARCH
  if image_exists "$tag"; then
    log "$uri:$tag is already in ECR: not building it again"
  else
    log "building $uri:$tag with $builder"
    login
    # --platform: the base images' entries for this architecture, and the image's own
    # architecture field, which the manifest list takes over. OCI labels: where the image came
    # from and which commit it is.
    "$builder" build --platform "linux/$IMAGE_ARCH" --tag "$uri:$tag" --file "$context/Dockerfile" \
      --build-arg REVISION="$CI_COMMIT_SHA" \
      --build-arg VERSION="${CI_COMMIT_SHORT_SHA:-$CI_COMMIT_SHA}" \
      --build-arg SOURCE="${CI_PROJECT_URL:-unknown}" \
      "$context" >&2
    CONTAINER_ENGINE=$builder "$CI_SCRIPTS_DIR/image-test.sh" "$uri:$tag"
    "$builder" push "$uri:$tag" >&2
  fi
  printf '%s:%s\n' "$uri" "$tag"
  exit 0
elif image_exists "$CI_COMMIT_SHA"; then
  log "$uri:$CI_COMMIT_SHA is already in ECR: not creating the manifest list again"
else
  missing=()
  for arch in "${ARCHITECTURES[@]}"; do
    image_exists "$CI_COMMIT_SHA-$arch" || missing+=("$uri:$CI_COMMIT_SHA-$arch")
  done
  ((${#missing[@]} == 0)) ||
    die "not in ECR: ${missing[*]}; the build-image jobs push one tested image per architecture before the manifest list is made"
  log "pushing the manifest list $uri:$CI_COMMIT_SHA (${ARCHITECTURES[*]})"
  login
  "$builder" manifest create "$uri:$CI_COMMIT_SHA" >/dev/null
  for arch in "${ARCHITECTURES[@]}"; do
    # The list records each entry's platform from the image's configuration (--platform above).
    "$builder" manifest add "$uri:$CI_COMMIT_SHA" "docker://$uri:$CI_COMMIT_SHA-$arch" >/dev/null
  done
  "$builder" manifest push --all "$uri:$CI_COMMIT_SHA" "docker://$uri:$CI_COMMIT_SHA" >&2
fi
printf '%s:%s\n' "$uri" "$CI_COMMIT_SHA"
