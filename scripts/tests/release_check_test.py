"""Tests of the blue/green release check (cfn-gen/src/main/resources/dev/hellostack/cfn/stacks/release_check.py,
embedded in templates/service.yaml as the ReleaseCheckFunction's Code.ZipFile), run as code: the handler
against a real HTTP server on 127.0.0.1 playing the new revision's task, and a fake Elastic Load Balancing
client answering DescribeRules and DescribeTargetHealth in the shapes the ELB API reference documents."""
import http.server
import importlib.util
import io
import json
import os
import threading
import time
import unittest
from contextlib import redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "..", "..", "cfn-gen", "src", "main", "resources", "dev", "hellostack", "cfn", "stacks",
                      "release_check.py")
spec = importlib.util.spec_from_file_location("release_check", SOURCE)
release_check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(release_check)

RULE = "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/hello-dev/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
TG_A = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/hello-dev/73e2d6bc24d8a067"
TG_B = "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/hello-a-AlternateT-1X2Y3Z/0123456789abcdef"
EVENT = {"executionId": "e8d5a28f-0000-0000-0000-000000000000", "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
         "resourceArn": "arn:aws:ecs:us-east-1:000000000000:service-deployment/hello-dev/svc/EZe5RNVLH6PPzHXINuP28",
         "executionDetails": {"testTrafficWeights": {}, "productionTrafficWeights": {}}}


class Task(http.server.BaseHTTPRequestHandler):
    """The new revision's task; the server's `behaviour` says how it answers."""

    def do_GET(self):
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


class FakeElb:
    """DescribeRules / DescribeTargetHealth responses as boto3 returns them (ELB API reference: Rule.Actions[].
    ForwardConfig.TargetGroups[] with TargetGroupArn and Weight; TargetHealthDescriptions[] with Target {Id, Port}
    and TargetHealth {State})."""

    def __init__(self, weights, health):
        self.weights, self.health, self.calls = weights, health, []

    def describe_rules(self, RuleArns):
        self.calls.append(("describe_rules", RuleArns))
        groups = [{"TargetGroupArn": arn, "Weight": w} for arn, w in self.weights]
        return {"Rules": [{"RuleArn": RuleArns[0], "Priority": "10", "IsDefault": False,
                           "Actions": [{"Type": "forward", "Order": 1, "ForwardConfig": {"TargetGroups": groups}}]}]}

    def describe_target_health(self, TargetGroupArn):
        self.calls.append(("describe_target_health", TargetGroupArn))
        return {"TargetHealthDescriptions": [
            {"Target": {"Id": ip, "Port": port}, "TargetHealth": {"State": state}}
            for ip, port, state in self.health.get(TargetGroupArn, [])]}


class ReleaseCheckTest(unittest.TestCase):

    def setUp(self):
        os.environ["TEST_LISTENER_RULE_ARN"] = RULE
        release_check.TIMEOUT = 0.5
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Task)
        self.server.daemon_threads = True
        self.server.behaviour = "pass"
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()

    def run_hook(self, elb):
        out = io.StringIO()
        with redirect_stdout(out):
            result = release_check.handler(EVENT, None, elb=elb)
        return result, json.loads(out.getvalue())

    def green_elb(self):
        # TEST_TRAFFIC_SHIFT weighed the test rule 100 on group B: B is the new revision.
        return FakeElb([(TG_A, 0), (TG_B, 100)], {
            TG_A: [("127.0.0.2", self.port, "healthy")],
            TG_B: [("127.0.0.1", self.port, "healthy"), ("127.0.0.3", self.port, "draining")]})

    def test_pass_checks_the_healthy_targets_of_the_test_rules_group(self):
        elb = self.green_elb()
        result, log = self.run_hook(elb)
        self.assertEqual({"hookStatus": "SUCCEEDED"}, result)
        self.assertEqual([("describe_rules", [RULE]), ("describe_target_health", TG_B)], elb.calls)
        self.assertEqual(TG_B, log["targetGroup"])
        self.assertEqual(["127.0.0.1:%d" % self.port], log["targets"])
        self.assertEqual([], log["problems"])

    def test_wrong_body_fails(self):
        self.server.behaviour = "wrong-body"
        result, log = self.run_hook(self.green_elb())
        self.assertEqual({"hookStatus": "FAILED"}, result)
        self.assertEqual(1, len(log["problems"]), log)
        self.assertIn("/hello: status 200, body 'Hello World!'", log["problems"][0])

    def test_health_not_up_fails(self):
        self.server.behaviour = "draining"
        result, log = self.run_hook(self.green_elb())
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertIn("/health: status 200", log["problems"][0])

    def test_5xx_fails(self):
        self.server.behaviour = "5xx"
        result, log = self.run_hook(self.green_elb())
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertEqual(2, len(log["problems"]), log)
        self.assertIn("/hello: status 500", log["problems"][0])
        self.assertIn("/health: status 500", log["problems"][1])

    def test_an_error_status_fails_even_with_the_right_body(self):
        self.server.behaviour = "5xx-right-body"
        result, log = self.run_hook(self.green_elb())
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertIn("/hello: status 503, body 'Hello world'", log["problems"][0])

    def test_timeout_fails_within_the_timeout(self):
        self.server.behaviour = "timeout"
        started = time.monotonic()
        result, log = self.run_hook(self.green_elb())
        self.assertLess(time.monotonic() - started, 1.4 * 2)
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertIn("timed out", log["problems"][0])

    def test_refused_connection_fails(self):
        elb = FakeElb([(TG_B, 100), (TG_A, 0)], {TG_B: [("127.0.0.1", 1, "healthy")]})
        result, log = self.run_hook(elb)
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertIn("127.0.0.1:1/hello", log["problems"][0])

    def test_no_healthy_target_fails(self):
        elb = FakeElb([(TG_A, 100), (TG_B, 0)], {TG_A: [("127.0.0.1", self.port, "unhealthy")]})
        result, log = self.run_hook(elb)
        self.assertEqual("FAILED", result["hookStatus"])
        self.assertEqual(["no healthy target in " + TG_A], log["problems"])

    def test_an_elb_error_fails_instead_of_raising(self):
        class Broken(FakeElb):
            def describe_rules(self, RuleArns):
                raise RuntimeError("AccessDenied")
        result, log = self.run_hook(Broken([], {}))
        self.assertEqual({"hookStatus": "FAILED"}, result)
        self.assertEqual(["RuntimeError: AccessDenied"], log["problems"])

    def test_the_source_fits_in_code_zipfile(self):
        with open(SOURCE, encoding="utf-8") as f:
            self.assertLessEqual(len(f.read()), 4096)


if __name__ == "__main__":
    unittest.main()
