package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The CloudFormation execution role is sufficient: for every resource type the pipeline's stacks use, it
 * allows every action the CloudFormation registry schema's create, read, update and delete handlers list
 * ("handlers ... permissions": what the resource handler calls with the role). The lists are a dated extract,
 * cfn-gen/aws/handler-permissions.json (its "source" names the commit; cfn-gen/aws/README.md says how to
 * refresh it). Actions of KMS keys count as allowed when the key policy names the execution role (LogsKey).
 * The few actions the role does not grant on purpose are in {@link #NOT_GRANTED}, each with its reason;
 * one that no handler lists any more fails the test, so the list stays true.
 */
class ExecutionRoleTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Handler actions the role does not grant, each with why no stack of ours needs it. */
    static final Map<String, String> NOT_GRANTED = new TreeMap<>(Map.ofEntries(
            Map.entry("cognito-idp:DescribeUserPoolClient", "listener and rule actions of type authenticate-cognito; none is used"),
            Map.entry("ecs:PutAccountSettingDefault", "changes an ECS account setting for every principal of the account; "
                    + "the cluster sets only its own ClusterSettings"),
            Map.entry("ec2:AttachVpnGateway", "VPCGatewayAttachment of a VPN gateway; ours attaches an internet gateway"),
            Map.entry("ec2:DetachVpnGateway", "VPCGatewayAttachment of a VPN gateway; ours attaches an internet gateway"),
            Map.entry("elasticfilesystem:DescribeMountTargets", "Lambda file systems (FileSystemConfigs); none is used"),
            Map.entry("s3files:ListMountTargets", "Lambda file systems (FileSystemConfigs); none is used"),
            Map.entry("firehose:TagDeliveryStream", "log groups delivering to Firehose; none does"),
            Map.entry("s3:REST.PUT.OBJECT", "not an IAM action (an S3 server access log operation name in the "
                    + "AWS::Logs::LogGroup schema)"),
            Map.entry("logs:CreateLogDelivery", "vended log delivery to S3 or Firehose; the flow log writes to CloudWatch Logs "
                    + "with its own role (DeliverLogsPermissionArn)"),
            Map.entry("logs:DeleteLogDelivery", "vended log delivery to S3 or Firehose; see logs:CreateLogDelivery"),
            Map.entry("autoscaling:DescribeTags", "flow logs of Auto Scaling groups; ours are of a VPC"),
            Map.entry("vpc-lattice:CreateServiceNetworkVpcEndpointAssociation", "VPC Lattice service-network endpoints; none"),
            Map.entry("vpc-lattice:DescribeServiceNetworkVpcEndpointAssociation", "VPC Lattice service-network endpoints; none"),
            Map.entry("vpce:AllowMultiRegion", "cross-Region interface endpoints; ours are of the stack's Region"),
            Map.entry("lambda:PassCapacityProvider", "Lambda Managed Instances capacity providers; the function is on-demand"),
            Map.entry("s3tables:CreateNamespace", "S3 Metadata tables (MetadataTableConfiguration); not configured"),
            Map.entry("s3tables:CreateTable", "S3 Metadata tables; not configured"),
            Map.entry("s3tables:CreateTableBucket", "S3 Metadata tables; not configured"),
            Map.entry("s3tables:GetTable", "S3 Metadata tables; not configured"),
            Map.entry("s3tables:GetTableMetadataLocation", "S3 Metadata tables; not configured"),
            Map.entry("s3tables:PutTableBucketPolicy", "S3 Metadata tables; not configured"),
            Map.entry("s3tables:PutTableEncryption", "S3 Metadata tables; not configured"),
            Map.entry("s3tables:PutTablePolicy", "S3 Metadata tables; not configured"),
            Map.entry("s3tables:UpdateTableMetadataLocation", "S3 Metadata tables; not configured"),
            Map.entry("s3:PutObjectAcl", "bucket-level access only: the role may touch no object of the log bucket "
                    + "(the schema lists it for ACL-based buckets; ours enforces bucket-owner ownership)"),
            Map.entry("s3:DeleteObject", "bucket-level access only: the role may delete no access log"),
            Map.entry("kms:CreateGrant", "Lambda environment encryption or ECS managed storage with a customer key; neither "
                    + "is used (the log groups' keys are used by CloudWatch Logs, not through this role)"),
            Map.entry("kms:Decrypt", "Lambda environment encryption with a customer key; not used"),
            Map.entry("kms:Encrypt", "Lambda environment encryption with a customer key; not used"),
            Map.entry("kms:GenerateDataKey", "Lambda environment encryption with a customer key; not used"),
            Map.entry("lambda:GetLayerVersion", "Lambda layers; none"),
            Map.entry("iam:DeleteRolePermissionsBoundary", "a workload role never drops the permissions boundary: the role "
                    + "update handler calls it only when a template removes PermissionsBoundary, which must fail"),
            Map.entry("s3:GetBucketPolicy", "flow logs to an S3 bucket (FlowLog); ours go to CloudWatch Logs (the access-log "
                    + "bucket's own policy is AWS::S3::BucketPolicy, granted on that bucket)"),
            Map.entry("s3:PutBucketPolicy", "flow logs to an S3 bucket (FlowLog); ours go to CloudWatch Logs"),
            Map.entry("s3:GetObject", "Lambda code from an S3 bucket; the release check's code is inline (ZipFile)"),
            Map.entry("s3:GetObjectVersion", "Lambda code from an S3 bucket; the release check's code is inline (ZipFile)"),
            Map.entry("lambda:GetCodeSigningConfig", "Lambda code signing; not configured")));

    /** The pipeline's stacks: what CloudFormation creates with the execution role. */
    static final List<String> PIPELINE_STACKS = List.of("network", "alb", "service");

    static JsonNode handlerPermissions() throws IOException {
        return JSON.readTree(TemplateFiles.ROOT.resolve("cfn-gen/aws/handler-permissions.json").toFile());
    }

    /** IAM action matching: case-insensitive, * and ? as wildcards. */
    static boolean matches(String pattern, String action) {
        String regex = "(?i)" + Pattern.quote(pattern).replace("*", "\\E.*\\Q").replace("?", "\\E.\\Q");
        return action.matches(regex);
    }

    static boolean allowedBy(JsonNode statements, String action) {
        boolean allowed = false;
        for (JsonNode s : statements) {
            boolean hit = false;
            for (String a : TemplateFiles.texts(s.path("Action"))) {
                hit |= matches(a, action);
            }
            if (hit && s.path("Effect").asText().equals("Deny") && !s.has("Condition")) {
                return false;
            }
            allowed |= hit && s.path("Effect").asText().equals("Allow");
        }
        return allowed;
    }

    /** Does a key policy name the execution role, by its export, as a principal allowed this action? */
    static boolean keyPolicyGrants(JsonNode key, String exportName, String action) {
        for (JsonNode s : key.path("Properties").path("KeyPolicy").path("Statement")) {
            boolean namesRole = TemplateFiles.texts(s.path("Principal").path("AWS")).contains("import:" + exportName);
            boolean hit = false;
            for (String a : TemplateFiles.texts(s.path("Action"))) {
                hit |= matches(a, action);
            }
            if (namesRole && hit && s.path("Effect").asText().equals("Allow")) {
                return true;
            }
        }
        return false;
    }

    /** For each environment: every handler action of every type its pipeline stacks use is granted. */
    @Test
    void allowsEveryActionTheResourceHandlersCall() throws IOException {
        JsonNode types = handlerPermissions().path("types");
        TreeSet<String> usedExclusions = new TreeSet<>();
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (Environment env : Environments.all()) {
            JsonNode policy = TemplateFiles.of(env.name(), "gitlab-oidc").path("Resources").path("CloudFormationExecutionRole")
                    .path("Properties").path("Policies").get(0).path("PolicyDocument").path("Statement");
            String roleExport = env.prefix() + "-" + GitlabOidcStack.EXECUTION_ROLE_EXPORT;
            for (String stack : PIPELINE_STACKS) {
                JsonNode template = TemplateFiles.of(env.name(), stack);
                for (var resource : template.path("Resources").properties()) {
                    String type = resource.getValue().path("Type").asText();
                    JsonNode handlers = types.path(type);
                    assertFalse(handlers.isMissingNode(), type + " (in " + env.name() + "/" + stack
                            + ") is not in cfn-gen/aws/handler-permissions.json: add it (cfn-gen/aws/README.md)");
                    for (String handler : List.of("create", "read", "update", "delete")) {
                        for (JsonNode a : handlers.path(handler)) {
                            String action = a.asText().replaceFirst("^S3:", "s3:");
                            checked++;
                            if (NOT_GRANTED.containsKey(action)) {
                                usedExclusions.add(action);
                                continue;
                            }
                            boolean ok = allowedBy(policy, action)
                                    || type.equals("AWS::KMS::Key") && keyPolicyGrants(resource.getValue(), roleExport, action);
                            if (!ok) {
                                missing.add(env.name() + "/" + stack + " " + resource.getKey() + " (" + type + ", " + handler
                                        + "): " + action);
                            }
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), missing, "the execution role lacks actions CloudFormation's handlers call");
        TreeSet<String> stale = new TreeSet<>(NOT_GRANTED.keySet());
        stale.removeAll(usedExclusions);
        assertEquals(new TreeSet<>(), stale, "NOT_GRANTED lists actions no handler of our types calls any more");
        System.out.println("[execution role] " + checked + " handler actions checked, " + usedExclusions.size()
                + " not granted on purpose");
    }

    /** The check itself: a wildcard family matches, case does not matter, an unconditional Deny wins. */
    @Test
    void matchesActionsAsIamDoes() throws IOException {
        assertTrue(matches("ecs:Create*", "ecs:CreateService"));
        assertTrue(matches("ECS:create*", "ecs:CreateService"));
        assertFalse(matches("ecs:Create*", "ecs:DeleteService"));
        assertTrue(matches("s3:Get?ucket*", "s3:GetBucketAcl"));
        JsonNode statements = JSON.readTree("""
                [{"Effect": "Allow", "Action": ["ecr:*"], "Resource": "*"},
                 {"Effect": "Deny", "Action": "ecr:DeleteRepository", "Resource": "*"}]""");
        assertTrue(allowedBy(statements, "ecr:CreateRepository"));
        assertFalse(allowedBy(statements, "ecr:DeleteRepository"));
        assertFalse(allowedBy(statements, "ec2:CreateVpc"));
    }
}
