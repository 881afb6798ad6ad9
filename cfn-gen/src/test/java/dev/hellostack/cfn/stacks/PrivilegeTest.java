package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One test per privilege boundary of the generated policies, read as an attacker who controls a merge to main
 * (the deploy role and, through CloudFormation, the execution role) or a merge-request branch (the change-set role).
 */
class PrivilegeTest {

    private static final Pattern ACCOUNT_WIDE = Pattern.compile("^arn:[^:]+:[^:]+:[^:]*:[^:]*:\\*$");

    private static Map<String, JsonNode> statements(String env, String role) {
        return TemplateFiles.statements(TemplateFiles.of(env, "gitlab-oidc"), role);
    }

    private static List<String> actions(String env, String role) {
        List<String> out = new ArrayList<>();
        statements(env, role).values().forEach(s -> out.addAll(TemplateFiles.texts(s.path("Action"))));
        return out;
    }

    @Test
    void theExecutionRoleNeverGrantsAWholeServiceNorAnAccountWideResource() {
        for (Environment env : Environments.all()) {
            statements(env.name(), "CloudFormationExecutionRole").forEach((sid, s) -> {
                for (String action : TemplateFiles.texts(s.path("Action"))) {
                    assertFalse(action.equals("*") || action.endsWith(":*"), sid + " grants " + action);
                }
                for (String resource : TemplateFiles.texts(s.path("Resource"))) {
                    assertFalse(ACCOUNT_WIDE.matcher(resource).matches(), sid + " acts on " + resource);
                    if (resource.equals("*")) {
                        for (String action : TemplateFiles.texts(s.path("Action"))) {
                            assertTrue(action.matches("[a-z0-9-]+:(Describe|Get|List|Register|Deregister)[A-Za-z]*\\*?")
                                    || action.equals("kms:CreateKey") || action.equals("kms:TagResource"),
                                    sid + ": only reads, task-definition registration and tagged key creation on *: " + action);
                        }
                    }
                }
            });
        }
    }

    /** Every EC2 statement that changes something needs our tags: in the request (create) or on the resource. */
    @Test
    void everyEc2ChangeNeedsOurTags() {
        statements("prod", "CloudFormationExecutionRole").forEach((sid, s) -> {
            List<String> actions = TemplateFiles.texts(s.path("Action"));
            boolean ec2Change = actions.stream().anyMatch(a -> a.startsWith("ec2:") && !a.startsWith("ec2:Describe"));
            if (ec2Change && !sid.equals("RulesInsideTheSecurityGroups")) {
                String condition = s.path("Condition").toString();
                assertTrue(condition.contains("\"aws:RequestTag/app\":\"hello\"") || condition.contains("\"aws:ResourceTag/app\":\"hello\""),
                        sid + " changes EC2 without our tags: " + condition);
                assertTrue(condition.contains("/env\":\"prod\""), sid);
            }
        });
        JsonNode createSubnet = statements("prod", "CloudFormationExecutionRole").get("CreateSubnetOnlyTagged");
        assertEquals(List.of("arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:subnet/*"),
                TemplateFiles.texts(createSubnet.path("Resource")), "a tagged create reaches only the type it creates");
    }

    @Test
    void workloadRolesAreCreatedOnlyWithTheBoundaryUnderTheEnvironmentsPathAndPassedOnlyToTheirServices() {
        Map<String, JsonNode> s = statements("prod", "CloudFormationExecutionRole");
        JsonNode create = s.get("CreateWorkloadRolesOnlyWithTheBoundary");
        assertEquals(List.of("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/hello/prod/*"), TemplateFiles.texts(create.path("Resource")));
        assertEquals("{\"Ref\":\"WorkloadPermissionsBoundary\"}",
                create.path("Condition").path("StringEquals").path("iam:PermissionsBoundary").toString());
        JsonNode pass = s.get("PassWorkloadRolesToTheirServices");
        assertEquals("[\"ecs-tasks.amazonaws.com\",\"ecs.amazonaws.com\",\"lambda.amazonaws.com\",\"vpc-flow-logs.amazonaws.com\"]",
                pass.path("Condition").path("StringEquals").path("iam:PassedToService").toString());
        assertFalse(actions("prod", "CloudFormationExecutionRole").contains("iam:DeleteRolePermissionsBoundary"));
        for (Environment env : Environments.all()) {
            TemplateFiles.resources(TemplateFiles.of(env.name(), "service"), "AWS::IAM::Role").forEach((id, role) -> {
                assertEquals("/hello/" + env.name() + "/", role.path("Properties").path("Path").asText(), id);
                assertEquals("{\"Fn::ImportValue\":\"" + env.prefix() + "-PermissionsBoundaryArn\"}",
                        role.path("Properties").path("PermissionsBoundary").toString(), id);
                assertTrue(role.path("Properties").path("RoleName").asText().length() <= 64, id);
            });
        }
    }

    @Test
    void onlyTheDefaultBranchDeploysAndMergeRequestsCannotExecuteChangeSets() {
        for (Environment env : Environments.all()) {
            JsonNode oidc = TemplateFiles.of(env.name(), "gitlab-oidc").path("Resources");
            assertTrue(oidc.path("DeployRole").path("Properties").path("AssumeRolePolicyDocument").toString()
                    .contains("ref_type:branch:ref:${DefaultBranch}"));
            assertTrue(oidc.path("ChangeSetRole").path("Properties").path("AssumeRolePolicyDocument").toString()
                    .contains("ref_type:branch:ref:*"));
            assertFalse(actions(env.name(), "ChangeSetRole").contains("cloudformation:ExecuteChangeSet"));
            assertTrue(actions(env.name(), "DeployRole").contains("cloudformation:ExecuteChangeSet"));
        }
    }

    /**
     * prod's deploy role cannot delete a stack (so turning termination protection off gains a merge nothing), nor
     * push an image: it may tag one already in the repository (PutImage of its manifest, to promote it), but
     * without the layer upload actions no image of its own can get there ("Pushing an image", ECR User Guide:
     * InitiateLayerUpload, UploadLayerPart and CompleteLayerUpload carry the layers).
     */
    @Test
    void prodsDeployRoleCannotDeleteStacksNorPushImages() {
        assertFalse(actions("prod", "DeployRole").contains("cloudformation:DeleteStack"));
        for (String upload : List.of("ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload")) {
            assertFalse(actions("prod", "DeployRole").contains(upload), upload);
        }
        assertTrue(actions("prod", "DeployRole").contains("ecr:PutImage"), "prod tags the image it promotes");
        assertTrue(actions("dev", "DeployRole").contains("cloudformation:DeleteStack"), "dev retries a failed first create");
        assertTrue(actions("dev", "DeployRole").contains("ecr:PutImage"), "dev builds the images");
        assertTrue(TemplateFiles.of("prod", "gitlab-oidc").path("Resources").path("ImageTagRole").isMissingNode());
    }

    /** Nothing the pipeline's roles can touch defines their own permissions: gitlab-oidc-* is outside <app>-<env>-*. */
    @Test
    void thePipelineCannotChangeTheStackThatDefinesItsRoles() {
        for (Environment env : Environments.all()) {
            String stacks = statements(env.name(), "DeployRole").get("DeployTheStacks").path("Resource").toString();
            assertTrue(stacks.contains("stack/" + env.prefix() + "-*/*"), stacks);
            assertFalse(("gitlab-oidc-" + env.prefix()).startsWith(env.prefix() + "-"));
            assertFalse(("hello-ecr").startsWith(env.prefix() + "-"), "nor the shared image repository's stack");
        }
    }

    @Test
    void theDeployRolesSessionCoversTheLongestDeployJob() {
        for (Environment env : Environments.all()) {
            assertEquals(GitlabOidcStack.MAX_SESSION_SECONDS, TemplateFiles.of(env.name(), "gitlab-oidc").path("Resources")
                    .path("DeployRole").path("Properties").path("MaxSessionDuration").asInt());
        }
    }
}
