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
     * A trust policy that lets one AWS service assume the role, only on behalf of this account and for
     * sources matching sourceArn (aws:SourceAccount and aws:SourceArn, against the confused-deputy problem).
     * The ECS developer guide ("Task IAM role") recommends both for task roles, with aws:SourceArn
     * {@code arn:aws:ecs:region:account:*}; for the task execution role it shows aws:SourceAccount only, so
     * sourceArn is null there. The VPC user guide ("IAM role for publishing flow logs to CloudWatch Logs")
     * shows both for flow logs, aws:SourceArn {@code arn:aws:ec2:region:account:vpc-flow-log/*}.
     */
    static Map<String, Object> serviceTrust(String service, Fn.Sub sourceArn) {
        Map<String, Object> condition = Obj.of("StringEquals", Map.of("aws:SourceAccount", Fn.Pseudo.ACCOUNT_ID));
        if (sourceArn != null) {
            condition.put("ArnLike", Map.of("aws:SourceArn", sourceArn));
        }
        return document(Obj.of(
                "Effect", "Allow",
                "Principal", Obj.of("Service", service),
                "Action", List.of("sts:AssumeRole"),
                "Condition", condition));
    }

    /**
     * A VPC endpoint policy: the actions, only by principals of this account ({@code aws:PrincipalAccount}),
     * and, where resourceAccount is true, only on resources of this account ({@code aws:ResourceAccount}).
     */
    static Map<String, Object> endpointStatement(String sid, List<String> actions, boolean resourceAccount) {
        Map<String, Object> equals = new java.util.TreeMap<>();
        equals.put("aws:PrincipalAccount", Fn.Pseudo.ACCOUNT_ID);
        if (resourceAccount) {
            equals.put("aws:ResourceAccount", Fn.Pseudo.ACCOUNT_ID);
        }
        return Obj.of("Sid", sid, "Effect", "Allow", "Principal", "*", "Action", actions, "Resource", List.of("*"),
                "Condition", Obj.of("StringEquals", equals));
    }

    /**
     * A trust policy without conditions, exactly as the service's documentation shows it, for services whose
     * documentation names no aws:SourceAccount or aws:SourceArn they set: the ECS infrastructure role for load
     * balancers, the role ECS invokes lifecycle hooks with, a Lambda function's execution role. A condition the
     * service does not satisfy would break every release; who may pass these roles is limited instead
     * (iam:PassRole with iam:PassedToService in the CloudFormation execution role). Also CloudFormation's
     * service role: CloudFormation sets no aws:SourceAccount to test.
     */
    static Map<String, Object> plainServiceTrust(String service) {
        return document(Obj.of(
                "Effect", "Allow",
                "Principal", Obj.of("Service", service),
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
