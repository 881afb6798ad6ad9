# shellcheck shell=bash
# Helpers shared by the pipeline scripts in scripts/ci. Source it; it does not change shell options.
#
# Every AWS call goes through aws_cli, which passes --endpoint-url when AWS_ENDPOINT_URL is set, so
# the whole flow runs against a local AWS emulator in the tests (AWS CLI v2 also reads the variable
# itself from 2.13 on; v1, which the tests run, does not).

# The environments, their stacks in deploy order, templates and deploy-time parameters, written by
# cfn-gen (the one source of truth).
STACKS_FILE=${STACKS_FILE:-templates/stacks.json}

# Short names of the stacks the scripts treat specially, and the output keys they read.
# Keep in line with cfn-gen's stacks.
ECR_STACK=${ECR_STACK:-ecr}
ALB_STACK=${ALB_STACK:-alb}
SERVICE_STACK=${SERVICE_STACK:-service}
REPOSITORY_URI_OUTPUT=${REPOSITORY_URI_OUTPUT:-RepositoryUri}
SERVICE_URL_OUTPUTS=${SERVICE_URL_OUTPUTS:-"ServiceUrl LoadBalancerUrl"}
CLUSTER_NAME_OUTPUT=${CLUSTER_NAME_OUTPUT:-ClusterName}
SERVICE_NAME_OUTPUT=${SERVICE_NAME_OUTPUT:-ServiceName}
TASK_DEFINITION_OUTPUT=${TASK_DEFINITION_OUTPUT:-TaskDefinitionArn}
LOG_GROUP_OUTPUT=${LOG_GROUP_OUTPUT:-LogGroupName}
# The service stack's parameter that selects the image; the pipeline passes the commit SHA.
IMAGE_TAG_PARAMETER=${IMAGE_TAG_PARAMETER:-ImageTag}
# No pager: AWS CLI v2 pipes output through one by default ("AWS_PAGER ... set the variable to an empty
# string", AWS CLI User Guide, environment variables).
export AWS_PAGER=""

# shellcheck disable=SC2034 # used by the scripts that source this file
CI_SCRIPTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

log() { printf '==> %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# require_env NAME... : fails naming every listed variable that is unset or empty.
require_env() {
  local missing=() name
  for name in "$@"; do
    [[ -n "${!name:-}" ]] || missing+=("$name")
  done
  ((${#missing[@]} == 0)) || die "missing CI/CD variable(s): ${missing[*]} (see docs/deploying.md)"
}

# The region: AWS_REGION (CLI v2, most SDKs) or AWS_DEFAULT_REGION (CLI v1).
aws_region_setup() {
  local region=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
  [[ -n "$region" ]] || die "missing CI/CD variable: AWS_REGION (for example us-east-1)"
  export AWS_REGION=$region AWS_DEFAULT_REGION=$region
}

aws_cli() {
  if [[ -n "${AWS_ENDPOINT_URL:-}" ]]; then
    aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"
  else
    aws "$@"
  fi
}

# aws_assume_role ROLE_VARIABLE : exchanges the job's GitLab ID token (AWS_ID_TOKEN, from id_tokens
# in .gitlab-ci.yml) for temporary credentials of the role whose ARN is in the named variable, and
# exports them, for AWS_ROLE_SESSION_SECONDS (default 3600; the deploy jobs ask for the deploy role's
# MaxSessionDuration, 7200, so a first create and a release fit in one session). Without an ID token, keeps the credentials already in the environment (a local run
# against an emulator, for example). The token never appears on a command line (where any process
# could read it): the AWS CLI reads it from a private file (file://, "Loading AWS CLI parameters from
# a file" in the AWS CLI User Guide).
aws_assume_role() {
  local role_variable=$1 role_arn creds token_file errors status=0
  aws_region_setup
  if [[ -z "${AWS_ID_TOKEN:-}" ]]; then
    [[ -n "${AWS_ACCESS_KEY_ID:-}" ]] \
      || die "no AWS_ID_TOKEN (add id_tokens to the job) and no AWS_ACCESS_KEY_ID in the environment"
    log "no AWS_ID_TOKEN: using the AWS credentials already in the environment"
    return 0
  fi
  require_env "$role_variable"
  role_arn=${!role_variable}
  [[ "$role_arn" == arn:aws*:iam::*:role/* ]] \
    || die "$role_variable '$role_arn' does not look like arn:aws:iam::<account>:role/<name>"
  log "assuming $role_arn with the job's GitLab ID token"
  token_file=$(umask 077 && mktemp)
  errors=$(mktemp)
  printf '%s' "$AWS_ID_TOKEN" >"$token_file"
  creds=$(aws_cli sts assume-role-with-web-identity \
    --role-arn "$role_arn" \
    --role-session-name "gitlab-${CI_PROJECT_ID:-local}-${CI_JOB_ID:-0}" \
    --web-identity-token "file://$token_file" \
    --duration-seconds "${AWS_ROLE_SESSION_SECONDS:-3600}" \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' \
    --output text 2>"$errors") || status=$?
  rm -f "$token_file"
  if ((status != 0)); then
    local error
    # One line: the CLI v2 prints an empty line before the error.
    error=$(tr -s '\n' ' ' <"$errors" | sed 's/^ *//; s/ *$//')
    rm -f "$errors"
    assume_role_failed "$role_arn" "$error"
  fi
  rm -f "$errors"
  read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<<"$creds"
  [[ -n "${AWS_SESSION_TOKEN:-}" ]] || die "assume-role-with-web-identity returned no credentials"
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
}

# assume_role_failed ROLE_ARN ERROR_TEXT : dies with what happened. Only STS's own refusals of the
# token point at the trust policy; a network or DNS failure says so.
assume_role_failed() {
  local role_arn=$1 error=$2
  case $error in
    *"(AccessDenied)"* | *"(InvalidIdentityToken)"* | *"(IDPRejectedClaim)"*)
      die "AWS refused to let this job assume $role_arn: $error. Check the role's trust policy: the token's audience (OIDC_AUDIENCE, the gitlab-oidc stack's Audience), the project path and ref it allows, and the OIDC provider's URL" ;;
    *"(ExpiredToken)"*)
      die "the job's GitLab ID token expired before it was used: $error. Retry the job" ;;
    *"Could not connect to the endpoint URL"* | *"Connect timeout on endpoint URL"* | *"Could not resolve"*)
      die "could not reach AWS STS from this runner (a network or DNS problem, not a permissions one): $error. Check the runner's network, proxy and DNS${AWS_ENDPOINT_URL:+, and AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL}" ;;
    *)
      die "could not assume $role_arn: ${error:-the AWS CLI failed without a message}" ;;
  esac
}

# stack_status STACK_NAME : prints the stack's status, or NONE when it does not exist.
stack_status() {
  local out errors
  errors=$(mktemp)
  if out=$(aws_cli cloudformation describe-stacks --stack-name "$1" \
    --query 'Stacks[0].StackStatus' --output text 2>"$errors"); then
    rm -f "$errors"
    printf '%s\n' "$out"
  elif grep -q "does not exist" "$errors"; then
    rm -f "$errors"
    echo NONE
  else
    out=$(cat "$errors")
    rm -f "$errors"
    die "describe-stacks $1 failed: $out"
  fi
}

# stack_value STACK_NAME Output|Parameter KEY : prints the stack output's or parameter's current
# value, or nothing when it has none.
stack_value() {
  local value
  value=$(aws_cli cloudformation describe-stacks --stack-name "$1" \
    --query "Stacks[0].${2}s[?${2}Key=='$3'].${2}Value | [0]" --output text) \
    || die "describe-stacks $1 failed (see the message above): is the stack deployed?"
  [[ "$value" == "None" ]] || printf '%s\n' "$value"
}

# stack_output STACK_NAME OUTPUT_KEY / stack_parameter STACK_NAME PARAMETER_KEY
stack_output() { stack_value "$1" Output "$2"; }
stack_parameter() { stack_value "$1" Parameter "$2"; }

# capability_args CAPABILITIES : sets the array `caps` to `--capabilities A B ...` from the comma
# list stack-list.sh prints ("-" for none: `caps` is then empty).
capability_args() {
  local cap_list
  # shellcheck disable=SC2034 # caps is the result, read by the caller
  caps=()
  if [[ "$1" != - ]]; then
    IFS=, read -ra cap_list <<<"$1"
    # shellcheck disable=SC2034
    caps=(--capabilities "${cap_list[@]}")
  fi
}

# check_template FILE NAME : the template exists and fits in an API call. CloudFormation takes at
# most 51,200 bytes inline ("Template body size in a request", CloudFormation quotas); larger templates
# would need an S3 bucket, which this pipeline does not set up (the build checks the size too).
check_template() {
  [[ -f "$1" ]] || die "template $1 of stack $2 not found"
  local size
  size=$(wc -c <"$1")
  ((size <= 51200)) || die "template $1 of stack $2 is $size bytes; CloudFormation accepts at most 51200 without an S3 bucket"
}

# env_check : DEPLOY_ENV names an environment of stacks.json.
env_check() {
  [[ -n "${DEPLOY_ENV:-}" ]] \
    || die "missing CI/CD variable: DEPLOY_ENV (one of: $(jq -r '[.environments[].name] | join(", ")' "$STACKS_FILE"))"
  jq -e --arg env "$DEPLOY_ENV" 'any(.environments[]; .name == $env)' "$STACKS_FILE" >/dev/null \
    || die "DEPLOY_ENV '$DEPLOY_ENV' is not an environment in $STACKS_FILE (known: $(jq -r '[.environments[].name] | join(", ")' "$STACKS_FILE"))"
}

# env_value JQ_PATH : a value of the DEPLOY_ENV environment in stacks.json (empty when unset).
env_value() {
  jq -r --arg env "$DEPLOY_ENV" ".environments[] | select(.name == \$env) | $1 // empty" "$STACKS_FILE"
}

# stack_json NAME : the stack's entry of the DEPLOY_ENV environment in stacks.json.
stack_json() {
  jq -c --arg env "$DEPLOY_ENV" --arg name "$1" \
    '.environments[] | select(.name == $env) | .stacks[] | select(.name == $name)' "$STACKS_FILE"
}

# stack_name_of NAME : the CloudFormation stack name of one stack of the DEPLOY_ENV environment.
stack_name_of() {
  local name
  name=$(stack_json "$1" | jq -r '.stackName // empty')
  [[ -n "$name" ]] || die "no stack '$1' in environment $DEPLOY_ENV of $STACKS_FILE"
  printf '%s\n' "$name"
}

# settled_status STACK_NAME : the stack's status once no operation runs on it, waiting up to
# STACK_WAIT_ATTEMPTS checks STACK_POLL_SECONDS apart (default 240 x 15 s: one hour, the longest a
# stack operation of ours takes), with a progress line per check. REVIEW_IN_PROGRESS (the empty stack a
# preview of a new stack leaves) counts as settled.
settled_status() {
  local stack_name=$1 status attempt
  local attempts=${STACK_WAIT_ATTEMPTS:-240} delay=${STACK_POLL_SECONDS:-15}
  for ((attempt = 1; ; attempt++)); do
    status=$(stack_status "$stack_name")
    [[ "$status" == *_IN_PROGRESS && "$status" != REVIEW_IN_PROGRESS ]] || break
    ((attempt <= attempts)) \
      || die "stack $stack_name is still $status after $((attempts * delay)) s; retry the job when that has finished"
    log "stack $stack_name is $status (another job, or one that was cancelled, left CloudFormation working): waiting, check $attempt of $attempts, every ${delay}s"
    sleep "$delay"
  done
  printf '%s\n' "$status"
}

# live_target_groups ALB_STACK_NAME : "LiveProductionTargetGroup=X LiveTestTargetGroup=Y", the target
# group (TargetGroup or AlternateTargetGroup) each listener rule weighs 100 now. ECS moves that weight on
# every release; the alb stack is deployed with these values, so CloudFormation writes back what ECS set
# instead of the template's first weights. Prints nothing when the stack or its rules do not exist yet.
live_target_groups() {
  local stack=$1 outputs rules
  [[ $(stack_status "$stack") != NONE ]] || return 0
  outputs=$(aws_cli cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Outputs' --output json)
  [[ -n "$outputs" && "$outputs" != null ]] || return 0
  local production test
  production=$(jq -r '.[] | select(.OutputKey == "ProductionListenerRuleArn") | .OutputValue' <<<"$outputs")
  test=$(jq -r '.[] | select(.OutputKey == "TestListenerRuleArn") | .OutputValue' <<<"$outputs")
  [[ -n "$production" && -n "$test" ]] || return 0
  rules=$(aws_cli elbv2 describe-rules --rule-arns "$production" "$test" --output json) \
    || die "elbv2 describe-rules of the live listener rules of $stack failed (see the message above)"
  jq -r --argjson outputs "$outputs" --arg production "$production" --arg test "$test" '
    ($outputs | map({(.OutputValue): .OutputKey}) | add) as $key
    | def live($arn): [.Rules[] | select(.RuleArn == $arn) | .Actions[] | select(.Type == "forward")
          | .ForwardConfig.TargetGroups | max_by(.Weight // 0) | .TargetGroupArn][0]
          | $key[.] // empty | sub("Arn$"; "");
    "LiveProductionTargetGroup=\(live($production)) LiveTestTargetGroup=\(live($test))"' <<<"$rules"
}

# certificate_check ARN HOST : dies unless the ACM certificate is issued and covers HOST (ACM
# DescribeCertificate: Status ISSUED; DomainName or a SubjectAlternativeNames entry equal to the host,
# or "*.<parent>" for a host one label below <parent>).
certificate_check() {
  local arn=$1 host=$2 cert status names covered=false n
  cert=$(aws_cli acm describe-certificate --certificate-arn "$arn" --output json 2>&1) \
    || die "the certificate CFN_PARAM_CertificateArn=$arn cannot be read: $cert. Request or import a certificate for $host in ACM in $AWS_REGION (docs/deploying.md), then set CFN_PARAM_CertificateArn to its ARN"
  status=$(jq -r '.Certificate.Status' <<<"$cert")
  [[ "$status" == ISSUED ]] \
    || die "the certificate $arn is $status, not ISSUED: finish its validation in ACM (for DNS validation, create the CNAME record ACM shows), then retry"
  names=$(jq -r '[.Certificate.DomainName] + (.Certificate.SubjectAlternativeNames // []) | unique | .[]' <<<"$cert")
  while read -r n; do
    if [[ "$n" == "$host" || ( "$n" == '*.'* && "${host#*.}" == "${n#\*.}" ) ]]; then
      covered=true
    fi
  done <<<"$names"
  $covered || die "the certificate $arn covers $(paste -sd, <<<"$names"), not DomainName $host: set CFN_PARAM_DomainName to a name it covers, or use a certificate for $host"
  log "certificate $arn is ISSUED and covers $host"
}

# image_tag_add REPOSITORY FROM TO : tags the image (or manifest list) tagged FROM with TO as well, with
# ECR's PutImage of its manifest, byte for byte: ECR names an image by the SHA-256 of its manifest's
# bytes, so TO names the same digest only if not a byte changes on the way (a shell variable would
# drop a trailing newline), and --image-digest makes ECR check that. Nothing to do when TO already
# names that digest; dies when FROM is missing or TO names another image (tags are immutable).
image_tag_add() {
  local repository=$1 from=$2 to=$3 image digest existing manifest_file
  image=$(aws_cli ecr batch-get-image --repository-name "$repository" --image-ids "imageTag=$from" \
    --query 'images[0]' --output json)
  [[ -n "$image" && "$image" != null ]] || die "$repository:$from is not in ECR"
  digest=$(jq -r .imageId.imageDigest <<<"$image")
  existing=$(aws_cli ecr batch-get-image --repository-name "$repository" --image-ids "imageTag=$to" \
    --query 'images[0].imageId.imageDigest' --output text)
  if [[ -n "$existing" && "$existing" != None ]]; then
    [[ "$existing" == "$digest" ]] || die "$repository:$to names $existing, not the image of $from ($digest); tags are immutable: find out who tagged it"
    return 0
  fi
  manifest_file=$(mktemp)
  jq -j .imageManifest <<<"$image" >"$manifest_file"
  aws_cli ecr put-image --repository-name "$repository" --image-tag "$to" --image-manifest "file://$manifest_file" \
    --image-manifest-media-type "$(jq -r .imageManifestMediaType <<<"$image")" --image-digest "$digest" >/dev/null
  rm -f "$manifest_file"
}
