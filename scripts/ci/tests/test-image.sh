#!/usr/bin/env bash
# Tests of image.sh and image-test.sh: the real AWS CLI and the emulated ECR repository, with the
# stand-in podman (the build of a second architecture cannot run here) and uname.
# shellcheck source=scripts/ci/tests/testlib.sh
source "$(dirname "$0")/testlib.sh"

uri=123456789012.dkr.ecr.us-east-1.amazonaws.com/hello
calls() { cat "$FAKE_STATE/calls.log" 2>/dev/null || true; }
tags() { aws_ ecr describe-images --repository-name hello --query 'imageDetails[].imageTags[]' --output text | tr '\t' '\n' | sort | paste -sd' ' -; }

# build_image ARCH : the build-image job of that architecture, on a runner of that architecture.
build_image() {
  local machine=x86_64
  [[ $1 == arm64 ]] && machine=aarch64
  IMAGE_ARCH=$1 FAKE_UNAME_M=$machine CI_PROJECT_URL=https://gitlab.example.com/group/project \
    IMAGE_TEST_PORT=$((20000 + RANDOM % 20000)) run_script image.sh build
}

test_each_architecture_is_built_natively_tested_and_pushed_once() {
  admin_bootstrap dev
  build_image arm64
  assert_status 0
  assert_eq "$out" "$uri:$sha-arm64"
  assert_contains "$(calls)" "podman login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com"
  assert_contains "$(calls)" "podman build --platform linux/arm64 --tag $uri:$sha-arm64 --file ./Dockerfile --build-arg REVISION=$sha"
  assert_contains "$(calls)" "--build-arg SOURCE=https://gitlab.example.com/group/project ."
  # Tested before it is pushed.
  [[ $(grep -n 'podman kill --signal TERM' "$FAKE_STATE/calls.log" | cut -d: -f1) -lt \
    $(grep -n 'podman push' "$FAKE_STATE/calls.log" | cut -d: -f1) ]] || fail "pushed before the test ran"
  assert_contains "$err" "SIGTERM -> exit status 0; $uri:$sha-arm64 can ship"
  assert_eq "$(tags)" "$sha-arm64"
  : >"$FAKE_STATE/calls.log"
  build_image arm64
  assert_status 0
  assert_not_contains "$(calls)" "podman"
  assert_contains "$err" "$uri:$sha-arm64 is already in ECR: not building it again"
}

test_an_image_that_fails_its_test_is_not_pushed() {
  admin_bootstrap dev
  IMAGE_ARCH=amd64 IMAGE_TEST_PORT=$((20000 + RANDOM % 20000)) FAKE_PODMAN_EXIT=143 run_script image.sh build
  assert_status 1
  assert_contains "$err" "exit status 143 after SIGTERM, expected 0"
  assert_not_contains "$(calls)" "podman push"
  assert_eq "$(tags)" ""
}

test_a_runner_of_another_architecture_does_not_build() {
  admin_bootstrap dev
  IMAGE_ARCH=arm64 FAKE_UNAME_M=x86_64 run_script image.sh build
  assert_status 1
  assert_contains "$err" "this runner is amd64 but the job builds arm64"
  IMAGE_ARCH=s390x run_script image.sh build
  assert_status 1
  assert_contains "$err" "IMAGE_ARCH=s390x is not one of: amd64 arm64"
  assert_not_contains "$(calls)" "podman"
}

test_the_manifest_list_of_both_architectures_is_pushed_under_the_commit_sha() {
  admin_bootstrap dev
  build_image amd64
  build_image arm64
  run_script image.sh manifest
  assert_status 0
  assert_eq "$out" "$uri:$sha"
  assert_eq "$(tags)" "$sha $sha-amd64 $sha-arm64"
  # What ECS pulls for ImageTag=<sha>: an image index with an entry per architecture.
  index=$(aws_ ecr batch-get-image --repository-name hello --image-ids "imageTag=$sha" --query 'images[0].imageManifest' --output text)
  assert_eq "$(jq -r .mediaType <<<"$index")" application/vnd.oci.image.index.v1+json
  assert_eq "$(jq -r '[.manifests[].platform.architecture] | join(" ")' <<<"$index")" "amd64 arm64"
  : >"$FAKE_STATE/calls.log"
  run_script image.sh manifest
  assert_status 0
  assert_not_contains "$(calls)" "podman"
}

test_the_manifest_list_waits_for_every_architecture() {
  admin_bootstrap dev
  build_image amd64
  run_script image.sh manifest
  assert_status 1
  assert_contains "$err" "not in ECR: $uri:$sha-arm64;"
  assert_eq "$(tags)" "$sha-amd64"
}

test_a_tag_pipeline_adds_the_git_tag_to_the_manifest_list_without_rebuilding() {
  admin_bootstrap dev
  build_image amd64
  build_image arm64
  run_script image.sh manifest
  : >"$FAKE_STATE/calls.log"
  CI_COMMIT_TAG=v1.2.0 IMAGE_TAG_ROLE_ARN=arn:aws:iam::123456789012:role/x run_script image.sh manifest
  assert_status 0
  assert_not_contains "$(calls)" "podman"
  same=$(aws_ ecr batch-get-image --repository-name hello --image-ids imageTag=v1.2.0 "imageTag=$sha" \
    --query 'images[].imageId.imageDigest' --output text | tr '\t' '\n' | sort -u | wc -l)
  assert_eq "$same" 1
  CI_COMMIT_TAG=v1.3.0 CI_COMMIT_SHA=fedcba9876543210fedcba9876543210fedcba98 run_script image.sh manifest
  assert_status 1
  assert_contains "$err" "is not in ECR: a tag pipeline only tags the image a default-branch pipeline built"
  CI_COMMIT_TAG=v1.2.0 run_script image.sh build
  assert_status 1
  assert_contains "$err" "a tag pipeline only tags the manifest list"
}

test_the_image_needs_the_repository_the_bootstrap_creates() {
  IMAGE_ARCH=amd64 run_script image.sh build
  assert_status 1
  assert_contains "$err" "describe-stacks hello-ecr failed"
}

test_image_test_refuses_a_root_jvm_a_root_user_and_a_wrong_answer() {
  port=$((20000 + RANDOM % 20000))
  IMAGE_TEST_PORT=$port FAKE_PODMAN_UID=0 run_script image-test.sh "$uri:$sha"
  assert_status 1
  assert_contains "$err" "the JVM runs with uids '0 0 0 0' and gids '0 0 0 0', expected 10001"
  FAKE_PODMAN_USER=root run_script image-test.sh "$uri:$sha"
  assert_status 1
  assert_contains "$err" "USER is 'root', expected 10001:10001"
  IMAGE_TEST_PORT=$((port + 1)) FAKE_PODMAN_BODY=Hello run_script image-test.sh "$uri:$sha"
  assert_status 1
  assert_contains "$err" "GET /hello answered 200 'Hello', expected 'Hello world'"
}

test_image_test_fails_when_sigterm_does_not_stop_the_server() {
  IMAGE_TEST_PORT=$((20000 + RANDOM % 20000)) FAKE_PODMAN_IGNORE_TERM=1 run_script image-test.sh "$uri:$sha"
  assert_status 1
  assert_contains "$err" "still running 10 s after SIGTERM"
}

run_tests
