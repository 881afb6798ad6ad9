package dev.hellostack.cfn.stacks;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One environment of the application: every value its templates hold. cfn-gen applies it at generation
 * time and writes {@code templates/<name>/<stack>.yaml}, so what is deployed is the file you read; the
 * templates keep as parameters only what is known at deploy time (the image tag, a certificate, an alarm
 * topic, the live traffic weights). Defined once, in {@link Environments}; {@link #check()} refuses at
 * generation time what CloudFormation or AWS would only refuse half-way through a deploy.
 *
 * @param app     the application name: part of every stack, resource and export name
 * @param name    the environment name (the pipeline's DEPLOY_ENV)
 * @param summary one line for the docs
 * @param network the VPC
 * @param alb     the load balancer
 * @param service the ECS service and its releases
 * @param pipeline what the pipeline may do to the stacks
 */
public record Environment(String app, String name, String summary, Network network, LoadBalancer alb,
        Service service, Pipeline pipeline) {

    /**
     * Lower-case letters and digits, starting with a letter: valid in stack, bucket, ECR, log group and
     * load balancer names. No hyphen, so {@code <app>-<env>-} names exactly one application and
     * environment (with hyphens, hello+prod and hello-prod+x would share the prefix hello-prod-, and every
     * IAM pattern built on it).
     */
    public static final String NAME_PATTERN = "[a-z][a-z0-9]*";
    /**
     * Elastic Load Balancing allows 32 characters in a load balancer or target group name, and the
     * longest name built on {@code <app>-<env>} is the target group {@code <app>-<env>-alt}: 16 + 1 + 10 + 4 = 31.
     */
    public static final int MAX_APP_LENGTH = 16;
    public static final int MAX_ENV_LENGTH = 10;

    /** The retention periods CloudWatch Logs accepts (PutRetentionPolicy, retentionInDays). */
    public static final List<Integer> LOG_RETENTION_DAYS = List.of(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365,
            400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653);

    /**
     * @param vpcCidr           the VPC's IPv4 block, /16 to /21; subnets are /24s (public ones in the first /22,
     *                          private ones in the second)
     * @param zones             2 or 3 Availability Zones
     * @param zoneIds           empty (the first zones Fn::GetAZs lists) or as many zone ids as {@code zones}
     * @param flowLogs          record VPC flow logs
     * @param logRetentionDays  days to keep every log group of the environment
     * @param encryptLogs       encrypt each log group with a customer-managed KMS key of its stack
     */
    public record Network(String vpcCidr, int zones, List<String> zoneIds, boolean flowLogs, int logRetentionDays,
            boolean encryptLogs) {
        public Network {
            zoneIds = List.copyOf(zoneIds);
        }
    }

    /**
     * @param https               HTTPS on 443 with a certificate given at deploy time (CertificateArn) for the
     *                            host DomainName, and HTTP redirecting to it; false: plain HTTP on 80
     * @param ingressCidr         who may reach the load balancer
     * @param deletionProtection  the load balancer's deletion protection
     * @param accessLogs          access logs in an S3 bucket of the alb stack
     * @param accessLogsDays      days to keep access log files
     */
    public record LoadBalancer(boolean https, String ingressCidr, boolean deletionProtection, boolean accessLogs,
            int accessLogsDays) {
    }

    /**
     * @param cpu                 task CPU units
     * @param memory              task memory, MiB
     * @param arm64               ARM64 tasks (else X86_64); the image has both
     * @param minCapacity         fewest tasks
     * @param maxCapacity         most tasks
     * @param requestsPerTask     autoscaling target: requests per task per minute
     * @param cpuPercent          autoscaling target: average CPU utilisation
     * @param logLevel            the server's LOG_LEVEL
     * @param accessLog           the server's ACCESS_LOG
     * @param blueGreen           blue/green releases (else rolling updates)
     * @param bakeTimeMinutes     blue/green: minutes the old tasks stay after production moved
     * @param alarmTopic          the release alarms notify an SNS topic given at deploy time (AlarmTopicArn)
     */
    public record Service(int cpu, int memory, boolean arm64, int minCapacity, int maxCapacity, int requestsPerTask,
            int cpuPercent, String logLevel, boolean accessLog, boolean blueGreen, int bakeTimeMinutes,
            boolean alarmTopic) {
    }

    /**
     * @param terminationProtection the pipeline turns stack termination protection on after each deploy
     * @param mayDeleteStacks       the deploy role may delete this environment's stacks (to retry a failed
     *                              first create); false: a merge cannot delete them
     * @param pushesImages          the default branch builds the images with this environment's deploy role
     *                              (exactly one environment does; the others are promotions of its images)
     */
    public record Pipeline(boolean terminationProtection, boolean mayDeleteStacks, boolean pushesImages) {
    }

    /** The longest bake time: the deploy job waits for a release inside its role session (scripts/ci/release-wait.sh). */
    public static final int MAX_BAKE_MINUTES = 30;

    public Environment {
        Objects.requireNonNull(app, "app");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(alb, "alb");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(pipeline, "pipeline");
    }

    /** {@code <app>-<env>}: the name of the cluster, service, load balancer, repository and every stack. */
    public String prefix() {
        return app + "-" + name;
    }

    /**
     * Every problem with the values, each naming the environment and the field; empty when the environment
     * can be deployed. The generator refuses to write templates for an environment with problems.
     */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        String where = "environment '" + name + "': ";
        if (!app.matches(NAME_PATTERN) || app.length() > MAX_APP_LENGTH) {
            p.add(where + "app '" + app + "' must be 1 to " + MAX_APP_LENGTH + " lower-case letters and digits, starting with a letter");
        }
        if (!name.matches(NAME_PATTERN) || name.length() > MAX_ENV_LENGTH) {
            p.add(where + "name must be 1 to " + MAX_ENV_LENGTH + " lower-case letters and digits, starting with a letter");
        }
        int prefix = Cidrs.prefixLength(network.vpcCidr());
        if (prefix < 16 || prefix > 21) {
            p.add(where + "network.vpcCidr " + network.vpcCidr() + " must be an IPv4 block from /16 to /21");
        }
        if (network.zones() != 2 && network.zones() != 3) {
            p.add(where + "network.zones is " + network.zones() + "; allowed: 2, 3");
        }
        if (!network.zoneIds().isEmpty() && network.zoneIds().size() != network.zones()) {
            p.add(where + "network.zoneIds lists " + network.zoneIds().size() + " zones for " + network.zones() + " zones");
        }
        for (String id : network.zoneIds()) {
            if (!id.matches("[a-z0-9]+-az[0-9]+")) {
                p.add(where + "network.zoneIds entry '" + id + "' is not a zone id such as use1-az1");
            }
        }
        if (!LOG_RETENTION_DAYS.contains(network.logRetentionDays())) {
            p.add(where + "network.logRetentionDays " + network.logRetentionDays() + " is not one CloudWatch Logs allows: "
                    + LOG_RETENTION_DAYS);
        }
        if (Cidrs.prefixLength(alb.ingressCidr()) < 0) {
            p.add(where + "alb.ingressCidr " + alb.ingressCidr() + " is not an IPv4 CIDR block");
        }
        if (alb.accessLogsDays() < 1 || alb.accessLogsDays() > 3650) {
            p.add(where + "alb.accessLogsDays " + alb.accessLogsDays() + " must be 1 to 3650");
        }
        List<Integer> memory = Fargate.MEMORY.get(service.cpu());
        if (memory == null) {
            p.add(where + "service.cpu " + service.cpu() + "; allowed: " + Fargate.MEMORY.keySet());
        } else if (!memory.contains(service.memory())) {
            p.add(where + "service.memory " + service.memory() + " MiB does not go with cpu " + service.cpu()
                    + "; Fargate allows " + Fargate.describe(service.cpu()));
        }
        if (service.minCapacity() < 1 || service.minCapacity() > service.maxCapacity() || service.maxCapacity() > 100) {
            p.add(where + "service.minCapacity " + service.minCapacity() + " and maxCapacity " + service.maxCapacity()
                    + " must satisfy 1 <= minCapacity <= maxCapacity <= 100");
        }
        if (service.requestsPerTask() < 1 || service.cpuPercent() < 10 || service.cpuPercent() > 90) {
            p.add(where + "service.requestsPerTask must be >= 1 and cpuPercent 10 to 90");
        }
        if (!List.of("ERROR", "WARN", "INFO", "DEBUG").contains(service.logLevel())) {
            p.add(where + "service.logLevel '" + service.logLevel() + "'; allowed: ERROR, WARN, INFO, DEBUG");
        }
        if (service.bakeTimeMinutes() < 0 || service.bakeTimeMinutes() > MAX_BAKE_MINUTES) {
            p.add(where + "service.bakeTimeMinutes " + service.bakeTimeMinutes() + " must be 0 to " + MAX_BAKE_MINUTES
                    + " (the deploy job waits for the release inside its role session)");
        }
        return p;
    }
}
