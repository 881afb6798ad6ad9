"""ECS blue/green lifecycle hook at POST_TEST_TRAFFIC_SHIFT: before production moves, every healthy
task of the target group the test listener rule forwards to (the new revision) must answer GET /hello
with exactly "Hello world" and GET /health with {"status": "UP"}. Returns hookStatus SUCCEEDED, or
FAILED (ECS then rolls back; production never saw the new revision). Runs in the private subnets:
it asks the tasks directly, and ELB (through the VPC endpoint) which tasks those are."""
import json
import os
import urllib.error
import urllib.request

TIMEOUT = float(os.environ.get("CHECK_TIMEOUT_SECONDS", "5"))
EXPECTED_HELLO = "Hello world"


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
            return r.status, r.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(4096).decode("utf-8", "replace")


def health_up(body):
    try:
        return json.loads(body).get("status") == "UP"
    except (ValueError, AttributeError):
        return False


CHECKS = (
    ("/hello", lambda body: body == EXPECTED_HELLO, "exactly " + EXPECTED_HELLO),
    ("/health", health_up, '{"status":"UP"}'),
)


def check_target(host, port):
    """The problems of one task, empty when it passes."""
    problems = []
    for path, ok, want in CHECKS:
        try:
            status, body = fetch("http://%s:%s%s" % (host, port, path))
        except Exception as e:  # timeout, refused, reset
            problems.append("%s:%s%s: %s" % (host, port, path, e))
            continue
        if status != 200 or not ok(body):
            problems.append("%s:%s%s: status %s, body %r, wanted 200 and %s" % (host, port, path, status, body[:100], want))
    return problems


def new_revision_targets(elb, rule_arn):
    """The test rule's forward action weighs the new revision's target group 100 at this stage."""
    rule = elb.describe_rules(RuleArns=[rule_arn])["Rules"][0]
    forward = [a for a in rule["Actions"] if a["Type"] == "forward"][0]
    group = max(forward["ForwardConfig"]["TargetGroups"], key=lambda g: g.get("Weight", 0))["TargetGroupArn"]
    health = elb.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]
    return group, [(h["Target"]["Id"], h["Target"]["Port"]) for h in health if h["TargetHealth"]["State"] == "healthy"]


def handler(event, context):
    group, targets, problems = None, [], []
    try:
        import boto3
        # botocore's name for ELB v2; "elasticloadbalancing" is only its ARN, IAM and endpoint prefix.
        elb = boto3.client("elbv2")
        group, targets = new_revision_targets(elb, os.environ["TEST_LISTENER_RULE_ARN"])
        if not targets:
            problems.append("no healthy target in " + group)
        for host, port in targets:
            problems += check_target(host, port)
    except Exception as e:
        problems.append("%s: %s" % (type(e).__name__, e))
    status = "FAILED" if problems else "SUCCEEDED"
    print(json.dumps({"hookStatus": status, "lifecycleStage": event.get("lifecycleStage"),
                      "deployment": event.get("resourceArn"), "targetGroup": group,
                      "targets": ["%s:%s" % t for t in targets], "problems": problems}))
    return {"hookStatus": status}
