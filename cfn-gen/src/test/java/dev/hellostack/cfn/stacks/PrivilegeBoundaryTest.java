package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hellostack.cfn.check.ResourceSpec;
import dev.hellostack.cfn.check.TemplateChecks;
import dev.hellostack.cfn.model.TemplateWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One test per privilege boundary of the generated policies, read as an attacker who controls a merge
 * to main (the deploy role and, through CloudFormation, the execution role) or a merge-request branch
 * (the change-set role).
 */
class PrivilegeBoundaryTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonNode template(Stack stack) throws Exception {
        return YAML.readTree(TemplateWriter.toYaml(stack.template()));
    }

    private static Map<String, JsonNode> statements(String role) throws Exception {
        Map<String, JsonNode> bySid = new LinkedHashMap<>();
        for (JsonNode s : template(new GitlabOidcStack()).path("Resources").path(role).path("Properties").path("Policies")
                .get(0).path("PolicyDocument").path("Statement")) {
            bySid.put(s.path("Sid").asText(), s);
        }
        return bySid;
    }

    private static List<String> texts(JsonNode node) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : node) {
            out.add(n.has("Fn::Sub") ? n.path("Fn::Sub").asText() : n.isTextual() ? n.asText() : n.toString());
        }
        return out;
    }

    private static final Pattern ACCOUNT_WIDE = Pattern.compile("^arn:[^:]+:[^:]+:[^:]*:[^:]*:\\*$");

    @Test
    void theExecutionRoleNamesNoAccountWideResource() throws Exception {
        for (Map.Entry<String, JsonNode> s : statements("CloudFormationExecutionRole").entrySet()) {
            for (String resource : texts(s.getValue().path("Resource"))) {
                assertFalse(ACCOUNT_WIDE.matcher(resource).matches(), s.getKey() + " acts on " + resource);
                assertFalse(resource.matches(".*:(ec2|elasticloadbalancing):.*:\\*"), s.getKey() + " acts on " + resource);
            }
        }
    }

    @Test
    void everyEc2AndElbCreateNeedsOurTagsAndEveryChangeNeedsThemOnTheResource() throws Exception {
        Map<String, JsonNode> all = statements("CloudFormationExecutionRole");
        for (JsonNode s : all.values()) {
            List<String> actions = texts(s.path("Action"));
            boolean ec2OrElb = actions.stream().anyMatch(a -> a.startsWith("ec2:") && !a.startsWith("ec2:Describe")
                    || a.startsWith("elasticloadbalancing:") && !a.startsWith("elasticloadbalancing:Describe"));
            if (!ec2OrElb || s.path("Sid").asText().equals("RulesInsideOurSecurityGroups")
                    || s.path("Sid").asText().equals("ListenersOfOurLoadBalancer")
                    || s.path("Sid").asText().equals("ListenerRulesOfOurLoadBalancer")) {
                continue;
            }
            JsonNode equals = s.path("Condition").path("StringEquals");
            String key = equals.has("aws:RequestTag/app") ? "aws:RequestTag" : "aws:ResourceTag";
            assertEquals("${AppName}", equals.path(key + "/app").path("Fn::Sub").asText(), s.path("Sid").asText());
            assertEquals("${EnvName}", equals.path(key + "/env").path("Fn::Sub").asText(), s.path("Sid").asText());
            if (key.equals("aws:RequestTag") && !s.path("Sid").asText().equals("TagOnlyWhileCreating")) {
                // a tag-on-create statement names only the type it creates, never a parent it acts on
                List<String> resources = texts(s.path("Resource"));
                assertTrue(resources.size() <= 2, s.path("Sid").asText() + " names " + resources);
            }
        }
        // the create of a subnet is allowed only on subnet/* with request tags: a subnet in another workload's
        // VPC needs that VPC's tags, which only ChangeAndDeleteOnlyOurNetworkResources grants
        assertEquals(List.of("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/*"),
                texts(all.get("TaggedSubnetOnly").path("Resource")));
        assertTrue(texts(all.get("ChangeAndDeleteOnlyOurNetworkResources").path("Action")).contains("ec2:DeleteVpc"));
    }

    @Test
    void loadBalancerAndTargetGroupAreNamedForThisAppAndEnvironment() throws Exception {
        JsonNode alb = template(new AlbStack()).path("Resources");
        assertEquals("${AppName}-${EnvName}", alb.path("LoadBalancer").path("Properties").path("Name").path("Fn::Sub").asText());
        assertEquals("${AppName}-${EnvName}", alb.path("TargetGroup").path("Properties").path("Name").path("Fn::Sub").asText());
        for (JsonNode s : statements("CloudFormationExecutionRole").values()) {
            for (String resource : texts(s.path("Resource"))) {
                if (resource.contains(":elasticloadbalancing:")) {
                    boolean named = resource.matches(
                            ".*:(loadbalancer/app|targetgroup|listener/app|listener-rule/app)/\\$\\{AppName}-\\$\\{EnvName}/\\*");
                    // the alternate target group has no name of ours (ELB's 32 characters): only its tags scope it
                    boolean taggedTargetGroup = resource.endsWith(":targetgroup/*/*")
                            && s.path("Condition").path("StringEquals").toString().contains("Tag/app");
                    assertTrue(named || taggedTargetGroup, s.path("Sid").asText() + " acts on " + resource);
                }
            }
        }
    }

    @Test
    void workloadRolesArePassedCreatedAndDeletedOnlyUnderTheAppsPath() throws Exception {
        String path = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AppName}/${EnvName}/*";
        for (JsonNode s : statements("CloudFormationExecutionRole").values()) {
            List<String> actions = texts(s.path("Action"));
            if (actions.stream().anyMatch(a -> a.startsWith("iam:") && !a.equals("iam:CreateServiceLinkedRole"))) {
                assertEquals(List.of(path), texts(s.path("Resource")), s.path("Sid").asText());
            }
            if (actions.contains("iam:PassRole")) {
                assertEquals("[\"ecs-tasks.amazonaws.com\",\"ecs.amazonaws.com\",\"lambda.amazonaws.com\","
                        + "\"vpc-flow-logs.amazonaws.com\"]",
                        s.path("Condition").path("StringEquals").path("iam:PassedToService").toString());
            }
            if (actions.contains("iam:CreateRole")) {
                assertEquals("WorkloadPermissionsBoundary",
                        s.path("Condition").path("StringEquals").path("iam:PermissionsBoundary").path("Ref").asText());
            }
        }
    }

    @Test
    void namesCannotCollideAcrossApplicationsOrEnvironments() {
        Pattern name = Pattern.compile(AppEnv.NAME_PATTERN);
        assertFalse(name.matcher("hello-prod").matches(), "a hyphen would let hello+prod and hello-prod+x share a prefix");
        assertTrue(name.matcher("hello").matches());
        assertEquals(AppEnv.NAME_PATTERN, AppEnv.ENV_PATTERN);
    }

    @Test
    void interfaceEndpointsAllowOnlyThisAccountsPrincipalsAndResources() throws Exception {
        JsonNode resources = template(new NetworkStack()).path("Resources");
        for (String id : List.of("EcrApiEndpoint", "EcrDkrEndpoint", "LogsEndpoint", "ElasticloadbalancingEndpoint")) {
            JsonNode statements = resources.path(id).path("Properties").path("PolicyDocument").path("Statement");
            assertTrue(statements.size() > 0, id + " has no endpoint policy");
            for (JsonNode s : statements) {
                JsonNode equals = s.path("Condition").path("StringEquals");
                assertEquals("AWS::AccountId", equals.path("aws:PrincipalAccount").path("Ref").asText(), id);
                // calls that act on no resource (ECR login, the ELB Describe calls) cannot be limited by resource account
                boolean noResource = texts(s.path("Action")).stream().allMatch(a -> a.equals("ecr:GetAuthorizationToken")
                        || a.startsWith("elasticloadbalancing:Describe"));
                assertEquals(!noResource, equals.has("aws:ResourceAccount"), id + " " + s.path("Sid").asText());
                texts(s.path("Action")).forEach(a -> assertFalse(a.contains("*"), id + " allows " + a));
            }
        }
        JsonNode taskRole = template(new ServiceStack()).path("Resources").path("TaskRole").path("Properties");
        assertTrue(taskRole.path("Policies").isMissingNode() && taskRole.path("ManagedPolicyArns").isMissingNode(),
                "the tasks' own role has no permissions");
        JsonNode s3 = resources.path("S3GatewayEndpoint").path("Properties").path("PolicyDocument").path("Statement");
        assertEquals(List.of("arn:${AWS::Partition}:s3:::prod-${AWS::Region}-starport-layer-bucket/*"),
                texts(s3.get(0).path("Resource")));
    }

    @Test
    void serviceTrustPoliciesNameThisAccountAndTheSource() throws Exception {
        JsonNode network = template(new NetworkStack()).path("Resources");
        JsonNode flow = network.path("FlowLogRole").path("Properties").path("AssumeRolePolicyDocument").path("Statement").get(0);
        assertEquals("AWS::AccountId", flow.path("Condition").path("StringEquals").path("aws:SourceAccount").path("Ref").asText());
        assertEquals("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*",
                flow.path("Condition").path("ArnLike").path("aws:SourceArn").path("Fn::Sub").asText());
        JsonNode service = template(new ServiceStack()).path("Resources");
        JsonNode task = service.path("TaskRole").path("Properties").path("AssumeRolePolicyDocument").path("Statement").get(0);
        assertEquals("arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:*",
                task.path("Condition").path("ArnLike").path("aws:SourceArn").path("Fn::Sub").asText());
        JsonNode exec = service.path("TaskExecutionRole").path("Properties").path("AssumeRolePolicyDocument").path("Statement").get(0);
        assertEquals("AWS::AccountId", exec.path("Condition").path("StringEquals").path("aws:SourceAccount").path("Ref").asText());
    }

    @Test
    void flowLogRoleMayDescribeLogGroupsAndTheBoundaryLetsIt() throws Exception {
        String flow = template(new NetworkStack()).path("Resources").path("FlowLogRole").path("Properties").path("Policies").toString();
        assertTrue(flow.contains("logs:DescribeLogGroups"));
        String boundary = template(new GitlabOidcStack()).path("Resources").path("WorkloadPermissionsBoundary").toString();
        assertTrue(boundary.contains("logs:DescribeLogGroups"), "the boundary would cancel it");
    }

    /** Every resource of a type that takes Tags carries app and env, which the tag conditions test. */
    @Test
    void everyTaggableResourceCarriesAppAndEnv() throws Exception {
        ResourceSpec spec = ResourceSpec.load(TemplateChecks.findRepoRoot());
        for (Stack stack : Stacks.all()) {
            var it = template(stack).path("Resources").properties().iterator();
            while (it.hasNext()) {
                var r = it.next();
                String type = r.getValue().path("Type").asText();
                // cfn-lint's schemas take no Tags for these, though the specification subset lists them
                if (type.equals("AWS::ElasticLoadBalancingV2::Listener") || type.equals("AWS::ElasticLoadBalancingV2::ListenerRule")
                        || type.equals("AWS::ApplicationAutoScaling::ScalableTarget")
                        || spec.resourceType(type) == null || !spec.resourceType(type).properties().containsKey("Tags")) {
                    continue;
                }
                String tags = r.getValue().path("Properties").path("Tags").toString();
                assertTrue(tags.contains("{\"Key\":\"app\",\"Value\":{\"Ref\":\"AppName\"}}"), stack.name() + "/" + r.getKey() + ": " + tags);
                assertTrue(tags.contains("{\"Key\":\"env\",\"Value\":{\"Ref\":\"EnvName\"}}"), stack.name() + "/" + r.getKey() + ": " + tags);
            }
        }
    }

    @Test
    void mergeRequestsCannotDeployAndOnlyTheDeployRoleProtectsStacks() throws Exception {
        String changeSet = statements("ChangeSetRole").toString();
        for (String forbidden : List.of("ExecuteChangeSet", "DeleteStack", "UpdateTerminationProtection", "ecr:PutImage")) {
            assertFalse(changeSet.contains(forbidden), "the merge-request role must not have " + forbidden);
        }
        assertTrue(statements("DeployRole").containsKey("ProtectOurStacks"));
    }

    /** Tags decide what the execution role may change, so it may add them only while creating, or to what is ours. */
    @Test
    void ourTagsCannotBePutOnAnotherWorkloadsResource() throws Exception {
        for (JsonNode s : statements("CloudFormationExecutionRole").values()) {
            List<String> actions = texts(s.path("Action"));
            JsonNode equals = s.path("Condition").path("StringEquals");
            if (actions.contains("ec2:CreateTags")) {
                assertTrue(equals.has("ec2:CreateAction") || equals.has("aws:ResourceTag/app"), s.path("Sid").asText());
            }
            if (actions.contains("kms:TagResource") && texts(s.path("Resource")).contains("*")) {
                assertEquals("[\"app\",\"env\"]", s.path("Condition").path("ForAllValues:StringEquals").path("aws:TagKeys").toString());
            }
            // what a foreign key tagged with our tags would let the role do stays harmless
            for (String dangerous : List.of("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:Decrypt", "kms:DisableKey")) {
                if (!s.path("Sid").asText().equals("KmsKeyForEcrEncryptionViaEcrOnly")) {
                    assertFalse(actions.contains(dangerous), s.path("Sid").asText() + " allows " + dangerous);
                }
            }
        }
        assertEquals(List.copyOf(GitlabOidcStack.EC2_CREATES.keySet()).toString(), statements("CloudFormationExecutionRole")
                .get("TagOnlyWhileCreating").path("Condition").path("StringEquals").path("ec2:CreateAction").toString()
                .replace("\"", "").replace(",", ", "));
    }

    /** A merge can delete stacks; what holds data survives it. */
    @Test
    void whatHoldsDataIsRetainedWhenAStackIsDeleted() throws Exception {
        assertEquals("Retain", template(new EcrStack()).path("Resources").path("Repository").path("DeletionPolicy").asText());
        assertEquals("Retain", template(new AlbStack()).path("Resources").path("AccessLogsBucket").path("DeletionPolicy").asText());
        assertEquals("Retain", template(new NetworkStack()).path("Resources").path("LogsKey").path("DeletionPolicy").asText());
        assertEquals("Retain", template(new ServiceStack()).path("Resources").path("LogsKey").path("DeletionPolicy").asText());
        List<String> actions = new ArrayList<>();
        statements("CloudFormationExecutionRole").values().forEach(s -> actions.addAll(texts(s.path("Action"))));
        assertTrue(actions.contains("s3:DeleteBucketPolicy"));
        for (String action : List.of("ecr:DeleteRepository", "s3:DeleteBucket", "s3:DeleteObject", "kms:ScheduleKeyDeletion")) {
            assertFalse(actions.contains(action), "the execution role must not have " + action);
        }
    }

    /** The pipeline's roles reach only ${AppName}-${EnvName}-* stacks; the gitlab-oidc stack that defines them is not one. */
    @Test
    void thePipelineCannotChangeTheStackThatDefinesItsRoles() throws Exception {
        String own = new GitlabOidcStack().stackName().replace("${AppName}", "hello").replace("${EnvName}", "prod");
        assertFalse(own.startsWith("hello-prod-"), own);
        for (String role : List.of("DeployRole", "ChangeSetRole")) {
            for (JsonNode s : statements(role).values()) {
                for (String resource : texts(s.path("Resource"))) {
                    if (resource.contains(":cloudformation:")) {
                        assertTrue(resource.endsWith(":stack/${AppName}-${EnvName}-*/*") || resource.endsWith(":changeSet/*/*"),
                                role + " " + s.path("Sid").asText() + " acts on " + resource);
                    }
                }
                assertFalse(texts(s.path("Action")).stream().anyMatch(a -> a.startsWith("iam:") && !a.equals("iam:PassRole")),
                        role + " may change IAM");
            }
        }
    }

    /** In prod the deploy role cannot delete stacks, so turning termination protection off gains a merge nothing. */
    @Test
    @SuppressWarnings("unchecked")
    void inProdTheDeployRoleCannotDeleteStacks() {
        Map<String, Object> template = new GitlabOidcStack().template().toCfn();
        for (String env : List.of("dev", "prod")) {
            Map<String, String> values = new LinkedHashMap<>(Environments.named(env).parameters("gitlab-oidc"));
            values.put("ProjectPath", "group/project");
            Map<String, Object> resolved = new dev.hellostack.cfn.resolve.Resolver(null).resolve("gitlab-oidc.yaml", template, values);
            Map<String, Object> deploy = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) resolved.get("Resources"))
                    .get("DeployRole")).get("Properties");
            String policies = deploy.get("Policies").toString();
            assertEquals(env.equals("dev"), policies.contains("cloudformation:DeleteStack"), env + ": " + policies);
            assertTrue(policies.contains("cloudformation:UpdateTerminationProtection"), env);
        }
    }
}
