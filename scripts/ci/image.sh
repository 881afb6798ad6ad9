#!/usr/bin/env bash
# Default branch: builds the Dockerfile with podman, tests the image (image-test.sh: read-only root,
# non-root, /hello, SIGTERM exit 0) and only then pushes it to the ECR repository of the ecr stack,
# tagged with the commit SHA. Tag pipeline: adds the Git tag to the image the default branch
# pushed for that commit, with ECR's put-image (no pull, no build), as the image-tag role, which
# cannot upload layers: a tag pipeline never brings an image of its own. Safe to re-run and fine
# with immutable tags: an image that is already in the repository is not built again.
#
# Environment: AWS_ID_TOKEN (or AWS credentials) and DEPLOY_ROLE_ARN, or IMAGE_TAG_ROLE_ARN in a tag
# pipeline; AWS_REGION, optional AWS_ENDPOINT_URL, CI_COMMIT_SHA, optional CI_COMMIT_TAG; BUILDER
# (default podman; it also runs the image test) and BUILD_CONTEXT (default .).
set -euo pipefail
# shellcheck source=scripts/ci/lib.sh
source "$(dirname "$0")/lib.sh"

builder=${BUILDER:-podman}
context=${BUILD_CONTEXT:-.}
require_env CI_COMMIT_SHA
tag_re='^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$'
if [[ -n "${CI_COMMIT_TAG:-}" && ! "$CI_COMMIT_TAG" =~ $tag_re ]]; then
  die "Git tag '$CI_COMMIT_TAG' is not a valid image tag (letters, digits, _ . -, at most 128)"
fi
if [[ -n "${CI_COMMIT_TAG:-}" ]]; then
  aws_assume_role IMAGE_TAG_ROLE_ARN
else
  aws_assume_role DEPLOY_ROLE_ARN
fi

info=$(stack_lookup "$ECR_STACK")
read -r ecr_stack _ <<<"$info"
uri=$(stack_output "$ecr_stack" "$REPOSITORY_URI_OUTPUT")
[[ -n "$uri" ]] || die "stack $ecr_stack has no output $REPOSITORY_URI_OUTPUT: deploy the ecr stack first (job ecr)"
registry=${uri%%/*}
repository=${uri#*/}

# image_exists TAG : true when the repository holds an image with this tag.
image_exists() {
  local out
  if out=$(aws_cli ecr describe-images --repository-name "$repository" --image-ids "imageTag=$1" \
    --query 'imageDetails[0].imageDigest' --output text 2>&1); then
    return 0
  fi
  [[ "$out" == *ImageNotFoundException* ]] || die "describe-images $repository:$1 failed: $out"
  return 1
}

if [[ -n "${CI_COMMIT_TAG:-}" ]]; then
  image_exists "$CI_COMMIT_SHA" \
    || die "$uri:$CI_COMMIT_SHA is not in ECR: a tag pipeline only tags the image a default-branch pipeline built for the commit; tag a commit that the default branch has built (or wait for its pipeline), then retry"
  if image_exists "$CI_COMMIT_TAG"; then
    log "$uri:$CI_COMMIT_TAG already exists: leaving it as it is"
  else
    log "tagging $uri:$CI_COMMIT_SHA as $CI_COMMIT_TAG"
    manifest=$(aws_cli ecr batch-get-image --repository-name "$repository" \
      --image-ids "imageTag=$CI_COMMIT_SHA" --query 'images[0].imageManifest' --output text)
    media_type=$(aws_cli ecr batch-get-image --repository-name "$repository" \
      --image-ids "imageTag=$CI_COMMIT_SHA" --query 'images[0].imageManifestMediaType' --output text)
    aws_cli ecr put-image --repository-name "$repository" --image-tag "$CI_COMMIT_TAG" \
      --image-manifest "$manifest" --image-manifest-media-type "$media_type" >/dev/null
  fi
elif image_exists "$CI_COMMIT_SHA"; then
  log "$uri:$CI_COMMIT_SHA is already in ECR: not building it again"
else
  log "building $uri:$CI_COMMIT_SHA with $builder"
  aws_cli ecr get-login-password | "$builder" login --username AWS --password-stdin "$registry"
  # OCI labels: where the image came from and which commit it is.
  "$builder" build --tag "$uri:$CI_COMMIT_SHA" --file "$context/Dockerfile" \
    --build-arg REVISION="$CI_COMMIT_SHA" \
    --build-arg VERSION="${CI_COMMIT_SHORT_SHA:-$CI_COMMIT_SHA}" \
    --build-arg SOURCE="${CI_PROJECT_URL:-unknown}" \
    "$context"
  CONTAINER_ENGINE=$builder "$CI_SCRIPTS_DIR/image-test.sh" "$uri:$CI_COMMIT_SHA"
  "$builder" push "$uri:$CI_COMMIT_SHA"
fi
printf '%s:%s\n' "$uri" "$CI_COMMIT_SHA"
