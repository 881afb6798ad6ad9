package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** What the committed templates do, one behaviour per test. */
class StacksTest {

    private static JsonNode resource(String env, String stack, String id) {
        JsonNode r = TemplateFiles.of(env, stack).path("Resources").path(id);
        assertFalse(r.isMissingNode(), env + "/" + stack + " has no " + id);
        return r;
    }

    private static Map<String, String> containerEnvironment(String env) {
        Map<String, String> out = new TreeMap<>();
        for (JsonNode e : resource(env, "service", "TaskDefinition").path("Properties").path("ContainerDefinitions").get(0)
                .path("Environment")) {
            out.put(e.path("Name").asText(), e.path("Value").asText());
        }
        return out;
    }

    /**
     * A resource with a fixed name that CloudFormation keeps when its stack goes must still be deleted when the
     * stack operation that created it rolls back ("RetainExceptOnCreate ... If the stack operation that created
     * the resource is rolled back, CloudFormation deletes the resource", DeletionPolicy attribute): with Retain, a
     * failed first create keeps the access-log bucket (or a key), and every retry fails on "already exists".
     */
    @Test
    void whatIsKeptWhenAStackGoesIsDeletedWhenItsFirstCreateRollsBack() {
        List<String> kept = new ArrayList<>();
        TemplateFiles.all().forEach((file, t) -> t.path("Resources").properties().forEach(r -> {
            String policy = r.getValue().path("DeletionPolicy").asText("Delete");
            if (!policy.equals("Delete")) {
                kept.add(file + " " + r.getKey());
                assertEquals("RetainExceptOnCreate", policy, file + " " + r.getKey());
            }
        }));
        assertTrue(kept.containsAll(List.of("ecr.yaml Repository", "prod/alb.yaml AccessLogsBucket",
                "prod/service.yaml LogsKey", "prod/network.yaml LogsKey", "dev/service.yaml LogGroup")), kept.toString());
    }

    /**
     * A new service starts one task, below MinCapacity in prod, and its scalable target is created only after the
     * service resource completes: a deployment alarm on the task count would roll back its first deployment, which
     * has nothing to roll back to. The deployment alarms watch only traffic the tasks answer (no data while none
     * flows is not breaching); the task-count alarm compares with the desired count and only notifies.
     */
    /**
     * What prod runs is never expired, however many images main pushes after it: deploy-stacks.sh tags the
     * promoted images prod-<tag>, and a rule that selects them comes before the rule that keeps only the newest
     * tagged images ("An image that matches the tagging requirements of a higher priority rule cannot be
     * expired by a rule with a lower priority", ECR User Guide, lifecycle policy evaluation rules).
     */
    @Test
    void theImagesPromotedToProdComeFirstInTheLifecyclePolicy() throws Exception {
        JsonNode rules = TemplateFiles.YAML.readTree(TemplateFiles.read("templates/ecr.yaml").path("Resources")
                .path("Repository").path("Properties").path("LifecyclePolicy").path("LifecyclePolicyText").asText())
                .path("rules");
        int promoted = Integer.MAX_VALUE;
        int countedTagged = Integer.MAX_VALUE;
        for (JsonNode rule : rules) {
            String patterns = rule.path("selection").path("tagPatternList").toString();
            if (patterns.equals("[\"prod-*\"]")) {
                promoted = rule.path("rulePriority").asInt();
                assertTrue(rule.path("selection").path("countNumber").asInt() >= 3, "at least one promotion's three images");
            } else if (patterns.contains("\"*\"")) {
                countedTagged = Math.min(countedTagged, rule.path("rulePriority").asInt());
            }
        }
        assertTrue(promoted < countedTagged, "the prod-* rule first: " + rules);
        assertTrue(Files.readString(TemplateFiles.ROOT.resolve("scripts/ci/deploy-stacks.sh"))
                .contains("image_tag_add \"$repository\" \"$tag\" \"$DEPLOY_ENV-$tag\""), "the tag the deploy gives");
    }

    @Test
    void aNewServicesFirstDeploymentCannotTripItsOwnDeploymentAlarms() {
        for (Environment env : Environments.all()) {
            JsonNode service = resource(env.name(), "service", "Service").path("Properties");
            assertTrue(service.path("DesiredCount").isMissingNode(), "autoscaling owns the task count");
            List<String> rollbackAlarms = TemplateFiles.texts(service.path("DeploymentConfiguration").path("Alarms")
                    .path("AlarmNames"));
            assertEquals(List.of(env.prefix() + "-Target5xx", env.prefix() + "-UnhealthyHosts",
                    env.prefix() + "-ResponseTimeP99"), rollbackAlarms);
            TemplateFiles.resources(TemplateFiles.of(env.name(), "service"), "AWS::CloudWatch::Alarm").forEach((id, alarm) -> {
                JsonNode p = alarm.path("Properties");
                assertEquals("notBreaching", p.path("TreatMissingData").asText(), id);
                assertTrue(p.path("Threshold").isNumber(), id + ": a fixed threshold, not the task count");
                String metrics = p.path("Metrics").toString();
                if (rollbackAlarms.contains(p.path("AlarmName").asText())) {
                    assertTrue(metrics.contains("AWS/ApplicationELB") && !metrics.contains("TaskCount"), id);
                } else {
                    assertEquals("TasksBelowDesiredAlarm", id);
                    assertTrue(metrics.contains("DesiredTaskCount") && metrics.contains("RunningTaskCount"), metrics);
                }
            });
        }
    }

    /**
     * ECS's load-balancer role does what the AWS managed policy AmazonECSInfrastructureRolePolicyForLoadBalancers
     * (v6) allows, ModifyListener included, on our resources only; the permissions boundary allows it too.
     */
    @Test
    void theLoadBalancerRoleMayModifyTheListenerAndTheBoundaryLetsIt() {
        for (Environment env : Environments.all()) {
            JsonNode role = TemplateFiles.of(env.name(), "service");
            List<String> actions = new ArrayList<>();
            TemplateFiles.statements(role, "LoadBalancerInfrastructureRole")
                    .forEach((sid, s) -> actions.addAll(TemplateFiles.texts(s.path("Action"))));
            for (String action : List.of("elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule",
                    "elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets",
                    "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth")) {
                assertTrue(actions.contains(action), env.name() + ": the role lacks " + action);
                JsonNode boundary = TemplateFiles.of(env.name(), "gitlab-oidc").path("Resources")
                        .path("WorkloadPermissionsBoundary").path("Properties").path("PolicyDocument").path("Statement");
                assertTrue(ExecutionRoleTest.allowedBy(boundary, action), env.name() + ": the boundary blocks " + action);
            }
        }
    }

    /**
     * ALB user guide, "Enable access logs for your Application Load Balancer", step 2: in "Regions available before
     * August 2022" the bucket policy names "the ID of the AWS account for Elastic Load Balancing for your Region";
     * in "Regions available as of August 2022 or later", the service principal logdelivery.elasticloadbalancing.
     */
    @Test
    void accessLogsAreDeliveredByTheRegionsElbAccountOrTheServicePrincipal() {
        JsonNode alb = TemplateFiles.of("prod", "alb");
        JsonNode map = alb.path("Mappings").path("ElbLogDelivery");
        assertEquals("127311923021", map.path("us-east-1").path("Account").asText());
        assertEquals("156460612806", map.path("eu-west-1").path("Account").asText());
        assertEquals("048591011584", map.path("us-gov-west-1").path("Account").asText());
        assertEquals("", map.path("eu-central-2").path("Account").asText());
        assertEquals("", map.path("ap-southeast-7").path("Account").asText());
        JsonNode principal = alb.path("Resources").path("AccessLogsBucketPolicy").path("Properties").path("PolicyDocument")
                .path("Statement").get(1).path("Principal").path("Fn::If");
        assertEquals("ElbAccountDeliversLogs", principal.get(0).asText());
        assertTrue(principal.get(1).toString().contains("FindInMap"), principal.toString());
        assertEquals("logdelivery.elasticloadbalancing.amazonaws.com", principal.get(2).path("Service").asText());
        assertTrue(alb.path("Conditions").path("ElbAccountDeliversLogs").toString()
                .contains("{\"Fn::FindInMap\":[\"ElbLogDelivery\",{\"Ref\":\"AWS::Region\"},\"Account\"]}"));
        assertTrue(TemplateFiles.of("dev", "alb").path("Resources").path("AccessLogsBucket").isMissingNode(),
                "dev writes no access logs and has no bucket");
    }

    /**
     * Blue/green alternates production between the two target groups, so request-count scaling on one fixed group
     * would see nothing after every other release and scale in: it sums the per-target request count of both.
     */
    @Test
    void requestCountScalingWatchesBothTargetGroups() {
        for (Environment env : Environments.all()) {
            JsonNode config = resource(env.name(), "service", "RequestCountScalingPolicy").path("Properties")
                    .path("TargetTrackingScalingPolicyConfiguration");
            assertTrue(config.path("PredefinedMetricSpecification").isMissingNode(), "no ALBRequestCountPerTarget on one group");
            String metrics = config.path("CustomizedMetricSpecification").path("Metrics").toString();
            assertTrue(metrics.contains(env.prefix() + "-TargetGroupFullName"), metrics);
            assertTrue(metrics.contains(env.prefix() + "-AlternateTargetGroupFullName"), metrics);
            assertTrue(metrics.contains("FILL(tg, 0) + FILL(alt, 0)"), metrics);
        }
    }

    /**
     * ECS rewrites the rules' weights on every release. CloudFormation writes the weights the pipeline read from
     * the live rules (LiveProductionTargetGroup, LiveTestTargetGroup), so a stack update never moves production;
     * and the rules sit on one serving listener whatever the protocol, so adding HTTPS changes that listener in
     * place and replaces no rule whose ARN the service stack imports.
     */
    @Test
    void theListenerRulesCarryTheLiveWeightsOnOneServingListener() {
        for (Environment env : Environments.all()) {
            JsonNode alb = TemplateFiles.of(env.name(), "alb");
            for (String rule : List.of("ProductionListenerRule", "TestListenerRule")) {
                JsonNode p = alb.path("Resources").path(rule).path("Properties");
                assertEquals("{\"Ref\":\"ServingListener\"}", p.path("ListenerArn").toString());
                JsonNode groups = p.path("Actions").get(0).path("ForwardConfig").path("TargetGroups");
                String condition = rule.startsWith("Production") ? "ProductionOnAlternateTargetGroup"
                        : "TestOnAlternateTargetGroup";
                assertEquals("{\"Fn::If\":[\"" + condition + "\",0,100]}", groups.get(0).path("Weight").toString());
                assertEquals("{\"Fn::If\":[\"" + condition + "\",100,0]}", groups.get(1).path("Weight").toString());
            }
            String live = alb.path("Conditions").toString();
            assertTrue(live.contains("{\"Ref\":\"LiveProductionTargetGroup\"},\"AlternateTargetGroup\""), live);
            assertTrue(live.contains("{\"Ref\":\"LiveTestTargetGroup\"},\"AlternateTargetGroup\""), live);
        }
        JsonNode https = resource("prod", "alb", "ServingListener").path("Properties");
        assertEquals("HTTPS", https.path("Protocol").asText());
        assertEquals("[\"ServingListener\"]", resource("prod", "alb", "HttpRedirectListener").path("DependsOn").toString());
        assertEquals("HTTP", resource("dev", "alb", "ServingListener").path("Properties").path("Protocol").asText());
    }

    /** The certificate covers the host name, not the load balancer's DNS name: prod is reached and checked at DomainName. */
    @Test
    void prodIsReachedAtItsDomainName() {
        JsonNode alb = TemplateFiles.of("prod", "alb");
        assertEquals("https://${DomainName}", alb.path("Outputs").path("LoadBalancerUrl").path("Value").path("Fn::Sub").asText());
        assertFalse(alb.path("Parameters").path("DomainName").has("Default"), "required");
        assertEquals("http://${LoadBalancer.DNSName}",
                TemplateFiles.of("dev", "alb").path("Outputs").path("LoadBalancerUrl").path("Value").path("Fn::Sub").asText());
    }

    @Test
    void privateSubnetsHaveNoRouteOutAndTheS3EndpointAllowsOnlyTheLayerBucket() {
        for (Environment env : Environments.all()) {
            JsonNode network = TemplateFiles.of(env.name(), "network");
            TemplateFiles.resources(network, "AWS::EC2::Route").forEach((id, route) ->
                    assertEquals("{\"Ref\":\"PublicRouteTable\"}", route.path("Properties").path("RouteTableId").toString(), id));
            assertTrue(TemplateFiles.resources(network, "AWS::EC2::NatGateway").isEmpty());
            assertEquals(List.of("arn:${AWS::Partition}:s3:::prod-${AWS::Region}-starport-layer-bucket/*"),
                    TemplateFiles.texts(network.path("Resources").path("S3GatewayEndpoint").path("Properties")
                            .path("PolicyDocument").path("Statement").get(0).path("Resource")));
            assertEquals(List.of("10." + (env.name().equals("dev") ? "1" : "0") + ".4.0/24"),
                    TemplateFiles.texts(network.path("Resources").path("PrivateSubnet1").path("Properties").path("CidrBlock")));
        }
    }

    @Test
    void theLoadBalancerClosesIdleConnectionsBeforeTheServerDoes() {
        for (Environment env : Environments.all()) {
            int alb = 0;
            for (JsonNode a : resource(env.name(), "alb", "LoadBalancer").path("Properties").path("LoadBalancerAttributes")) {
                if (a.path("Key").asText().equals("idle_timeout.timeout_seconds")) {
                    alb = a.path("Value").asInt();
                }
            }
            int server = Integer.parseInt(containerEnvironment(env.name()).get("IDLE_TIMEOUT_SECONDS"));
            assertEquals(AlbStack.IDLE_TIMEOUT_SECONDS, alb);
            assertTrue(server > alb, "the server's idle timeout " + server + " must exceed the load balancer's " + alb);
        }
    }

    @Test
    void theContainerRunsAsNonRootReadOnlyAndOutlivesTheServersShutdown() {
        JsonNode container = resource("prod", "service", "TaskDefinition").path("Properties").path("ContainerDefinitions").get(0);
        assertEquals(ServiceStack.CONTAINER_USER, container.path("User").asText());
        assertTrue(container.path("ReadonlyRootFilesystem").asBoolean());
        int shutdown = Integer.parseInt(containerEnvironment("prod").get("SHUTDOWN_TIMEOUT_SECONDS"));
        assertTrue(container.path("StopTimeout").asInt() > shutdown, "ECS's SIGKILL comes after the server's own deadline");
        assertEquals("${RepositoryUri}:${ImageTag}", TemplateFiles.texts(container.path("Image")).get(0));
        assertTrue(container.path("Image").toString().contains("hello-RepositoryUri"), "the shared repository");
    }

    @Test
    void theReleaseCheckIsTheTestedCodeUsingTheElbv2Client() throws Exception {
        String code = resource("dev", "service", "ReleaseCheckFunction").path("Properties").path("Code").path("ZipFile").asText();
        String file = Files.readString(TemplateFiles.ROOT.resolve(
                "cfn-gen/release-check/release_check.py"));
        assertEquals(file, code);
        assertTrue(code.contains("boto3.client(\"elbv2\")"), "botocore knows elbv2, not elasticloadbalancing");
    }
}
