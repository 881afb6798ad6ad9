package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * KMS refuses to create a key whose policy would lock its creator out: "The key policy must allow the calling
 * principal to make a subsequent PutKeyPolicy request on the KMS key" (KMS API Reference, CreateKey, Policy;
 * BypassPolicyLockoutSafetyCheck is false). The calling principal of a stack's CloudFormation is the execution
 * role, so every key policy must name that role (its export) with kms:PutKeyPolicy; the account root alone is
 * not enough, as the role's own IAM policy grants no kms:PutKeyPolicy (ExecutionRoleTest).
 */
class KeyPolicyTest {

    @Test
    void everyKeyPolicyLetsItsCreatorManageTheKey() {
        List<String> keys = new ArrayList<>();
        for (Environment env : Environments.all()) {
            String creator = "import:" + env.prefix() + "-" + GitlabOidcStack.EXECUTION_ROLE_EXPORT;
            for (String stack : ExecutionRoleTest.PIPELINE_STACKS) {
                TemplateFiles.resources(TemplateFiles.of(env.name(), stack), "AWS::KMS::Key").forEach((id, key) -> {
                    keys.add(env.name() + "/" + stack + " " + id);
                    for (String action : List.of("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:EnableKeyRotation",
                            "kms:DescribeKey", "kms:TagResource")) {
                        assertTrue(ExecutionRoleTest.keyPolicyGrants(key, env.prefix() + "-"
                                        + GitlabOidcStack.EXECUTION_ROLE_EXPORT, action),
                                env.name() + "/" + stack + " " + id + ": the key policy does not let " + creator + " " + action);
                    }
                    assertTrue(key.path("Properties").path("KeyPolicy").toString().contains(":root"),
                            "the account root keeps the key manageable when the role is gone");
                    assertEquals("RetainExceptOnCreate", key.path("DeletionPolicy").asText(),
                            "a key of a failed first create is deleted, not leaked");
                });
            }
        }
        assertEquals(List.of("prod/network LogsKey", "prod/service LogsKey"), keys, "the environments that encrypt logs");
    }

    /** The check itself: a key policy naming only the account root fails it. */
    @Test
    void aPolicyNamingOnlyTheAccountRootFails() throws Exception {
        JsonNode key = TemplateFiles.YAML.readTree("""
                Properties:
                  KeyPolicy:
                    Statement:
                      - Effect: Allow
                        Principal: {AWS: {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
                        Action: [kms:PutKeyPolicy]
                        Resource: ["*"]
                """);
        assertTrue(!ExecutionRoleTest.keyPolicyGrants(key, "hello-prod-CloudFormationExecutionRoleArn", "kms:PutKeyPolicy"));
    }
}
