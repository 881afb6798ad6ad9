package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hellostack.cfn.model.Template;
import dev.hellostack.cfn.model.TemplateWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each stack promises, asserted on the generated template (read back from its YAML). */
class StacksTest {

    private static final ObjectMapper YAML = new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());

    /** Rejects a JSON object with the same key twice (IAM would silently keep only one). */
    private static final ObjectMapper STRICT_JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static JsonNode yaml(Stack stack) throws Exception {
        return YAML.readTree(TemplateWriter.toYaml(stack.template()));
    }

    private static JsonNode props(JsonNode template, String resource) {
        return template.path("Resources").path(resource).path("Properties");
    }

    @Test
    void ecrRepositoryIsImmutableScannedAndRetained() throws Exception {
        JsonNode t = yaml(new EcrStack());
        JsonNode repo = t.path("Resources").path("Repository");
        assertEquals("Retain", repo.path("DeletionPolicy").asText());
        assertEquals("IMMUTABLE", repo.path("Properties").path("ImageTagMutability").asText());
        assertTrue(repo.path("Properties").path("ImageScanningConfiguration").path("ScanOnPush").asBoolean());
        String text = repo.path("Properties").path("LifecyclePolicy").path("LifecyclePolicyText").path("Fn::Sub").asText();
        JsonNode policy = new ObjectMapper().readTree(text.replace("${KeepTaggedImages}", "30"));
        JsonNode untagged = policy.path("rules").get(0).path("selection");
        assertEquals("untagged", untagged.path("tagStatus").asText());
        assertEquals(7, untagged.path("countNumber").asInt());
        assertEquals(30, policy.path("rules").get(1).path("selection").path("countNumber").asInt());
    }

    @Test
    void privateSubnetsHaveNoRouteOutAndS3EndpointAllowsOnlyTheLayerBucket() throws Exception {
        JsonNode t = yaml(new NetworkStack());
        t.path("Resources").properties().forEach(e -> {
            String type = e.getValue().path("Type").asText();
            assertFalse(type.equals("AWS::EC2::NatGateway"), "no NAT gateway");
            if (type.equals("AWS::EC2::Route")) {
                assertEquals("PublicRouteTable", e.getValue().path("Properties").path("RouteTableId").path("Ref").asText(),
                        e.getKey() + " routes a private route table out");
            }
            if (type.equals("AWS::EC2::Subnet")) {
                assertFalse(e.getValue().path("Properties").path("MapPublicIpOnLaunch").asBoolean(true), e.getKey());
            }
        });
        JsonNode statements = props(t, "S3GatewayEndpoint").path("PolicyDocument").path("Statement");
        assertEquals(1, statements.size());
        assertEquals("[\"s3:GetObject\"]", statements.get(0).path("Action").toString());
        assertEquals("arn:${AWS::Partition}:s3:::prod-${AWS::Region}-starport-layer-bucket/*",
                statements.get(0).path("Resource").get(0).path("Fn::Sub").asText());
        for (String endpoint : List.of("EcrApiEndpoint", "EcrDkrEndpoint", "LogsEndpoint")) {
            assertTrue(props(t, endpoint).path("PrivateDnsEnabled").asBoolean(), endpoint);
        }
    }

    @Test
    void loadBalancerClosesIdleConnectionsBeforeTheServer() throws Exception {
        JsonNode t = yaml(new AlbStack());
        int albIdle = 0;
        for (JsonNode attribute : props(t, "LoadBalancer").path("LoadBalancerAttributes")) {
            if (attribute.path("Key").asText().equals("idle_timeout.timeout_seconds")) {
                albIdle = attribute.path("Value").asInt();
            }
        }
        assertEquals(60, albIdle);
        assertTrue(ServiceStack.IDLE_TIMEOUT_SECONDS > albIdle);
        JsonNode tg = props(t, "TargetGroup");
        assertEquals("/health", tg.path("HealthCheckPath").asText());
        assertEquals("ip", tg.path("TargetType").asText());
        assertEquals("30", tg.path("TargetGroupAttributes").get(0).path("Value").asText());
    }

    @Test
    void httpsListenerAndRedirectExistOnlyWithACertificate() throws Exception {
        JsonNode r = yaml(new AlbStack()).path("Resources");
        assertEquals("NoCertificate", r.path("HttpListener").path("Condition").asText());
        assertEquals("HasCertificate", r.path("HttpRedirectListener").path("Condition").asText());
        assertEquals("HasCertificate", r.path("HttpsListener").path("Condition").asText());
        assertEquals(AlbStack.TLS_POLICY, r.path("HttpsListener").path("Properties").path("SslPolicy").asText());
    }

    @Test
    void containerRunsAsNonRootReadOnlyAndOutlivesTheServersShutdown() throws Exception {
        JsonNode t = yaml(new ServiceStack());
        JsonNode container = props(t, "TaskDefinition").path("ContainerDefinitions").get(0);
        assertEquals("10001", container.path("User").asText());
        assertTrue(container.path("ReadonlyRootFilesystem").asBoolean());
        assertTrue(container.path("StopTimeout").asInt() > ServiceStack.SHUTDOWN_TIMEOUT_SECONDS);
        List<String> env = new ArrayList<>();
        container.path("Environment").forEach(e -> env.add(e.path("Name").asText()));
        assertEquals(List.of("ACCESS_LOG", "HOST", "IDLE_TIMEOUT_SECONDS", "LOG_LEVEL", "PORT", "SHUTDOWN_TIMEOUT_SECONDS"), env);
        assertEquals("DISABLED", props(t, "Service").path("NetworkConfiguration").path("AwsvpcConfiguration")
                .path("AssignPublicIp").asText());
    }

    @Test
    void requestCountScalingUsesBothFullNames() throws Exception {
        JsonNode spec = props(yaml(new ServiceStack()), "RequestCountScalingPolicy")
                .path("TargetTrackingScalingPolicyConfiguration");
        JsonNode join = spec.path("PredefinedMetricSpecification").path("ResourceLabel").path("Fn::Join");
        assertEquals("/", join.get(0).asText());
        assertEquals("${AppName}-${EnvName}-LoadBalancerFullName", join.get(1).get(0).path("Fn::ImportValue").path("Fn::Sub").asText());
        assertEquals("${AppName}-${EnvName}-TargetGroupFullName", join.get(1).get(1).path("Fn::ImportValue").path("Fn::Sub").asText());
        assertTrue(spec.path("ScaleOutCooldown").asInt() < spec.path("ScaleInCooldown").asInt());
    }

    @Test
    void onlyTheDefaultBranchMayDeployAndMergeRequestsCannotExecute() throws Exception {
        JsonNode t = yaml(new GitlabOidcStack());
        String deployTrust = props(t, "DeployRole").path("AssumeRolePolicyDocument").path("Fn::Sub").get(0).asText();
        JsonNode deployCondition = STRICT_JSON.readTree(deployTrust).path("Statement").get(0).path("Condition");
        assertEquals("project_path:${ProjectPath}:ref_type:branch:ref:${DefaultBranch}",
                deployCondition.path("StringEquals").path("${GitLabHost}:sub").asText());
        assertEquals("${Audience}", deployCondition.path("StringEquals").path("${GitLabHost}:aud").asText());
        String changeSetTrust = props(t, "ChangeSetRole").path("AssumeRolePolicyDocument").path("Fn::Sub").get(0).asText();
        assertEquals("project_path:${ProjectPath}:ref_type:branch:ref:*", STRICT_JSON.readTree(changeSetTrust)
                .path("Statement").get(0).path("Condition").path("StringLike").path("${GitLabHost}:sub").asText());
        assertEquals("${Audience}", STRICT_JSON.readTree(changeSetTrust)
                .path("Statement").get(0).path("Condition").path("StringEquals").path("${GitLabHost}:aud").asText());
        String changeSetActions = props(t, "ChangeSetRole").path("Policies").toString();
        assertFalse(changeSetActions.contains("ExecuteChangeSet"));
        assertTrue(props(t, "DeployRole").path("Policies").toString().contains("cloudformation:ExecuteChangeSet"));
    }

    @Test
    void tagPipelinesGetOnlyTheImageTagRoleAndOnlyTheDeployRoleDeletesStacks() throws Exception {
        JsonNode t = yaml(new GitlabOidcStack());
        String tagTrust = props(t, "ImageTagRole").path("AssumeRolePolicyDocument").path("Fn::Sub").get(0).asText();
        JsonNode condition = STRICT_JSON.readTree(tagTrust).path("Statement").get(0).path("Condition");
        assertEquals("project_path:${ProjectPath}:ref_type:tag:ref:${ReleaseTagPattern}",
                condition.path("StringLike").path("${GitLabHost}:sub").asText());
        assertEquals("${Audience}", condition.path("StringEquals").path("${GitLabHost}:aud").asText());
        String tagPolicy = props(t, "ImageTagRole").path("Policies").toString();
        for (String forbidden : List.of("ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload",
                "cloudformation:CreateChangeSet", "iam:PassRole")) {
            assertFalse(tagPolicy.contains(forbidden), "the image-tag role must not have " + forbidden);
        }
        assertTrue(tagPolicy.contains("ecr:PutImage"));
        assertTrue(props(t, "DeployRole").path("Policies").toString().contains("cloudformation:DeleteStack"));
        assertFalse(props(t, "ChangeSetRole").path("Policies").toString().contains("cloudformation:DeleteStack"));
        assertEquals("ImageTagRole", t.path("Outputs").path("ImageTagRoleArn").path("Value").path("Fn::GetAtt").get(0).asText());
    }

    @Test
    void workloadRolesAreNamedWithinTheExecutionRolesPatternAndIamsLimit() throws Exception {
        int longestApp = 20;
        int longestEnv = 10;
        int roles = 0;
        for (Stack stack : Stacks.all()) {
            if (stack.name().equals("gitlab-oidc")) {
                continue;
            }
            var it = yaml(stack).path("Resources").properties().iterator();
            while (it.hasNext()) {
                var r = it.next();
                if (r.getValue().path("Type").asText().equals("AWS::IAM::Role")) {
                    roles++;
                    String name = r.getValue().path("Properties").path("RoleName").path("Fn::Sub").asText();
                    assertTrue(name.startsWith("${AppName}-${EnvName}-"), stack.name() + "/" + r.getKey() + ": " + name);
                    assertEquals(AppEnv.ROLE_PATH, r.getValue().path("Properties").path("Path").path("Fn::Sub").asText(),
                            stack.name() + "/" + r.getKey() + " must live under the app's IAM path");
                    int length = name.length() - "${AppName}".length() - "${EnvName}".length() + longestApp + longestEnv;
                    assertTrue(length <= 64, stack.name() + "/" + r.getKey() + " may be " + length + " characters");
                    assertTrue(stack.template().capabilities().contains("CAPABILITY_NAMED_IAM"), stack.name());
                }
            }
        }
        assertEquals(6, roles, "task execution, task, flow-log, ECS load-balancer, release-check and hook-invoke roles");
    }

    @Test
    void autoscalingOwnsTheTaskCount() throws Exception {
        JsonNode t = yaml(new ServiceStack());
        assertTrue(props(t, "Service").path("DesiredCount").isMissingNode(), "a DesiredCount resets autoscaling on every deploy");
        assertTrue(t.path("Parameters").path("DesiredCount").isMissingNode());
        assertEquals("MinCapacity", props(t, "ScalableTarget").path("MinCapacity").path("Ref").asText());
    }

    @Test
    void loadBalancerDeletionProtectionIsOffInDevAndOnInProd() throws Exception {
        JsonNode t = yaml(new AlbStack());
        assertEquals("false", t.path("Parameters").path("DeletionProtection").path("Default").asText());
        assertEquals("false", Environments.named("dev").parameters("alb").get("DeletionProtection"));
        assertEquals("true", Environments.named("prod").parameters("alb").get("DeletionProtection"));
    }

    @Test
    void executionRoleCannotDeleteImagesNorShedTheBoundary() throws Exception {
        JsonNode t = yaml(new GitlabOidcStack());
        String policy = props(t, "CloudFormationExecutionRole").path("Policies").toString();
        assertFalse(policy.contains("ecr:DeleteRepository"));
        assertFalse(policy.contains("iam:DeleteRolePermissionsBoundary"));
        for (JsonNode statement : props(t, "CloudFormationExecutionRole").path("Policies").get(0)
                .path("PolicyDocument").path("Statement")) {
            if (statement.path("Action").toString().contains("iam:CreateRole")) {
                assertEquals("WorkloadPermissionsBoundary", statement.path("Condition").path("StringEquals")
                        .path("iam:PermissionsBoundary").path("Ref").asText());
            }
        }
        for (Stack stack : Stacks.all()) {
            yaml(stack).path("Resources").properties().forEach(r -> {
                boolean workloadRole = r.getValue().path("Type").asText().equals("AWS::IAM::Role")
                        && !stack.name().equals("gitlab-oidc");
                if (workloadRole) {
                    assertEquals("${AppName}-${EnvName}-PermissionsBoundaryArn", r.getValue().path("Properties")
                            .path("PermissionsBoundary").path("Fn::ImportValue").path("Fn::Sub").asText(),
                            stack.name() + "/" + r.getKey() + " lacks the permissions boundary");
                }
            });
        }
    }

    @Test
    void allResourceWildcardsAreTheOnesAwsRequires() throws Exception {
        for (Stack stack : Stacks.all()) {
            JsonNode t = yaml(stack);
            t.path("Resources").properties().forEach(r -> {
                List<JsonNode> statements = new ArrayList<>();
                r.getValue().path("Properties").path("Policies")
                        .forEach(p -> p.path("PolicyDocument").path("Statement").forEach(statements::add));
                r.getValue().path("Properties").path("PolicyDocument").path("Statement").forEach(statements::add);
                for (JsonNode s : statements) {
                    if (s.path("Effect").asText().equals("Deny")) {
                        continue; // a Deny may be wide: the TLS-only statement denies s3:* without TLS
                    }
                    s.path("Action").forEach(a -> assertFalse(a.asText().contains("*"),
                            stack.name() + "/" + r.getKey() + " allows wildcard action " + a));
                    boolean anyResource = s.path("Resource").toString().contains("\"*\"");
                    if (anyResource && !r.getValue().path("Type").asText().equals("AWS::EC2::VPCEndpoint")) {
                        boolean tagOnCreate = s.path("Condition").path("StringEquals").has("aws:RequestTag/app");
                        for (JsonNode a : s.path("Action")) {
                            String action = a.asText();
                            assertTrue(action.equals("ecr:GetAuthorizationToken")
                                            || tagOnCreate && (action.equals("kms:CreateKey") || action.equals("kms:TagResource"))
                                            || action.matches("[a-z0-9-]+:(Describe|List|Get)[A-Za-z]+")
                                            || action.matches("ecs:(Register|Deregister)TaskDefinition"),
                                    stack.name() + "/" + r.getKey() + " allows " + action + " on *");
                        }
                    }
                }
            });
        }
    }

    @Test
    void everyTemplateFitsInACreateChangeSetCallWithoutS3() {
        for (Stack stack : Stacks.all()) {
            int bytes = TemplateWriter.toYaml(stack.template()).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            assertTrue(bytes <= 51_200, stack.name() + " is " + bytes + " bytes; TemplateBody allows 51,200");
        }
    }

    @Test
    void everyAppStackTakesAppNameAndEnvNameFirst() {
        for (Stack stack : Stacks.all()) {
            Template t = stack.template();
            assertEquals("AppName", t.parameters().get(0).id(), stack.name());
            assertEquals("EnvName", t.parameters().get(1).id(), stack.name());
        }
    }
}
