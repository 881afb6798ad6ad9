#!/usr/bin/env bash
# Sets up an AWS account and a GitLab project for the pipeline, once, as an administrator, from a
# checkout. Safe to run again: what is already as it should be is left alone and reported unchanged.
#
#   scripts/bootstrap.sh --project GROUP/PROJECT --region REGION [--env NAME]... [--param ENV.NAME=VALUE]...
#                        [--gitlab-url URL] [--default-branch NAME] [--gitlab-token-file FILE]
#                        [--skip-gitlab] [--dry-run]
#
# AWS, with the administrator's credentials from the environment (any the AWS CLI reads):
#   the service-linked roles of ECS, Elastic Load Balancing and Application Auto Scaling (templates/
#   stacks.json, serviceLinkedRoles), when the account lacks them; the image repository's stack; each
#   environment's gitlab-oidc stack (creating GitLab's OIDC provider only when the account has none for
#   that GitLab, reusing it otherwise); termination protection on those stacks.
# GitLab, through its REST API, with a token of a Maintainer of the project (scope api) from
#   GITLAB_TOKEN or --gitlab-token-file, never from the command line:
#   the CI/CD variables (AWS_REGION; per environment, scoped to it, the role ARNs of its gitlab-oidc
#   stack and CFN_PARAM_<Name> for each --param); the protected default branch (merge: Maintainers,
#   push: no one, no force push); "pipelines must succeed" and "prevent outdated deployment jobs"; the
#   protected release tags; the environments; where the GitLab tier offers them (Premium, Ultimate),
#   the protected prod environment with one required approval and a merge-request approval rule that
#   the author cannot satisfy; the deploy resource groups' process mode oldest_first, once a pipeline
#   has created them (GitLab creates a resource group with the first job that uses it).
#
# --env NAME       only these environments (repeatable; default: every environment of stacks.json)
# --param ENV.NAME=VALUE   a value the environment's stacks need at deploy time, kept as the CI/CD
#                  variable CFN_PARAM_NAME scoped to ENV (prod: CertificateArn, DomainName, AlarmTopicArn);
#                  a certificate is checked with ACM first (issued, covers DomainName)
# --gitlab-url URL the GitLab instance (default https://gitlab.com); also the OIDC provider's URL
# --default-branch NAME   the branch that deploys (default main)
# --skip-gitlab    the AWS part only; prints the variables to set by hand
# --dry-run        makes no call at all; prints every AWS and GitLab call it would make, in order
#
# On failure it says which step failed and what was done before it; run the same command again once
# the cause is fixed. Environment: AWS_ENDPOINT_URL and GITLAB_API_URL (default <gitlab-url>/api/v4):
# the tests' stand-ins; STACKS_FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/ci/lib.sh
source scripts/ci/lib.sh

usage() { sed -n '5,7p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

project="" region="" gitlab_url=https://gitlab.com default_branch=main token_file="" skip_gitlab=false dry_run=false
envs=() params=()
while (($#)); do
  case $1 in
    --project | --region | --env | --param | --gitlab-url | --default-branch | --gitlab-token-file)
      (($# >= 2)) || die "$1 needs a value"
      case $1 in
        --project) project=$2 ;;
        --region) region=$2 ;;
        --env) envs+=("$2") ;;
        --param) params+=("$2") ;;
        --gitlab-url) gitlab_url=${2%/} ;;
        --default-branch) default_branch=$2 ;;
        --gitlab-token-file) token_file=$2 ;;
      esac
      shift 2 ;;
    --skip-gitlab) skip_gitlab=true; shift ;;
    --dry-run) dry_run=true; shift ;;
    -h | --help) usage ;;
    *) die "unknown argument '$1'; allowed: --project, --region, --env, --param, --gitlab-url, --default-branch, --gitlab-token-file, --skip-gitlab, --dry-run (see the top of $0)" ;;
  esac
done
[[ "$project" =~ ^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$ ]] || die "--project GROUP/PROJECT is required (the project's path on GitLab, such as my-group/hello-stack), got '$project'"
[[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]$ ]] || die "--region REGION is required (such as us-east-1), got '$region'"
[[ "$gitlab_url" =~ ^https://[a-z0-9.-]+$ ]] || die "--gitlab-url must be https://<host> with no path, got '$gitlab_url'"
export AWS_REGION=$region AWS_DEFAULT_REGION=$region
known_envs=$(jq -r '[.environments[].name] | join(" ")' "$STACKS_FILE")
((${#envs[@]})) || read -r -a envs <<<"$known_envs"
for env in "${envs[@]}"; do
  [[ " $known_envs " == *" $env "* ]] || die "--env $env is not an environment of $STACKS_FILE (known: $known_envs)"
done
declare -A param_value=()
for p in ${params[@]+"${params[@]}"}; do
  [[ "$p" =~ ^([a-z0-9]+)\.([A-Za-z0-9]+)=(.+)$ ]] || die "--param $p: expected ENV.NAME=VALUE, such as prod.DomainName=hello.example.org"
  [[ " $known_envs " == *" ${BASH_REMATCH[1]} "* ]] || die "--param $p: ${BASH_REMATCH[1]} is not an environment (known: $known_envs)"
  param_value[${BASH_REMATCH[1]}.${BASH_REMATCH[2]}]=${BASH_REMATCH[3]}
done

if ! $skip_gitlab && ! $dry_run; then
  if [[ -n "$token_file" ]]; then
    [[ -r "$token_file" ]] || die "--gitlab-token-file $token_file cannot be read"
    GITLAB_TOKEN=$(tr -d '\r\n' <"$token_file")
  fi
  [[ -n "${GITLAB_TOKEN:-}" ]] || die "no GitLab token: put a token of a Maintainer of $project (scope api) in GITLAB_TOKEN or in a file passed as --gitlab-token-file, or use --skip-gitlab"
fi

# ---- progress, and what to say when a step fails -------------------------------------------------
changed=() unchanged=() todo=() step=""
report() { # STATE TEXT : one line of the result, kept for the summary
  printf '==> %-9s %s\n' "$1" "$2"
  case $1 in changed | created | updated) changed+=("$2") ;; unchanged) unchanged+=("$2") ;; *) ;; esac
}
on_exit() {
  local status=$?
  [[ -z "${header_file:-}" ]] || rm -f "$header_file"
  ((status == 0)) || [[ -z "$step" ]] || {
    printf '\nerror: the bootstrap stopped at: %s\n' "$step" >&2
    ((${#changed[@]})) && printf 'done before it: %s\n' "$(IFS=';'; echo "${changed[*]}")" >&2
    printf 'nothing after that step ran. Fix the cause above and run the same command again: what is done stays as it is.\n' >&2
  }
}
trap on_exit EXIT

# ---- AWS -----------------------------------------------------------------------------------------
# aws_show ARGS : the AWS CLI call as it would run, for --dry-run.
aws_show() {
  local arg line="    aws"
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./:=,@+%*-]+$ ]]; then line+=" $arg"; else line+=" '$arg'"; fi
  done
  printf '%s\n' "$line"
}

service_linked_roles() {
  local service roles out
  for service in $(jq -r '.serviceLinkedRoles[]' "$STACKS_FILE"); do
    step="service-linked role of $service"
    # IAM puts a service-linked role under the path /aws-service-role/<service principal>/ ("Using
    # service-linked roles", IAM User Guide).
    if $dry_run; then
      aws_show iam list-roles --path-prefix "/aws-service-role/$service/"
      aws_show iam create-service-linked-role --aws-service-name "$service"
      printf '      (only when the list is empty)\n'
      continue
    fi
    roles=$(aws_cli iam list-roles --path-prefix "/aws-service-role/$service/" --query 'length(Roles)' --output text)
    if ((roles > 0)); then
      report unchanged "service-linked role of $service exists"
    elif out=$(aws_cli iam create-service-linked-role --aws-service-name "$service" 2>&1); then
      report created "service-linked role of $service"
    elif [[ "$out" == *"has been taken"* || "$out" == *EntityAlreadyExists* ]]; then
      report unchanged "service-linked role of $service exists"
    else
      die "creating the service-linked role of $service failed: $out"
    fi
  done
}

# deploy_stack STACK_NAME TEMPLATE CAPABILITIES [KEY=VALUE...] : aws cloudformation deploy, reporting
# created, updated or unchanged; then termination protection on.
deploy_stack() {
  local stack_name=$1 template=$2 capabilities=$3 before out
  shift 3
  local overrides=("$@") caps=()
  capability_args "$capabilities"
  local args=(cloudformation deploy --stack-name "$stack_name" --template-file "$template"
    --no-fail-on-empty-changeset ${caps[@]+"${caps[@]}"})
  ((${#overrides[@]} == 0)) || args+=(--parameter-overrides "${overrides[@]}")
  step="deploying stack $stack_name"
  if $dry_run; then
    aws_show "${args[@]}"
    aws_show cloudformation update-termination-protection --enable-termination-protection --stack-name "$stack_name"
    return 0
  fi
  check_template "$template" "$stack_name"
  before=$(settled_status "$stack_name")
  [[ "$before" != ROLLBACK_COMPLETE ]] || die "stack $stack_name is ROLLBACK_COMPLETE (a first create failed): see its events (aws cloudformation describe-stack-events --stack-name $stack_name), delete it (aws cloudformation delete-stack --stack-name $stack_name) and run this again"
  out=$(aws_cli "${args[@]}" 2>&1) || die "aws cloudformation deploy of $stack_name failed: $out"
  if [[ "$before" == NONE || "$before" == REVIEW_IN_PROGRESS ]]; then
    report created "stack $stack_name"
  elif [[ "$out" == *"No changes to deploy"* ]]; then
    report unchanged "stack $stack_name"
  else
    report updated "stack $stack_name"
  fi
  if [[ $(aws_cli cloudformation describe-stacks --stack-name "$stack_name" --query 'Stacks[0].EnableTerminationProtection' --output text) != True ]]; then
    aws_cli cloudformation update-termination-protection --enable-termination-protection --stack-name "$stack_name" >/dev/null
    report changed "termination protection on for $stack_name"
  fi
}

# oidc_provider : the ARN of the account's IAM OIDC provider for the GitLab URL, or nothing.
oidc_provider() {
  local arn url host=${gitlab_url#https://}
  for arn in $(aws_cli iam list-open-id-connect-providers --query 'OpenIDConnectProviderList[].Arn' --output text); do
    [[ "$arn" != None ]] || continue
    url=$(aws_cli iam get-open-id-connect-provider --open-id-connect-provider-arn "$arn" --query Url --output text)
    [[ "${url#https://}" != "$host" ]] || { printf '%s\n' "$arn"; return 0; }
  done
}

# stack_entry ENV NAME FIELD : a field of one stack of an environment in stacks.json.
stack_entry() {
  jq -r --arg env "$1" --arg name "$2" --arg field "$3" \
    '.environments[] | select(.name == $env) | .stacks[] | select(.name == $name) | .[$field] | if type == "array" then (if length == 0 then "-" else join(",") end) else . end' "$STACKS_FILE"
}

gitlab_oidc_stack() {
  local env=$1 stack_name template capabilities provider overrides
  stack_name=$(stack_entry "$env" gitlab-oidc stackName)
  template=$(stack_entry "$env" gitlab-oidc template)
  capabilities=$(stack_entry "$env" gitlab-oidc capabilities)
  overrides=("ProjectPath=$project" "DefaultBranch=$default_branch" "GitLabUrl=$gitlab_url" "Audience=$gitlab_url")
  if $dry_run; then
    step="finding the OIDC provider of $gitlab_url"
    aws_show iam list-open-id-connect-providers
    aws_show iam get-open-id-connect-provider --open-id-connect-provider-arn '<each ARN listed>'
    printf '      (only for a new stack: ExistingProviderArn=<the ARN whose Url is %s>, empty when none)\n' "${gitlab_url#https://}"
    deploy_stack "$stack_name" "$template" "$capabilities" "${overrides[@]}"
    aws_show cloudformation describe-stacks --stack-name "$stack_name" --query 'Stacks[0].Outputs'
    return 0
  fi
  # A stack that exists keeps its ExistingProviderArn (aws cloudformation deploy keeps the value of a
  # parameter it is not given): the stack that created the provider must keep it.
  if [[ $(stack_status "$stack_name") == NONE ]]; then
    step="finding the OIDC provider of $gitlab_url"
    provider=$(oidc_provider)
    overrides+=("ExistingProviderArn=$provider")
    [[ -z "$provider" ]] || printf '    (reusing the OIDC provider %s)\n' "$provider"
  fi
  deploy_stack "$stack_name" "$template" "$capabilities" "${overrides[@]}"
}

# role_outputs ENV : "PROTECTED VARIABLE=VALUE" lines for the environment's role ARNs.
role_outputs() {
  local stack_name outputs output variable protected value
  stack_name=$(stack_entry "$1" gitlab-oidc stackName)
  $dry_run || outputs=$(aws_cli cloudformation describe-stacks --stack-name "$stack_name" --query 'Stacks[0].Outputs' --output json)
  while read -r output variable protected; do
    if $dry_run; then
      value="<$output of $stack_name>"
      [[ "$output" != ImageTagRoleArn || "$(jq -r --arg e "$1" '.environments[] | select(.name == $e) | .pushesImages' "$STACKS_FILE")" == true ]] || continue
    else
      value=$(jq -r --arg k "$output" '.[] | select(.OutputKey == $k) | .OutputValue' <<<"$outputs")
      [[ -n "$value" ]] || continue # ImageTagRoleArn: only where images are built
    fi
    printf '%s %s=%s\n' "$protected" "$variable" "$value"
  done <<'MAP'
ChangeSetRoleArn CHANGESET_ROLE_ARN false
DeployRoleArn DEPLOY_ROLE_ARN true
CloudFormationExecutionRoleArn CFN_EXECUTION_ROLE_ARN true
ImageTagRoleArn IMAGE_TAG_ROLE_ARN true
MAP
}

# ---- GitLab --------------------------------------------------------------------------------------
api=${GITLAB_API_URL:-$gitlab_url/api/v4}
project_id=$(jq -rn --arg p "$project" '$p | @uri')
header_file=""
# gitlab METHOD PATH [JSON] : one API call; sets gl_status (the HTTP status, "dry" in a dry run) and
# gl_body. The token goes to curl in a private header file, never on a command line.
gitlab() {
  local method=$1 path=$2 data=${3:-} out args
  if $dry_run; then
    printf '    %s %s%s\n' "$method" "$api$path" "${data:+ $data}"
    gl_status=dry gl_body=""
    return 0
  fi
  if [[ -z "$header_file" ]]; then
    header_file=$(umask 077 && mktemp)
    printf 'PRIVATE-TOKEN: %s\n' "$GITLAB_TOKEN" >"$header_file"
  fi
  out=$(mktemp)
  args=(--silent --show-error --retry 3 --output "$out" --write-out '%{http_code}' --header "@$header_file" --request "$method")
  [[ -z "$data" ]] || args+=(--header 'Content-Type: application/json' --data-binary "$data")
  gl_status=$(curl "${args[@]}" "$api$path") || { rm -f "$out"; die "no answer from $api ($method $path): check --gitlab-url and the network"; }
  gl_body=$(cat "$out")
  rm -f "$out"
  case $gl_status in
    401) die "GitLab refused the token (401 $gl_body): it must be a valid token with the api scope" ;;
    5*) die "GitLab answered $gl_status to $method $path: $gl_body; run this again later" ;;
  esac
}
expect() { # STATUS... : dies unless gl_status is one of them (or this is a dry run)
  local s
  for s in "$@" dry; do [[ "$gl_status" != "$s" ]] || return 0; done
  die "GitLab answered $gl_status to the last call of step \"$step\": $gl_body"
}

gitlab_project() {
  step="reading the GitLab project $project"
  gitlab GET "/projects/$project_id"
  [[ "$gl_status" != 404 ]] || die "GitLab has no project $project that this token can see (404): check --project, and that the token's user is a Maintainer of it"
  expect 200
  $dry_run || report checked "GitLab project $(jq -r .path_with_namespace <<<"$gl_body") at $gitlab_url"
}

# variable KEY VALUE SCOPE PROTECTED : creates the CI/CD variable, or updates it when it differs.
variable() {
  local key=$1 value=$2 scope=$3 protected=$4 body want
  step="CI/CD variable $key ($scope)"
  body=$(jq -cn --arg k "$key" --arg v "$value" --arg s "$scope" --argjson p "$protected" \
    '{key: $k, value: $v, environment_scope: $s, protected: $p, masked: false, raw: true}')
  want=$(jq -c '{value, environment_scope, protected, masked, raw}' <<<"$body")
  local filter
  filter="filter%5Benvironment_scope%5D=$(jq -rn --arg s "$scope" '$s | @uri')"
  gitlab GET "/projects/$project_id/variables/$key?$filter"
  case $gl_status in
    dry | 404)
      gitlab POST "/projects/$project_id/variables" "$body"
      $dry_run && printf '      (POST when it is missing; PUT %s when it differs)\n' "/projects/$project_id/variables/$key?$filter"
      expect 201
      $dry_run || report created "variable $key ($scope$($protected && echo ", protected"))" ;;
    200)
      if [[ $(jq -c '{value, environment_scope, protected, masked, raw}' <<<"$gl_body") == "$want" ]]; then
        report unchanged "variable $key ($scope)"
      else
        gitlab PUT "/projects/$project_id/variables/$key?$filter" "$body"
        expect 200
        report updated "variable $key ($scope)"
      fi ;;
    *) expect 200 ;;
  esac
}

protected_branch() {
  local name=$default_branch levels
  step="protected branch $name"
  gitlab GET "/projects/$project_id/protected_branches/$(jq -rn --arg n "$name" '$n | @uri')"
  case $gl_status in
    dry | 404)
      gitlab POST "/projects/$project_id/protected_branches" \
        "$(jq -cn --arg n "$name" '{name: $n, push_access_level: 0, merge_access_level: 40, allow_force_push: false}')"
      $dry_run && printf '      (only when %s is not protected yet)\n' "$name"
      expect 201
      $dry_run || report created "protected branch $name (push: no one, merge: Maintainers, no force push)" ;;
    200)
      levels=$(jq -c '{push: [.push_access_levels[].access_level], merge: [.merge_access_levels[].access_level], force: .allow_force_push}' <<<"$gl_body")
      if [[ "$levels" == '{"push":[0],"merge":[40],"force":false}' ]]; then
        report unchanged "protected branch $name (push: no one, merge: Maintainers)"
      else
        # Free has no API to change the levels of a protected branch (PATCH changes only force push and
        # Premium's allowed_to_*); unprotecting it to protect it again would open it for a moment.
        todo+=("protected branch $name is protected differently ($levels): set Allowed to push: No one, Allowed to merge: Maintainers, force push off in Settings > Repository > Protected branches")
        report differs "protected branch $name: $levels (see the end)"
      fi ;;
    *) expect 200 ;;
  esac
}

protected_tag() {
  local pattern=$1
  step="protected tags $pattern"
  gitlab GET "/projects/$project_id/protected_tags/$(jq -rn --arg n "$pattern" '$n | @uri')"
  case $gl_status in
    dry | 404)
      gitlab POST "/projects/$project_id/protected_tags" "$(jq -cn --arg n "$pattern" '{name: $n, create_access_level: 40}')"
      $dry_run && printf '      (only when %s is not protected yet)\n' "$pattern"
      expect 201
      $dry_run || report created "protected tags $pattern (create: Maintainers)" ;;
    200) report unchanged "protected tags $pattern" ;;
    *) expect 200 ;;
  esac
}

project_settings() {
  local want='{"only_allow_merge_if_pipeline_succeeds":true,"ci_forward_deployment_enabled":true}'
  step="project settings"
  gitlab GET "/projects/$project_id"
  expect 200
  gl_before=$gl_body
  # ci_forward_deployment_enabled is only shown to Owners and administrators; absent, it is set again.
  if ! $dry_run && [[ $(jq -c '{only_allow_merge_if_pipeline_succeeds, ci_forward_deployment_enabled}' <<<"$gl_body") == "$want" ]]; then
    report unchanged "merge only when the pipeline succeeds; prevent outdated deployment jobs"
    return 0
  fi
  gitlab PUT "/projects/$project_id" "$want"
  expect 200
  $dry_run && return 0
  if [[ $(jq -c '{only_allow_merge_if_pipeline_succeeds, ci_forward_deployment_enabled: (.ci_forward_deployment_enabled // true)}' <<<"$gl_before") == "$want" ]]; then
    # Only the hidden setting was unknown: set again, to the value it most likely had.
    report unchanged "merge only when the pipeline succeeds; prevent outdated deployment jobs (set again: GitLab shows the second only to Owners, so a Maintainer cannot tell)"
  else
    report changed "merge only when the pipeline succeeds; prevent outdated deployment jobs"
  fi
}

environment() {
  local env=$1 tier
  tier=$([[ "$env" == prod ]] && echo production || echo development)
  step="environment $env"
  gitlab GET "/projects/$project_id/environments?name=$env"
  expect 200
  if $dry_run || [[ $(jq length <<<"$gl_body") == 0 ]]; then
    gitlab POST "/projects/$project_id/environments" "$(jq -cn --arg n "$env" --arg t "$tier" '{name: $n, tier: $t}')"
    $dry_run && printf '      (only when the list is empty)\n'
    expect 201
    $dry_run || report created "environment $env ($tier)"
  else
    report unchanged "environment $env"
  fi
}

# Premium and Ultimate: prod deployable by Maintainers with one approval; merge requests need an approval
# that is not the author's. On Free these endpoints answer 403 or 404; the summary says what Free gets.
premium_protections() {
  step="protected environment prod"
  gitlab GET "/projects/$project_id/protected_environments/prod"
  case $gl_status in
    200) report unchanged "protected environment prod" ;;
    dry | 404)
      gitlab POST "/projects/$project_id/protected_environments" \
        '{"name":"prod","deploy_access_levels":[{"access_level":40}],"approval_rules":[{"access_level":40,"required_approvals":1}]}'
      $dry_run && printf '      (Premium and Ultimate only; only when prod is not protected yet)\n'
      case $gl_status in
        dry) ;;
        201) report created "protected environment prod (deploy: Maintainers, 1 approval)" ;;
        403 | 404) todo+=("GitLab Free has no protected environments: anyone who may run jobs on $default_branch (Developers, by default) can start deploy-prod. On Premium, run this again to protect prod with a required approval")
          report skipped "protected environment prod: not on this GitLab tier" ;;
        *) expect 201 ;;
      esac ;;
    403) todo+=("GitLab Free has no protected environments: anyone who may run jobs on $default_branch can start deploy-prod")
      report skipped "protected environment prod: not on this GitLab tier" ;;
    *) expect 200 ;;
  esac

  step="merge request approvals"
  gitlab GET "/projects/$project_id/approval_rules"
  case $gl_status in
    200 | dry)
      if ! $dry_run && [[ $(jq '[.[] | select(.approvals_required >= 1)] | length' <<<"$gl_body") -gt 0 ]]; then
        report unchanged "merge request approval rule"
      else
        gitlab POST "/projects/$project_id/approval_rules" '{"name":"Another person","approvals_required":1,"rule_type":"any_approver"}'
        $dry_run && printf '      (Premium and Ultimate only; only when no rule requires an approval)\n'
        expect 201
        $dry_run || report created "merge request approval rule (1 approval)"
      fi
      # "merge_requests_author_approval ... true means authors can self approve" (Merge request approvals API).
      gitlab GET "/projects/$project_id/approvals"
      expect 200
      if $dry_run || [[ $(jq -r .merge_requests_author_approval <<<"$gl_body") != false ]]; then
        gitlab POST "/projects/$project_id/approvals" '{"merge_requests_author_approval":false}'
        expect 200 201
        $dry_run || report changed "merge request authors cannot approve their own"
      else
        report unchanged "merge request authors cannot approve their own"
      fi ;;
    403 | 404)
      todo+=("GitLab Free has no required approvals: merge requests can be merged without one (approvals are optional there)")
      report skipped "merge request approvals: not on this GitLab tier" ;;
    *) expect 200 ;;
  esac
}

resource_group() {
  local group=$1
  step="resource group $group"
  gitlab GET "/projects/$project_id/resource_groups/$group"
  case $gl_status in
    200)
      if [[ $(jq -r .process_mode <<<"$gl_body") == oldest_first ]]; then
        report unchanged "resource group $group (oldest_first)"
      else
        gitlab PUT "/projects/$project_id/resource_groups/$group" '{"process_mode":"oldest_first"}'
        expect 200
        report changed "resource group $group: oldest_first"
      fi ;;
    dry)
      gitlab PUT "/projects/$project_id/resource_groups/$group" '{"process_mode":"oldest_first"}'
      printf '      (once the first pipeline has created it)\n' ;;
    404)
      todo+=("resource group $group does not exist until the first pipeline uses it: run this again after the first pipeline on $default_branch, to make its jobs run oldest first")
      report pending "resource group $group: after the first pipeline" ;;
    *) expect 200 ;;
  esac
}

# ---- the run -------------------------------------------------------------------------------------
if $dry_run; then
  echo "==> dry run: no call is made; these are the calls, in order (AWS with the administrator's credentials,"
  echo "    GitLab with the token in a private header file)"
  aws_show sts get-caller-identity
else
  step="reading the AWS identity"
  identity=$(aws_cli sts get-caller-identity --query '[Account,Arn]' --output text) \
    || die "the AWS CLI has no working credentials (aws sts get-caller-identity failed): sign in as an administrator of the account first"
  read -r account caller <<<"$identity"
  report checked "AWS account $account, Region $region, as $caller"
fi
service_linked_roles
ecr_stack=$(jq -r '.environments[0].stacks[] | select(.name == "ecr") | .stackName' "$STACKS_FILE")
ecr_template=$(jq -r '.environments[0].stacks[] | select(.name == "ecr") | .template' "$STACKS_FILE")
deploy_stack "$ecr_stack" "$ecr_template" -
for env in "${envs[@]}"; do
  gitlab_oidc_stack "$env"
done

# The values each environment's jobs get.
declare -A var_lines=()
for env in "${envs[@]}"; do
  var_lines[$env]=$(role_outputs "$env")
  for key in "${!param_value[@]}"; do
    [[ "$key" == "$env".* ]] || continue
    name=${key#*.}
    [[ "$name" != CertificateArn || -z "${param_value[$env.DomainName]:-}" ]] || {
      step="checking the certificate of $env"
      if $dry_run; then aws_show acm describe-certificate --certificate-arn "${param_value[$key]}"; else certificate_check "${param_value[$key]}" "${param_value[$env.DomainName]}"; fi
    }
    var_lines[$env]+=$'\n'"true CFN_PARAM_$name=${param_value[$key]}"
  done
  # What the environment still needs before its first deploy: required parameters with no value.
  for name in $(jq -r --arg env "$env" '.environments[] | select(.name == $env) | .stacks[] | select(.deployedBy == "pipeline")
      | .parameters[] | select(.required) | .name' "$STACKS_FILE"); do
    [[ "$name" != "$IMAGE_TAG_PARAMETER" && -z "${param_value[$env.$name]:-}" ]] || continue
    todo+=("$env needs $name before its first deploy: run this again with --param $env.$name=<value> (or set the CI/CD variable CFN_PARAM_$name, scope $env). $(case $name in
      CertificateArn) echo "Request one: aws acm request-certificate --domain-name <DomainName> --validation-method DNS, and create the CNAME record it shows" ;;
      DomainName) echo "The host name the service is reached at; point its DNS record at the alb stack's LoadBalancerDnsName after the first deploy" ;;
      AlarmTopicArn) echo "Create one: aws sns create-topic --name hello-$env-alarms, and subscribe whoever answers the alarms" ;;
    esac)")
  done
done

if $skip_gitlab; then
  echo "==> --skip-gitlab: set these CI/CD variables in GitLab (Settings > CI/CD > Variables), unmasked, not expanded:"
  printf '    AWS_REGION=%s (all environments)\n' "$region"
  for env in "${envs[@]}"; do
    while read -r protected assignment; do
      [[ -n "$assignment" ]] || continue
      printf '    %s (environment %s%s)\n' "$assignment" "$env" "$($protected && echo ", protected")"
    done <<<"${var_lines[$env]}"
  done
else
  gitlab_project
  variable AWS_REGION "$region" '*' false
  for env in "${envs[@]}"; do
    while read -r protected assignment; do
      [[ -n "$assignment" ]] || continue
      variable "${assignment%%=*}" "${assignment#*=}" "$env" "$protected"
    done <<<"${var_lines[$env]}"
  done
  protected_branch
  for env in "${envs[@]}"; do
    [[ $(jq -r --arg e "$env" '.environments[] | select(.name == $e) | .pushesImages' "$STACKS_FILE") == true ]] || continue
    if $dry_run; then
      pattern=v\*
      aws_show cloudformation describe-stacks --stack-name "$(stack_entry "$env" gitlab-oidc stackName)" --query 'Stacks[0].Parameters'
    else
      pattern=$(stack_parameter "$(stack_entry "$env" gitlab-oidc stackName)" ReleaseTagPattern)
    fi
    protected_tag "${pattern:-v*}"
  done
  project_settings
  for env in "${envs[@]}"; do environment "$env"; done
  premium_protections
  for env in "${envs[@]}"; do resource_group "deploy-$env"; done
fi

step=""
$dry_run && exit 0
printf '\n==> %d changed, %d unchanged\n' "${#changed[@]}" "${#unchanged[@]}"
((${#changed[@]})) || echo "==> nothing to change: the account and the project were already set up"
if ((${#todo[@]})); then
  echo "==> still to do:"
  printf '    - %s\n' "${todo[@]}"
fi
