package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hellostack.cfn.model.TemplateWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Blue/green releases, asserted on the generated alb and service templates: the target groups and listener
 * rules the service names exist and are exported by the alb stack, the ECS load-balancer role may act on
 * exactly them, the release check is wired as the documented hook, and each release alarm has the metric,
 * dimensions and threshold of the model.
 */
class BlueGreenTest {

    private static final ObjectMapper YAML = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());

    private static JsonNode yaml(Stack stack) throws Exception {
        return YAML.readTree(TemplateWriter.toYaml(stack.template()));
    }

    private static JsonNode resource(JsonNode t, String id) {
        JsonNode r = t.path("Resources").path(id);
        assertFalse(r.isMissingNode(), "no resource " + id);
        return r.path("Properties");
    }

    /** "ImportValue of ${AppName}-${EnvName}-X" -> "X". */
    private static String imported(JsonNode node) {
        String name = node.path("Fn::ImportValue").path("Fn::Sub").asText();
        assertTrue(name.startsWith("${AppName}-${EnvName}-"), node.toString());
        return name.substring("${AppName}-${EnvName}-".length());
    }

    /** Export name ("X") -> the alb resource it exports (its Ref). */
    private static Map<String, String> albExports() throws Exception {
        JsonNode outputs = yaml(new AlbStack()).path("Outputs");
        Map<String, String> out = new TreeMap<>();
        outputs.properties().forEach(e -> {
            String export = e.getValue().path("Export").path("Name").path("Fn::Sub").asText();
            String ref = e.getValue().path("Value").path("Ref").asText();
            if (!ref.isEmpty()) {
                out.put(export.substring("${AppName}-${EnvName}-".length()), ref);
            }
        });
        return out;
    }

    @Test
    void theServiceNamesBothTargetGroupsAndBothRulesOfTheAlbStack() throws Exception {
        JsonNode service = yaml(new ServiceStack());
        JsonNode lb = resource(service, "Service").path("LoadBalancers").get(0);
        JsonNode advanced = lb.path("AdvancedConfiguration").path("Fn::If");
        assertEquals("BlueGreen", advanced.get(0).asText());
        assertEquals("AWS::NoValue", advanced.get(2).path("Ref").asText(), "ROLLING has no AdvancedConfiguration");
        Map<String, String> exports = albExports();
        JsonNode bg = advanced.get(1);
        assertEquals("TargetGroup", exports.get(imported(lb.path("TargetGroupArn"))));
        assertEquals("AlternateTargetGroup", exports.get(imported(bg.path("AlternateTargetGroupArn"))));
        assertEquals("ProductionListenerRule", exports.get(imported(bg.path("ProductionListenerRule"))));
        assertEquals("TestListenerRule", exports.get(imported(bg.path("TestListenerRule"))));
        assertEquals("LoadBalancerInfrastructureRole", bg.path("RoleArn").path("Fn::GetAtt").get(0).asText());

        JsonNode alb = yaml(new AlbStack());
        assertEquals("AWS::ElasticLoadBalancingV2::TargetGroup", alb.path("Resources").path("AlternateTargetGroup").path("Type").asText());
        // both target groups answer the same health check on the same port
        for (String key : List.of("TargetType", "Port", "Protocol", "HealthCheckPath", "Matcher", "VpcId")) {
            assertEquals(resource(alb, "TargetGroup").path(key), resource(alb, "AlternateTargetGroup").path(key), key);
        }
    }

    @Test
    void bothRulesForwardOnlyToBothTargetGroupsWithAllWeightOnOne() throws Exception {
        JsonNode alb = yaml(new AlbStack());
        for (String rule : List.of("ProductionListenerRule", "TestListenerRule")) {
            JsonNode actions = resource(alb, rule).path("Actions");
            assertEquals(1, actions.size(), rule);
            assertEquals("forward", actions.get(0).path("Type").asText(), rule + ": ECS fails on non-forward actions");
            JsonNode groups = actions.get(0).path("ForwardConfig").path("TargetGroups");
            assertEquals("TargetGroup", groups.get(0).path("TargetGroupArn").path("Ref").asText());
            assertEquals(100, groups.get(0).path("Weight").asInt());
            assertEquals("AlternateTargetGroup", groups.get(1).path("TargetGroupArn").path("Ref").asText());
            assertEquals(0, groups.get(1).path("Weight").asInt());
        }
        assertTrue(resource(alb, "TestListenerRule").path("Priority").asInt()
                < resource(alb, "ProductionListenerRule").path("Priority").asInt(), "the test rule must be evaluated first");
        assertEquals("/*", resource(alb, "ProductionListenerRule").path("Conditions").get(0)
                .path("PathPatternConfig").path("Values").get(0).asText());
        // the test rule matches only the VPC's own addresses: nobody on the internet reaches the new revision
        JsonNode test = resource(alb, "TestListenerRule").path("Conditions");
        assertEquals(1, test.size());
        assertEquals("source-ip", test.get(0).path("Field").asText());
        assertEquals("VpcCidr", imported(test.get(0).path("SourceIpConfig").path("Values").get(0)));
    }

    @Test
    void theLoadBalancerRoleActsOnExactlyOurTargetGroupsAndRules() throws Exception {
        JsonNode role = resource(yaml(new ServiceStack()), "LoadBalancerInfrastructureRole");
        assertEquals("ecs.amazonaws.com", role.path("AssumeRolePolicyDocument").path("Statement").get(0)
                .path("Principal").path("Service").asText());
        Map<String, List<String>> resourcesByAction = new TreeMap<>();
        for (JsonNode s : role.path("Policies").get(0).path("PolicyDocument").path("Statement")) {
            List<String> resources = new ArrayList<>();
            for (JsonNode r : s.path("Resource")) {
                resources.add(r.isTextual() ? r.asText() : imported(r));
            }
            for (JsonNode a : s.path("Action")) {
                resourcesByAction.put(a.asText(), resources);
            }
        }
        assertEquals(List.of("TargetGroupArn", "AlternateTargetGroupArn"),
                resourcesByAction.get("elasticloadbalancing:RegisterTargets"));
        assertEquals(List.of("TargetGroupArn", "AlternateTargetGroupArn"),
                resourcesByAction.get("elasticloadbalancing:DeregisterTargets"));
        assertEquals(List.of("ProductionListenerRuleArn", "TestListenerRuleArn"),
                resourcesByAction.get("elasticloadbalancing:ModifyRule"));
        for (String action : ServiceStack.LB_READ_ACTIONS) {
            assertEquals(List.of("*"), resourcesByAction.get(action), action);
        }
        assertEquals(3 + ServiceStack.LB_READ_ACTIONS.size(), resourcesByAction.size(), resourcesByAction.toString());
    }

    @Test
    void blueGreenByDefaultWithTheHookAndRollingWithTheCircuitBreaker() throws Exception {
        JsonNode t = yaml(new ServiceStack());
        assertEquals("BLUE_GREEN", t.path("Parameters").path("DeploymentStrategy").path("Default").asText());
        assertEquals(10, t.path("Parameters").path("BakeTimeInMinutes").path("Default").asInt());
        assertEquals(30, t.path("Parameters").path("BakeTimeInMinutes").path("MaxValue").asInt(),
                "the deploy job waits 40 minutes for a release (release-wait.sh)");
        assertEquals("2", Environments.named("dev").parameters("service").get("BakeTimeInMinutes"));
        assertTrue(Environments.named("prod").requiredParameters("service").contains("AlarmTopicArn"));
        JsonNode config = resource(t, "Service").path("DeploymentConfiguration").path("Fn::If");
        JsonNode bg = config.get(1);
        JsonNode rolling = config.get(2);
        assertEquals("BLUE_GREEN", bg.path("Strategy").asText());
        assertEquals("BakeTimeInMinutes", bg.path("BakeTimeInMinutes").path("Ref").asText());
        assertTrue(bg.path("DeploymentCircuitBreaker").isMissingNode(), "the circuit breaker is for rolling updates only");
        JsonNode hook = bg.path("LifecycleHooks").get(0);
        assertEquals("ReleaseCheckFunction", hook.path("HookTargetArn").path("Fn::GetAtt").get(0).asText());
        assertEquals("ReleaseHookInvokeRole", hook.path("RoleArn").path("Fn::GetAtt").get(0).asText());
        assertEquals("[\"POST_TEST_TRAFFIC_SHIFT\"]", hook.path("LifecycleStages").toString());
        assertEquals("ROLLING", rolling.path("Strategy").asText());
        assertTrue(rolling.path("DeploymentCircuitBreaker").path("Rollback").asBoolean());
        for (JsonNode c : List.of(bg, rolling)) {
            JsonNode alarms = c.path("Alarms");
            assertTrue(alarms.path("Enable").asBoolean() && alarms.path("Rollback").asBoolean());
            List<String> names = new ArrayList<>();
            alarms.path("AlarmNames").forEach(n -> names.add(n.path("Fn::Sub").asText()));
            List<String> declared = new ArrayList<>();
            for (ReleaseAlarm a : ReleaseAlarm.all()) {
                declared.add(resource(t, a.id()).path("AlarmName").path("Fn::Sub").asText());
            }
            assertEquals(declared, names, "every release alarm, by the name its resource declares");
        }
        // the hook may invoke exactly the release check
        JsonNode invoke = resource(t, "ReleaseHookInvokeRole").path("Policies").get(0).path("PolicyDocument")
                .path("Statement");
        assertEquals(1, invoke.size());
        assertEquals("[\"lambda:InvokeFunction\"]", invoke.get(0).path("Action").toString());
        assertEquals("ReleaseCheckFunction", invoke.get(0).path("Resource").get(0).path("Fn::GetAtt").get(0).asText());
    }

    /** The deploy job waits long enough for the longest bake time, and ends inside the role's one-hour session. */
    @Test
    void theDeployJobWaitsLongEnoughForTheLongestBakeTime() throws Exception {
        String script = Files.readString(Path.of("../scripts/ci/release-wait.sh"), StandardCharsets.UTF_8);
        java.util.regex.Matcher attempts = java.util.regex.Pattern.compile("RELEASE_WAIT_ATTEMPTS:-(\\d+)").matcher(script);
        java.util.regex.Matcher delay = java.util.regex.Pattern.compile("RELEASE_WAIT_DELAY_SECONDS:-(\\d+)").matcher(script);
        assertTrue(attempts.find() && delay.find(), "release-wait.sh defaults not found");
        int minutes = Integer.parseInt(attempts.group(1)) * Integer.parseInt(delay.group(1)) / 60;
        assertTrue(minutes >= ServiceStack.MAX_BAKE_MINUTES + 10, minutes + " minutes leave no room for the check and draining");
        assertTrue(minutes <= 45, minutes + " minutes outlast the deploy role's one-hour session after the stack updates");
    }

    @Test
    void theReleaseCheckRunsTheTestedCodeInThePrivateSubnets() throws Exception {
        JsonNode fn = resource(yaml(new ServiceStack()), "ReleaseCheckFunction");
        String source = Files.readString(Path.of("src/main/resources/dev/hellostack/cfn/stacks/release_check.py"),
                StandardCharsets.UTF_8);
        assertEquals(source, fn.path("Code").path("ZipFile").asText(), "the template embeds release_check.py unchanged");
        assertEquals("index.handler", fn.path("Handler").asText());
        assertTrue(fn.path("Runtime").asText().startsWith("python3."));
        assertEquals("PrivateSubnetIds", imported(fn.path("VpcConfig").path("SubnetIds").path("Fn::Split").get(1)));
        assertEquals("ReleaseCheckSecurityGroup", fn.path("VpcConfig").path("SecurityGroupIds").get(0).path("Ref").asText());
        assertEquals("TestListenerRuleArn", imported(fn.path("Environment").path("Variables").path("TEST_LISTENER_RULE_ARN")));
        JsonNode ingress = resource(yaml(new ServiceStack()), "TaskIngressFromReleaseCheck");
        assertEquals(AlbStack.APP_PORT, ingress.path("FromPort").asInt());
        assertEquals("ReleaseCheckSecurityGroup", ingress.path("SourceSecurityGroupId").path("Ref").asText());
        assertTrue(NetworkStack.INTERFACE_ENDPOINTS.contains("elasticloadbalancing"), "the check finds the new tasks through ELB");
    }

    @Test
    void eachAlarmHasItsMetricDimensionsAndThreshold() throws Exception {
        JsonNode t = yaml(new ServiceStack());
        Map<String, String> expected = Map.of(
                "Target5xxAlarm", "HTTPCode_Target_5XX_Count Sum SUM GreaterThanOrEqualToThreshold 5 1",
                "UnhealthyHostsAlarm", "UnHealthyHostCount Maximum MAX GreaterThanOrEqualToThreshold 1 2",
                "ResponseTimeP99Alarm", "TargetResponseTime p99 MAX GreaterThanThreshold 1 3");
        expected.forEach((id, spec) -> {
            JsonNode a = resource(t, id);
            String[] p = spec.split(" ");
            JsonNode metrics = a.path("Metrics");
            assertEquals(3, metrics.size(), id);
            assertTrue(metrics.get(0).path("Expression").asText().startsWith(p[2] + "("), id);
            assertTrue(metrics.get(0).path("ReturnData").asBoolean(), id);
            List<String> groups = new ArrayList<>();
            for (JsonNode m : List.of(metrics.get(1), metrics.get(2))) {
                JsonNode stat = m.path("MetricStat");
                assertEquals("AWS/ApplicationELB", stat.path("Metric").path("Namespace").asText(), id);
                assertEquals(p[0], stat.path("Metric").path("MetricName").asText(), id);
                assertEquals(p[1], stat.path("Stat").asText(), id);
                assertEquals(60, stat.path("Period").asInt(), id);
                JsonNode dims = stat.path("Metric").path("Dimensions");
                assertEquals("LoadBalancer", dims.get(0).path("Name").asText());
                assertEquals("LoadBalancerFullName", imported(dims.get(0).path("Value")));
                assertEquals("TargetGroup", dims.get(1).path("Name").asText());
                groups.add(imported(dims.get(1).path("Value")));
            }
            assertEquals(List.of("TargetGroupFullName", "AlternateTargetGroupFullName"), groups,
                    id + " must watch both target groups: blue and green swap every release");
            assertEquals(p[3], a.path("ComparisonOperator").asText(), id);
            assertEquals(Integer.parseInt(p[4]), a.path("Threshold").asInt(), id);
            assertEquals(Integer.parseInt(p[5]), a.path("EvaluationPeriods").asInt(), id);
            assertEquals("notBreaching", a.path("TreatMissingData").asText(), id);
        });
        JsonNode tasks = resource(t, "RunningTasksAlarm");
        assertEquals("ECS/ContainerInsights", tasks.path("Namespace").asText());
        assertEquals("RunningTaskCount", tasks.path("MetricName").asText());
        assertEquals("LessThanThreshold", tasks.path("ComparisonOperator").asText());
        assertEquals("MinCapacity", tasks.path("Threshold").path("Ref").asText());
        assertEquals("ClusterName", tasks.path("Dimensions").get(0).path("Name").asText());
        assertEquals("ServiceName", tasks.path("Dimensions").get(1).path("Name").asText());
        assertEquals("Service", tasks.path("Dimensions").get(1).path("Value").path("Fn::GetAtt").get(0).asText());
        for (ReleaseAlarm a : ReleaseAlarm.all()) {
            JsonNode actions = resource(t, a.id()).path("AlarmActions").path("Fn::If");
            assertEquals("HasAlarmTopic", actions.get(0).asText(), a.id());
            assertEquals("AlarmTopicArn", actions.get(1).get(0).path("Ref").asText(), a.id());
        }
        assertEquals(expected.size() + 1, ReleaseAlarm.all().size());
    }
}
