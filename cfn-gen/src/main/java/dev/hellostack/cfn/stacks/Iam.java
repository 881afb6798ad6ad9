package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import java.util.List;
import java.util.Map;

/** IAM policy documents, written as objects in the order the IAM documentation uses. */
final class Iam {

    private Iam() {
    }

    static Map<String, Object> document(Object... statements) {
        return Obj.of("Version", "2012-10-17", "Statement", List.of(statements));
    }

    static Map<String, Object> allow(String sid, List<String> actions, Object... resources) {
        return Obj.of("Sid", sid, "Effect", "Allow", "Action", actions, "Resource", List.of(resources));
    }

    static Map<String, Object> allow(String sid, List<String> actions, List<Object> resources, Map<String, Object> condition) {
        return Obj.of("Sid", sid, "Effect", "Allow", "Action", actions, "Resource", resources, "Condition", condition);
    }

    /**
     * A trust policy that lets one AWS service assume the role, only on behalf of this account
     * (aws:SourceAccount, against the confused-deputy problem; ECS tasks and VPC flow logs set it).
     */
    static Map<String, Object> serviceTrust(String service) {
        return document(Obj.of(
                "Effect", "Allow",
                "Principal", Obj.of("Service", service),
                "Action", List.of("sts:AssumeRole"),
                "Condition", Map.of("StringEquals", Map.of("aws:SourceAccount", Fn.Pseudo.ACCOUNT_ID))));
    }

    /** A trust policy for CloudFormation's service role (CloudFormation sets no aws:SourceAccount to test). */
    static Map<String, Object> cloudFormationTrust() {
        return document(Obj.of(
                "Effect", "Allow",
                "Principal", Obj.of("Service", "cloudformation.amazonaws.com"),
                "Action", List.of("sts:AssumeRole")));
    }

    /** An inline policy entry for AWS::IAM::Role Policies. */
    static Map<String, Object> inline(String name, Map<String, Object> document) {
        return Obj.of("PolicyName", name, "PolicyDocument", document);
    }

    /** {@code arn:${AWS::Partition}:<rest>} as an Fn::Sub. */
    static Fn.Sub arn(String rest) {
        return Fn.sub("arn:${AWS::Partition}:" + rest);
    }
}
