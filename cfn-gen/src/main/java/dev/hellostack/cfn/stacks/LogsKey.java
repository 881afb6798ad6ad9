package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Parameter;
import dev.hellostack.cfn.model.Resource;
import dev.hellostack.cfn.model.Template;
import java.util.List;

/**
 * A customer-managed KMS key for one stack's log group, created only when the EncryptLogs parameter
 * is true (the prod environment). The key sits in the same stack as the log group it encrypts, so
 * the log group refers to it with Fn::GetAtt (what Control Tower's CT.CLOUDWATCH.PR.3 accepts), and
 * its policy lets CloudWatch Logs use it for that one log group only.
 *
 * <p>The policy follows the CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS
 * KMS", step 2: principal {@code logs.<region>.amazonaws.com}, condition
 * {@code ArnLike kms:EncryptionContext:aws:logs:arn} on the log group's ARN.
 */
final class LogsKey {

    final Parameter parameter;
    final Fn.Condition encrypt;
    final Resource key;

    private LogsKey(Parameter parameter, Fn.Condition encrypt, Resource key) {
        this.parameter = parameter;
        this.encrypt = encrypt;
        this.key = key;
    }

    /** Declares the EncryptLogs parameter, its condition and the key, for the log group named logGroupName (an Fn::Sub text). */
    static LogsKey declare(Template t, AppEnv app, String logGroupName) {
        Parameter encryptLogs = t.parameter("EncryptLogs", "String")
                .defaultValue("false")
                .allowedValues("true", "false")
                .description("Encrypt the log group with a customer-managed KMS key this stack creates (1 USD a month "
                        + "per key); false: CloudWatch Logs' own encryption.")
                .constraintDescription("EncryptLogs: true or false.");
        Fn.Condition encrypt = t.condition("EncryptLogsWithKmsKey", Fn.equalsFn(encryptLogs.ref(), "true"));
        String logGroupArn = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:" + logGroupName;
        // Retained: deleting the key would make the retained log data unreadable.
        Resource key = t.resource("LogsKey", "AWS::KMS::Key")
                .condition(encrypt)
                .deletionPolicy(Resource.Policy.Retain)
                .updateReplacePolicy(Resource.Policy.Retain)
                .prop("Description", Fn.sub("Encrypts the log group " + logGroupName))
                .prop("EnableKeyRotation", true)
                .prop("KeyPolicy", Iam.document(
                        Obj.of("Sid", "AccountAdministersTheKey",
                                "Effect", "Allow",
                                "Principal", Obj.of("AWS", Iam.arn("iam::${AWS::AccountId}:root")),
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
        t.parameterGroup("Log encryption", encryptLogs);
        return new LogsKey(encryptLogs, encrypt, key);
    }

    /** The log group's KmsKeyId: the key's ARN when EncryptLogs is true, else left out. */
    Object kmsKeyId() {
        return Fn.ifThen(encrypt, key.getAtt("Arn"), Fn.Pseudo.NO_VALUE);
    }

    /**
     * What the account (through IAM policies, such as the CloudFormation execution role's) may do with the
     * key: manage it, never use it to decrypt. Listed one by one, no wildcards.
     */
    static final List<String> ADMIN_ACTIONS = List.of("kms:CancelKeyDeletion", "kms:DescribeKey", "kms:DisableKey",
            "kms:EnableKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
            "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource",
            "kms:UntagResource", "kms:UpdateKeyDescription");
}
