package dev.hellostack.cfn.stacks;

import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The named environments, defined once. A value not given here is the template's default (or, on an
 * existing stack, its current value); CFN_PARAM_Name in the pipeline overrides any of them.
 *
 * <ul>
 *   <li>{@code dev}: cheap. Plain HTTP allowed, no access logs, 14 days of logs with CloudWatch Logs'
 *       own encryption, one task, a 2-minute bake time, the load balancer deletable, stacks deletable.</li>
 *   <li>{@code prod}: HTTPS only (a certificate is required), load-balancer deletion protection, access
 *       logs in an S3 bucket of the alb stack, 365 days of logs encrypted with customer-managed KMS keys,
 *       release alarms that notify an SNS topic (AlarmTopicArn is required),
 *       termination protection on every stack, and a deploy role that may not delete stacks. Its resolved templates pass every AWS Control Tower
 *       proactive control (see {@code cfn-gen resolve} and the build's checks).</li>
 * </ul>
 */
public final class Environments {

    /** dev keeps the old tasks 2 minutes after a release (prod: the template's default, 10). */
    static final String DEV_BAKE_MINUTES = "2";

    private Environments() {
    }

    public static List<Environment> all() {
        return List.of(
                new Environment("dev", "cheap: HTTP allowed, no access logs, 14-day logs, 1-2 tasks, deletable", false,
                        Map.of(
                                "network", Map.of("FlowLogRetentionDays", "14", "EncryptLogs", "false"),
                                "alb", Map.of("CertificateArn", "", "DeletionProtection", "false", "AccessLogs", "false"),
                                "service", Map.of("LogRetentionDays", "14", "EncryptLogs", "false",
                                        "MinCapacity", "1", "MaxCapacity", "2", "BakeTimeInMinutes", DEV_BAKE_MINUTES)),
                        Map.of()),
                new Environment("prod", "HTTPS only, deletion and termination protection, access logs, "
                        + "365-day KMS-encrypted logs", true,
                        Map.of(
                                "gitlab-oidc", Map.of("PipelineMayDeleteStacks", "false"),
                                "network", Map.of("EnableFlowLogs", "true", "FlowLogRetentionDays", "365",
                                        "EncryptLogs", "true"),
                                "alb", Map.of("DeletionProtection", "true", "AccessLogs", "true"),
                                "service", Map.of("LogRetentionDays", "365", "EncryptLogs", "true")),
                        Map.of("alb", List.of("CertificateArn"), "service", List.of("AlarmTopicArn"))));
    }

    public static Environment named(String name) {
        return all().stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no environment '" + name + "' (known: "
                        + all().stream().map(Environment::name).toList() + ")"));
    }
}
