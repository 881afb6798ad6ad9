package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.stacks.Environment.LoadBalancer;
import dev.hellostack.cfn.stacks.Environment.Network;
import dev.hellostack.cfn.stacks.Environment.Pipeline;
import dev.hellostack.cfn.stacks.Environment.Service;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The application and its environments, defined once: change a value here, run cfn-gen, and review the
 * diff of {@code templates/<env>/}.
 *
 * <ul>
 *   <li>{@code dev}: what the default branch deploys on every merge. Cheap: plain HTTP, no access logs,
 *       14 days of logs with CloudWatch Logs' own encryption, 1 to 2 tasks, a 2-minute bake time, the load
 *       balancer and the stacks deletable.</li>
 *   <li>{@code prod}: a promotion of the image dev runs. HTTPS only (a certificate and a host name are
 *       required at deploy time), deletion protection, access logs, 365 days of logs under customer-managed
 *       KMS keys, release alarms that notify an SNS topic (required), termination protection on every
 *       stack, and a deploy role that may not delete stacks. Its templates pass every AWS Control Tower
 *       proactive control but the two AWS makes impossible for an access-log bucket
 *       ({@code cfn-gen/guard/exclusions.yaml}).</li>
 * </ul>
 */
public final class Environments {

    /** The application's name: part of every stack, resource and export name. */
    public static final String APP = "hello";
    /** How many tagged images the image repository (shared by every environment) keeps. */
    public static final int KEEP_TAGGED_IMAGES = 100;
    /** How many images promoted to prod it keeps besides: 20 promotions, three images each (the manifest list, amd64, arm64). */
    public static final int KEEP_PROMOTED_IMAGES = 60;

    private Environments() {
    }

    public static List<Environment> all() {
        return List.of(
                new Environment(APP, "dev", "cheap: plain HTTP, no access logs, 14-day logs, 1-2 tasks, deletable",
                        new Network("10.1.0.0/16", 2, List.of(), true, 14, false),
                        new LoadBalancer(false, "0.0.0.0/0", false, false, 30),
                        new Service(256, 512, false, 1, 2, 1000, 60, "INFO", true, true, 2, false),
                        new Pipeline(false, true, true)),
                new Environment(APP, "prod", "HTTPS only, deletion and termination protection, access logs, "
                        + "365-day KMS-encrypted logs, alarms notify an SNS topic",
                        new Network("10.0.0.0/16", 2, List.of(), true, 365, true),
                        new LoadBalancer(true, "0.0.0.0/0", true, true, 365),
                        new Service(256, 512, false, 2, 6, 1000, 60, "INFO", true, true, 10, true),
                        new Pipeline(true, false, false)));
    }

    public static Environment named(String name) {
        return all().stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no environment '" + name + "' (known: "
                        + all().stream().map(Environment::name).toList() + ")"));
    }
}
