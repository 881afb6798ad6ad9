package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Resource;
import dev.hellostack.cfn.model.Template;
import java.util.List;

/**
 * A customer-managed KMS key for one stack's log group (in environments that encrypt their logs). The key
 * sits in the same stack as the log group it encrypts, so the log group refers to it with Fn::GetAtt (what
 * Control Tower's CT.CLOUDWATCH.PR.3 accepts).
 *
 * <p>The key policy:
 * <ul>
 *   <li>names the CloudFormation execution role, the principal that creates the key, as its administrator.
 *       CreateKey refuses a policy that would lock its caller out: "The key policy must allow the calling
 *       principal to make a subsequent PutKeyPolicy request on the KMS key" (KMS API Reference, CreateKey,
 *       Policy). Naming the role in the key policy, rather than granting kms:PutKeyPolicy in its IAM policy,
 *       keeps that grant on the keys this role created: an IAM grant on keys carrying our tags would also
 *       reach any key a template tags, another workload's included.</li>
 *   <li>gives the account root the same administration, so the key stays manageable when the role is gone
 *       ("Default key policy": giving the account access "helps you prevent the key from becoming
 *       unmanageable").</li>
 *   <li>lets CloudWatch Logs use the key for that one log group only (CloudWatch Logs user guide, "Encrypt log
 *       data in CloudWatch Logs using AWS KMS": principal {@code logs.<region>.amazonaws.com}, condition
 *       {@code kms:EncryptionContext:aws:logs:arn}).</li>
 * </ul>
 */
final class LogsKey {

    /**
     * What the key administrators may do: the "Allows key administrators to administer the KMS key" statement
     * of the KMS developer guide ("Default key policy"): manage the key, never use it.
     */
    static final List<String> ADMIN_ACTIONS = List.of("kms:CancelKeyDeletion", "kms:Create*", "kms:Delete*",
            "kms:Describe*", "kms:Disable*", "kms:Enable*", "kms:Get*", "kms:List*", "kms:Put*", "kms:Revoke*",
            "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:Update*");

    private LogsKey() {
    }

    /** The key for the log group logGroupName (a literal name), or null when the environment does not encrypt logs. */
    static Resource declare(Template t, AppEnv app, String logGroupName) {
        if (!app.env.network().encryptLogs()) {
            return null;
        }
        String logGroupArn = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:" + logGroupName;
        // RetainExceptOnCreate: deleting the key would make the retained log data unreadable, but a key that a
        // failed first create made protects nothing yet and would only leak (1 USD a month each retry).
        return t.resource("LogsKey", "AWS::KMS::Key")
                .deletionPolicy(Resource.Policy.RetainExceptOnCreate)
                .updateReplacePolicy(Resource.Policy.Retain)
                .prop("Description", "Encrypts the log group " + logGroupName)
                .prop("EnableKeyRotation", true)
                .prop("KeyPolicy", Iam.document(
                        Obj.of("Sid", "TheExecutionRoleAndTheAccountAdministerTheKey",
                                "Effect", "Allow",
                                "Principal", Obj.of("AWS", List.of(
                                        app.importValue(GitlabOidcStack.EXECUTION_ROLE_EXPORT),
                                        Iam.arn("iam::${AWS::AccountId}:root"))),
                                "Action", ADMIN_ACTIONS,
                                "Resource", List.of("*")),
                        Obj.of("Sid", "CloudWatchLogsUsesTheKeyForThisLogGroupOnly",
                                "Effect", "Allow",
                                "Principal", Obj.of("Service", Fn.sub("logs.${AWS::Region}.amazonaws.com")),
                                "Action", List.of("kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
                                        "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"),
                                "Resource", List.of("*"),
                                "Condition", Obj.of("ArnLike", Obj.of("kms:EncryptionContext:aws:logs:arn",
                                        Fn.sub(logGroupArn)))),
                        Obj.of("Sid", "GrantsOnlyForAwsResourcesThroughAwsServices",
                                "Effect", "Deny",
                                "Principal", Obj.of("AWS", "*"),
                                "Action", List.of("kms:CreateGrant"),
                                "Resource", List.of("*"),
                                "Condition", Obj.of("BoolIfExists", Obj.of(
                                        "kms:GrantIsForAWSResource", "false",
                                        "aws:PrincipalIsAWSService", "false")))))
                .prop("Tags", app.tags());
    }
}
