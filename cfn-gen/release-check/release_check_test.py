"""Tests of the blue/green release check (cfn-gen/release-check/release_check.py,
embedded in templates/<env>/service.yaml as the ReleaseCheckFunction's Code.ZipFile), run as code: the handler creates
its own client as in Lambda (boto3.client("elbv2"), real boto3 and botocore) and asks a real moto server
(started here, on 127.0.0.1) through AWS_ENDPOINT_URL; the state it reads is built in moto with boto3: a VPC,
an internal ALB, a test listener whose rule (source-ip condition) forwards with ForwardConfig to the blue group
(weight 0) and the green group (weight 100), both target type ip; the tasks are HTTP servers on 127.0.0.1
registered as ip targets at their ports.

What moto answers, asserted in test_moto_answers_in_the_shapes_the_check_reads: DescribeRules returns the rule
as created (Actions[].ForwardConfig.TargetGroups[] with TargetGroupArn and Weight); DescribeTargetHealth without
Targets lists the registered targets, each {"Target": {"Id", "Port"}, "HealthCheckPort": "traffic-port",
"TargetHealth": {"State": "healthy"}}. Moto runs no health checks: every registered target is "healthy" at
once, whether or not it listens; a deregistered target leaves the list (AWS lists it "draining" for the
deregistration delay); an instance target whose instance is stopped is "unused" (Target.InvalidState), the one
state other than healthy it lists (hence the instance group in test_a_target_not_reported_healthy_is_not_asked:
no ip target can be anything but healthy in moto, and nothing here makes one look otherwise). Moto keys the targets of a group by Id alone, so one group holds one target per IP (AWS: per IP and
port); the second task of a group listens on 127.0.0.2. Moto does not check that an ip target is in the VPC.

What moto does not enforce, from the ELB API reference (elasticloadbalancingv2 2015-12-01, as in botocore's model):
- TargetHealth.State, "The state of the target": initial | healthy | unhealthy | unhealthy.draining | unused |
  draining | unavailable. The check asks only targets in state healthy.
- TargetGroupTuple.Weight, "The weight. The range is 0 to 999." Type: Integer, Required: No (the check
  counts a missing weight as 0)."""
import http.server
import importlib.util
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
from contextlib import redirect_stdout

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "release_check.py")
spec = importlib.util.spec_from_file_location("release_check", SOURCE)
release_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(release_check)

REGION = "us-east-1"
EVENT = {"executionId": "e8d5a28f-0000-0000-0000-000000000000", "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
         "resourceArn": "arn:aws:ecs:us-east-1:000000000000:service-deployment/hello-dev/svc/EZe5RNVLH6PPzHXINuP28",
         "executionDetails": {"testTrafficWeights": {}, "productionTrafficWeights": {}}}
# The environment boto3 sees, here and in the Lambda-like child: moto's endpoint, a region, dummy keys and
# no configuration files (nothing from this machine's ~/.aws).
AWS_ENV = {"AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "NO_PROXY": "127.0.0.1"}
PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy")
moto = {}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setUpModule():
    saved = dict(os.environ)
    unittest.addModuleCleanup(lambda: (os.environ.clear(), os.environ.update(saved)))
    for name in list(os.environ):
        if name.startswith("AWS_") or name in PROXIES:
            del os.environ[name]
    os.environ.update(AWS_ENV)
    start_moto(int(os.environ.get("RELEASE_CHECK_MOTO_PORT") or free_port()))


def start_moto(port):
    """moto's server on 127.0.0.1:port, until it answers; stopped by the module's cleanup. Its pid goes to
    RELEASE_CHECK_MOTO_PIDFILE when set (test.sh kills it from there if this process dies first)."""
    log = tempfile.TemporaryFile("w+")  # moto's request log, shown only when it does not start
    unittest.addModuleCleanup(log.close)
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    pidfile = os.environ.get("RELEASE_CHECK_MOTO_PIDFILE")
    if pidfile:
        with open(pidfile, "w") as f:
            f.write("%d\n" % server.pid)
    unittest.addModuleCleanup(stop_moto, server, pidfile)
    url = "http://127.0.0.1:%d" % port
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError("moto's server on %s did not answer (exit status %s):\n%s"
                                   % (url, server.poll(), log.read()[-2000:]))
            time.sleep(0.05)
    moto["url"] = url
    os.environ["AWS_ENDPOINT_URL"] = url


def stop_moto(server, pidfile):
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    if pidfile and os.path.exists(pidfile):
        os.remove(pidfile)


class Task(http.server.BaseHTTPRequestHandler):
    """A task of a revision; the server's `behaviour` says how it answers, `requests` records the paths asked."""

    def do_GET(self):
        self.server.requests.append(self.path)
        mode = self.server.behaviour
        if mode == "timeout":
            time.sleep(1.5)
        if mode == "5xx":
            return self.answer(500, "Internal Server Error")
        if mode == "5xx-right-body":
            body = "Hello world" if self.path == "/hello" else json.dumps({"status": "UP"})
            return self.answer(503, body)
        if self.path == "/hello":
            return self.answer(200, "Hello World!" if mode == "wrong-body" else "Hello world")
        if self.path == "/health":
            return self.answer(200, json.dumps({"status": "DRAINING" if mode == "draining" else "UP"}))
        self.answer(404, "Not Found")

    def answer(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


class ReleaseCheckTest(unittest.TestCase):

    def setUp(self):
        release_check.TIMEOUT = 0.5
        urllib.request.urlopen(urllib.request.Request(moto["url"] + "/moto-api/reset", method="POST")).close()
        self.ec2, self.elb = boto3.client("ec2"), boto3.client("elbv2")
        self.task, self.blue_task = self.serve("pass"), self.serve("pass")
        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.vpc, self.subnets = vpc, [
            self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.%d.0/24" % i, AvailabilityZone=REGION + az)
            ["Subnet"]["SubnetId"] for i, az in ((1, "a"), (2, "b"))]
        alb = self.elb.create_load_balancer(Name="hello-dev", Subnets=self.subnets, Scheme="internal",
                                            Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
        self.blue, self.green = (self.target_group(n) for n in ("hello-dev-blue", "hello-dev-green"))
        listener = self.elb.create_listener(
            LoadBalancerArn=alb, Protocol="HTTP", Port=9000,
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}])
        # TEST_TRAFFIC_SHIFT weighed the test rule 100 on green: green is the new revision.
        self.rule = self.elb.create_rule(
            ListenerArn=listener["Listeners"][0]["ListenerArn"], Priority=10,
            Conditions=[{"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/16"]}}],
            Actions=[self.forward((self.blue, 0), (self.green, 100))])["Rules"][0]["RuleArn"]
        os.environ["TEST_LISTENER_RULE_ARN"] = self.rule
        self.register(self.blue, "127.0.0.1", self.blue_task.server_address[1])
        self.register(self.green, "127.0.0.1", self.port)

    def serve(self, behaviour, host="127.0.0.1"):
        server = http.server.ThreadingHTTPServer((host, 0), Task)
        server.daemon_threads, server.behaviour, server.requests = True, behaviour, []
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server

    @property
    def port(self):
        return self.task.server_address[1]

    def target_group(self, name, target_type="ip"):
        return self.elb.create_target_group(
            Name=name, Protocol="HTTP", Port=8888, VpcId=self.vpc, TargetType=target_type,
            HealthCheckPath="/health")["TargetGroups"][0]["TargetGroupArn"]

    @staticmethod
    def forward(*weights):
        return {"Type": "forward", "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": arn, "Weight": w} for arn, w in weights]}}

    def register(self, group, target_id, port=None):
        target = {"Id": target_id} if port is None else {"Id": target_id, "Port": port}
        self.elb.register_targets(TargetGroupArn=group, Targets=[target])

    def deregister_the_task(self):
        self.elb.deregister_targets(TargetGroupArn=self.green, Targets=[{"Id": "127.0.0.1", "Port": self.port}])

    def run_hook(self):
        out = io.StringIO()
        with redirect_stdout(out):
            result = release_check.handler(EVENT, None)
        return result, json.loads(out.getvalue())

    def test_pass_checks_the_healthy_targets_of_the_test_rules_group(self):
        result, log = self.run_hook()
        self.assertEqual({"hookStatus": "SUCCEEDED"}, result)
        self.assertEqual({"hookStatus": "SUCCEEDED", "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
                          "deployment": EVENT["resourceArn"], "targetGroup": self.green,
                          "targets": ["127.0.0.1:%d" % self.port], "problems": []}, log)
        self.assertEqual(["/hello", "/health"], self.task.requests)
        self.assertEqual([], self.blue_task.requests)

    def test_moto_answers_in_the_shapes_the_check_reads(self):
        rule = self.elb.describe_rules(RuleArns=[self.rule])["Rules"][0]
        self.assertEqual([{"Field": "source-ip", "SourceIpConfig": {"Values": ["10.0.0.0/16"]}}], rule["Conditions"])
        self.assertEqual(["forward"], [a["Type"] for a in rule["Actions"]])
        self.assertEqual([{"TargetGroupArn": self.blue, "Weight": 0}, {"TargetGroupArn": self.green, "Weight": 100}],
                         rule["Actions"][0]["ForwardConfig"]["TargetGroups"])
        health = self.elb.describe_target_health(TargetGroupArn=self.green)["TargetHealthDescriptions"]
        self.assertEqual([{"Target": {"Id": "127.0.0.1", "Port": self.port}, "HealthCheckPort": "traffic-port",
                           "TargetHealth": {"State": "healthy"}}], health)

    def test_the_group_weighed_most_is_checked_in_any_order(self):
        self.elb.modify_rule(RuleArn=self.rule, Actions=[self.forward((self.green, 100), (self.blue, 0))])
        self.assertEqual(self.green, self.run_hook()[1]["targetGroup"])
        self.elb.modify_rule(RuleArn=self.rule, Actions=[self.forward((self.green, 0), (self.blue, 100))])
        result, log = self.run_hook()
        self.assertEqual("SUCCEEDED", result["hookStatus"])
        self.assertEqual((self.blue, ["127.0.0.1:%d" % self.blue_task.server_address[1]]),
                         (log["targetGroup"], log["targets"]))
        self.assertEqual(["/hello", "/health"], self.blue_task.requests)

    def test_wrong_body_fails(self):
        self.task.behaviour = "wrong-body"
        result, log = self.run_hook()
        self.assertEqual({"hookStatus": "FAILED"}, result)
        self.assertEqual(["127.0.0.1:%d/hello: status 200, body 'Hello World!', wanted 200 and exactly Hello world"
                          % self.port], log["problems"])

    def test_health_not_up_fails(self):
        self.task.behaviour = "draining"
        result, log = self.run_hook()
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertEqual(1, len(log["problems"]), log)
        self.assertIn("/health: status 200, body '{\"status\": \"DRAINING\"}'", log["problems"][0])

    def test_5xx_fails(self):
        self.task.behaviour = "5xx"
        result, log = self.run_hook()
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertEqual(2, len(log["problems"]), log)
        self.assertIn("/hello: status 500", log["problems"][0])
        self.assertIn("/health: status 500", log["problems"][1])

    def test_an_error_status_fails_even_with_the_right_body(self):
        self.task.behaviour = "5xx-right-body"
        result, log = self.run_hook()
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertEqual(2, len(log["problems"]), log)
        self.assertIn("/hello: status 503, body 'Hello world'", log["problems"][0])

    def test_timeout_fails_within_the_timeout(self):
        self.task.behaviour = "timeout"
        started = time.monotonic()
        result, log = self.run_hook()
        self.assertLess(time.monotonic() - started, 1.4 * 2)
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertEqual(2, len(log["problems"]), log)
        self.assertIn("timed out", log["problems"][0])

    def test_refused_connection_fails(self):
        # Bound, never listening: connections to it are refused, and no other process can take the port.
        closed = socket.socket()
        self.addCleanup(closed.close)
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        self.deregister_the_task()
        self.register(self.green, "127.0.0.1", port)
        result, log = self.run_hook()
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertEqual(["127.0.0.1:%d" % port], log["targets"])
        self.assertIn("127.0.0.1:%d/hello: <urlopen error [Errno 111]" % port, log["problems"][0])

    def test_no_healthy_target_fails(self):
        self.deregister_the_task()
        result, log = self.run_hook()
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertEqual(["no healthy target in " + self.green], log["problems"])
        self.assertEqual([], self.blue_task.requests)

    def test_a_target_not_reported_healthy_is_not_asked(self):
        stopped = self.target_group("hello-dev-stopped", target_type="instance")
        instance = self.ec2.run_instances(ImageId="ami-00000000000000000", MinCount=1, MaxCount=1,
                                          SubnetId=self.subnets[0])["Instances"][0]["InstanceId"]
        self.register(stopped, instance)
        self.ec2.stop_instances(InstanceIds=[instance])
        self.elb.modify_rule(RuleArn=self.rule, Actions=[self.forward((self.blue, 0), (stopped, 100))])
        self.assertEqual([{"Target": {"Id": instance, "Port": 8888}, "HealthCheckPort": "traffic-port",
                           "TargetHealth": {"State": "unused", "Reason": "Target.InvalidState",
                                            "Description": "Target is in the stopped state"}}],
                         self.elb.describe_target_health(TargetGroupArn=stopped)["TargetHealthDescriptions"])
        result, log = self.run_hook()
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertEqual(([], ["no healthy target in " + stopped]), (log["targets"], log["problems"]))

    def test_every_healthy_target_is_asked(self):
        try:
            second = self.serve("wrong-body", host="127.0.0.2")
        except OSError as e:
            self.skipTest("127.0.0.2 is not a local address here: %s" % e)
        self.register(self.green, "127.0.0.2", second.server_address[1])
        result, log = self.run_hook()
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertEqual(["127.0.0.1:%d" % self.port, "127.0.0.2:%d" % second.server_address[1]], log["targets"])
        self.assertEqual(1, len(log["problems"]), log)
        self.assertIn("127.0.0.2:%d/hello: status 200, body 'Hello World!'" % second.server_address[1],
                      log["problems"][0])
        self.assertEqual(["/hello", "/health"], self.task.requests)

    def test_an_elb_error_fails_naming_it(self):
        os.environ["TEST_LISTENER_RULE_ARN"] = self.rule[:-16] + "0123456789abcdef"
        result, log = self.run_hook()
        self.assertEqual({"hookStatus": "FAILED"}, result)
        self.assertEqual((None, []), (log["targetGroup"], log["targets"]))
        self.assertEqual(1, len(log["problems"]), log)
        self.assertRegex(log["problems"][0],
                         r"^RuleNotFoundException: An error occurred \(RuleNotFound\) when calling the DescribeRules")

    def test_in_a_lambda_like_process_the_handler_creates_its_client_and_succeeds(self):
        # As the Lambda runtime runs it: the source as index.py in a fresh interpreter, index.handler(event,
        # context), an environment of only what Lambda sets, moto's endpoint and no configuration files; the
        # client is the handler's own.
        root = tempfile.mkdtemp(prefix="release-check-task-root-")
        self.addCleanup(shutil.rmtree, root)
        shutil.copy(SOURCE, os.path.join(root, "index.py"))
        env = dict(AWS_ENV, PATH=os.environ.get("PATH", "/usr/bin:/bin"), LAMBDA_TASK_ROOT=root,
                   AWS_EXECUTION_ENV="AWS_Lambda_python3.12", AWS_LAMBDA_FUNCTION_NAME="hello-dev-release-check",
                   AWS_ENDPOINT_URL=moto["url"], TEST_LISTENER_RULE_ARN=self.rule, CHECK_TIMEOUT_SECONDS="2")
        run = subprocess.run(
            [sys.executable, "-c", "import index, json, sys\n"
                                   "print(json.dumps(index.handler(json.loads(sys.argv[1]), None)))",
             json.dumps(EVENT)], cwd=root, env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(0, run.returncode, run.stderr)
        log, result = (json.loads(line) for line in run.stdout.splitlines())
        self.assertEqual([], [p[:300] for p in log["problems"]])  # UnknownServiceError lists every service
        self.assertEqual({"hookStatus": "SUCCEEDED"}, result)
        self.assertEqual((self.green, ["127.0.0.1:%d" % self.port]), (log["targetGroup"], log["targets"]))
        self.assertEqual(["/hello", "/health"], self.task.requests)



class SourceTest(unittest.TestCase):

    def test_the_source_fits_in_code_zipfile(self):
        with open(SOURCE, encoding="utf-8") as f:
            self.assertLessEqual(len(f.read()), 4096)


if __name__ == "__main__":
    unittest.main()
