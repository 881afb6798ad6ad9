package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Parameter;
import dev.hellostack.cfn.model.Resource;
import dev.hellostack.cfn.model.Template;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The application: an ECS cluster, the Fargate task definition and service in the private subnets,
 * registered in the load balancer's target group, with target-tracking autoscaling.
 */
public final class ServiceStack implements Stack {

    /** The retention periods CloudWatch Logs accepts. */
    static final int[] LOG_RETENTION_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
        1827, 2192, 2557, 2922, 3288, 3653};

    /**
     * Every memory size Fargate accepts for the Cpu values we allow (512, then 1024 to 30720 in 1024
     * steps). Which sizes go with which Cpu is {@link #FARGATE_PAIRS}, checked by the template's rule
     * FargateCpuAndMemory before CloudFormation changes anything.
     */
    static final String[] FARGATE_MEMORY = fargateMemory();

    private static String[] fargateMemory() {
        List<String> sizes = new ArrayList<>(List.of("512"));
        for (int mib = 1024; mib <= 30720; mib += 1024) {
            sizes.add(String.valueOf(mib));
        }
        return sizes.toArray(String[]::new);
    }

    /**
     * The memory sizes (MiB) Fargate accepts for each Cpu value we allow (ECS developer guide, "Amazon ECS
     * task definition parameters for Fargate", Task size: 256 - 512, 1024, 2048; 512 - 1024 to 4096; 1024 -
     * 2048 to 8192; 2048 - 4096 to 16384; 4096 - 8192 to 30720, in 1024 steps).
     */
    static final Map<String, List<String>> FARGATE_PAIRS = fargatePairs();

    private static Map<String, List<String>> fargatePairs() {
        Map<String, List<String>> pairs = new java.util.LinkedHashMap<>();
        pairs.put("256", List.of("512", "1024", "2048"));
        int[][] ranges = {{512, 1024, 4096}, {1024, 2048, 8192}, {2048, 4096, 16384}, {4096, 8192, 30720}};
        for (int[] r : ranges) {
            List<String> sizes = new ArrayList<>();
            for (int mib = r[1]; mib <= r[2]; mib += 1024) {
                sizes.add(String.valueOf(mib));
            }
            pairs.put(String.valueOf(r[0]), List.copyOf(sizes));
        }
        return java.util.Collections.unmodifiableMap(pairs);
    }

    /** The largest MinCapacity: CloudFormation rules cannot compare numbers, so MinCapacity <= MaxCapacity is spelt out per value. */
    static final int MAX_MIN_CAPACITY = 10;

    /** The uid the image's Dockerfile creates and runs as. */
    public static final String CONTAINER_USER = "10001";
    /** The server's SHUTDOWN_TIMEOUT_SECONDS; ECS waits StopTimeout before SIGKILL, so that is longer. */
    static final int SHUTDOWN_TIMEOUT_SECONDS = 20;
    static final int STOP_TIMEOUT_SECONDS = 30;
    /** Longer than the load balancer's 60 s idle timeout, so the load balancer closes idle connections first. */
    static final int IDLE_TIMEOUT_SECONDS = 75;

    /** ECS assumes task roles with aws:SourceArn of this account's ECS resources in the Region. */
    static final Fn.Sub ECS_SOURCE_ARN = Iam.arn("ecs:${AWS::Region}:${AWS::AccountId}:*");

    static final String BLUE_GREEN = "BLUE_GREEN";
    static final String ROLLING = "ROLLING";
    /** The template's default bake time; the dev environment sets a shorter one. */
    static final int DEFAULT_BAKE_MINUTES = 10;
    /**
     * The longest bake time: the deploy job waits up to 40 minutes for a release (scripts/ci/release-wait.sh)
     * inside the deploy role's one-hour session, which also covers the check and draining.
     */
    static final int MAX_BAKE_MINUTES = 30;
    static final String HOOK_STAGE = "POST_TEST_TRAFFIC_SHIFT";
    static final String RELEASE_CHECK_SUFFIX = "-release-check";
    static final String RELEASE_CHECK_RUNTIME = "python3.12";
    /** Two requests per task with a 5 s timeout each, plus two ELB calls: well inside a minute for 10 tasks. */
    static final int RELEASE_CHECK_TIMEOUT_SECONDS = 120;
    /** The resource file of the release check, embedded in the template as Code.ZipFile (at most 4096 characters). */
    static final String RELEASE_CHECK_RESOURCE = "release_check.py";
    /** The read calls of AmazonECSInfrastructureRolePolicyForLoadBalancers; ELB authorises them only on "*". */
    static final List<String> LB_READ_ACTIONS = List.of("elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups",
            "elasticloadbalancing:DescribeTargetHealth");
    /** What Lambda does with the function's role to attach it to the VPC (Lambda developer guide, "Giving Lambda functions access to resources in an Amazon VPC"). */
    static final List<String> LAMBDA_ENI_ACTIONS = List.of("ec2:AssignPrivateIpAddresses", "ec2:CreateNetworkInterface",
            "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses");

    /** The lifecycle stage the release check runs at, for the docs. */
    public static String hookStage() {
        return HOOK_STAGE;
    }

    /** The release alarms' logical ids, comma-separated, for the docs. */
    public static String releaseAlarmIds() {
        return String.join(", ", ReleaseAlarm.all().stream().map(ReleaseAlarm::id).toList());
    }

    /** The release check's Python source, as the template embeds it. */
    static String releaseCheckCode() {
        try (java.io.InputStream in = ServiceStack.class.getResourceAsStream(RELEASE_CHECK_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RELEASE_CHECK_RESOURCE);
            }
            String code = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (code.length() > 4096) {
                throw new IllegalStateException(RELEASE_CHECK_RESOURCE + " has " + code.length()
                        + " characters; Code.ZipFile takes at most 4096");
            }
            return code;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, Object> env(String name, Object value) {
        return Obj.of("Name", name, "Value", value);
    }

    @Override
    public String name() {
        return "service";
    }

    @Override
    public String summary() {
        return "ECS cluster, Fargate task definition and service in the private subnets (blue/green releases with a "
                + "test-traffic check, bake time and alarm rollback), log group, task roles and security group, "
                + "autoscaling on requests per target and CPU";
    }

    @Override
    public Template template() {
        Template t = new Template(name(), "hello-stack: ECS cluster and Fargate service running the application image "
                + "in the private subnets behind the load balancer, with logs and autoscaling.");
        AppEnv app = AppEnv.declare(t);
        Parameter imageTag = t.parameter("ImageTag", "String")
                .allowedPattern("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
                .description("Image tag to run (the pipeline passes the commit SHA). Required.")
                .constraintDescription("ImageTag: 1 to 128 letters, digits, '_', '.', '-', not starting with '.' or '-'.");
        Parameter cpu = t.parameter("Cpu", "String")
                .defaultValue("256")
                .allowedValues("256", "512", "1024", "2048", "4096")
                .description("Task CPU units (1024 = 1 vCPU).")
                .constraintDescription("Cpu: 256, 512, 1024, 2048 or 4096.");
        Parameter memory = t.parameter("Memory", "String")
                .defaultValue("512")
                .allowedValues(FARGATE_MEMORY)
                .description("Task memory in MiB. Fargate accepts, per Cpu: 256: 512-2048; 512: 1024-4096; "
                        + "1024: 2048-8192; 2048: 4096-16384; 4096: 8192-30720 (in 1024 steps).")
                .constraintDescription("Memory: a Fargate memory size in MiB from 512 to 30720 (512, or a multiple of 1024).");
        Parameter arch = t.parameter("CpuArchitecture", "String")
                .defaultValue("X86_64")
                .allowedValues("X86_64", "ARM64")
                .description("CPU architecture of the tasks. The pipeline pushes the image as a manifest list for both "
                        + "(linux/amd64 and linux/arm64); ARM64 costs about 20% less on Fargate.")
                .constraintDescription("CpuArchitecture: X86_64 or ARM64.");
        Parameter min = t.parameter("MinCapacity", "Number")
                .defaultValue(2)
                .range(1, MAX_MIN_CAPACITY)
                .description("Fewest tasks autoscaling keeps (2 or more keeps one per Availability Zone), at most "
                        + "MaxCapacity. A new service starts with 1 task and autoscaling raises it to this.")
                .constraintDescription("MinCapacity: an integer from 1 to " + MAX_MIN_CAPACITY + ".");
        Parameter max = t.parameter("MaxCapacity", "Number")
                .defaultValue(6)
                .range(1, 100)
                .description("Most tasks autoscaling starts.")
                .constraintDescription("MaxCapacity: an integer from 1 to 100.");
        Parameter requests = t.parameter("TargetRequestsPerTask", "Number")
                .defaultValue(1000)
                .range(1, 1000000)
                .description("Autoscaling target: load balancer requests per task per minute.")
                .constraintDescription("TargetRequestsPerTask: an integer from 1 to 1000000.");
        Parameter cpuTarget = t.parameter("TargetCpuPercent", "Number")
                .defaultValue(60)
                .range(10, 90)
                .description("Autoscaling target: average CPU utilisation of the service, in percent.")
                .constraintDescription("TargetCpuPercent: an integer from 10 to 90.");
        Parameter retention = t.parameter("LogRetentionDays", "Number")
                .defaultValue(30)
                .allowedValues(LOG_RETENTION_DAYS)
                .description("Days to keep the application's logs.")
                .constraintDescription("LogRetentionDays: one of the retention periods CloudWatch Logs allows.");
        Parameter logLevel = t.parameter("LogLevel", "String")
                .defaultValue("INFO")
                .allowedValues("ERROR", "WARN", "INFO", "DEBUG")
                .description("The server's LOG_LEVEL.")
                .constraintDescription("LogLevel: ERROR, WARN, INFO or DEBUG.");
        Parameter accessLog = t.parameter("AccessLog", "String")
                .defaultValue("true")
                .allowedValues("true", "false")
                .description("The server's ACCESS_LOG: log one line per request.")
                .constraintDescription("AccessLog: true or false.");
        Parameter s3PrefixList = t.parameter("S3PrefixListId", "String")
                .defaultValue("")
                .allowedPattern("^$|^pl-[0-9a-f]{8,17}$")
                .description("Optional: the S3 prefix list id (pl-...) of this region, to limit task egress to S3 and the VPC "
                        + "instead of 0.0.0.0/0 on port 443. Empty: 443 to anywhere (the private subnets have no route out "
                        + "except the endpoints).")
                .constraintDescription("S3PrefixListId: empty, or a prefix list id such as pl-6ea54007.");
        Parameter strategy = t.parameter("DeploymentStrategy", "String")
                .defaultValue(BLUE_GREEN)
                .allowedValues(BLUE_GREEN, ROLLING)
                .description("BLUE_GREEN: a release starts a second set of tasks, checks it with test traffic before "
                        + "production moves, keeps both for BakeTimeInMinutes and rolls back on a failed check or alarm. "
                        + "ROLLING: tasks are replaced a few at a time, the circuit breaker and the alarms roll back.")
                .constraintDescription("DeploymentStrategy: BLUE_GREEN or ROLLING.");
        Parameter bake = t.parameter("BakeTimeInMinutes", "Number")
                .defaultValue(DEFAULT_BAKE_MINUTES)
                .range(0, MAX_BAKE_MINUTES)
                .description("BLUE_GREEN: minutes the old tasks keep running after production moved to the new ones; "
                        + "an alarm during that time rolls back at once. Both sets of tasks are paid for meanwhile. "
                        + "At most " + MAX_BAKE_MINUTES + ", so the deploy job can wait for the outcome (ECS allows 1440).")
                .constraintDescription("BakeTimeInMinutes: an integer from 0 to " + MAX_BAKE_MINUTES + ".");
        Parameter alarmTopic = t.parameter("AlarmTopicArn", "String")
                .defaultValue("")
                .allowedPattern("^$|^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$")
                .description("Optional: an SNS topic the release alarms notify (ALARM and OK). Required in prod. "
                        + "The alarms roll a release back whether or not it is set.")
                .constraintDescription("AlarmTopicArn: empty, or an SNS topic ARN.");
        t.parameterGroup("Application", app.appName, app.envName, imageTag);
        t.parameterGroup("Releases", strategy, bake, alarmTopic);
        t.parameterGroup("Task", cpu, memory, arch, logLevel, accessLog, retention);
        t.parameterGroup("Scaling", min, max, requests, cpuTarget);
        t.parameterGroup("Network", s3PrefixList);

        List<Fn> pairs = new ArrayList<>();
        FARGATE_PAIRS.forEach((c, sizes) -> pairs.add(Fn.or(Fn.not(Fn.equalsFn(cpu.ref(), c)), Fn.contains(sizes, memory.ref()))));
        t.rule("FargateCpuAndMemory", Fn.and(pairs.toArray(Fn[]::new)), "Memory must be a size Fargate accepts for the "
                + "Cpu: 256: 512, 1024 or 2048; 512: 1024-4096; 1024: 2048-8192; 2048: 4096-16384; 4096: 8192-30720 "
                + "(in 1024 steps).");
        List<Fn> atMost = new ArrayList<>();
        for (int k = 2; k <= MAX_MIN_CAPACITY; k++) {
            List<String> below = new ArrayList<>();
            for (int m = 1; m < k; m++) {
                below.add(String.valueOf(m));
            }
            atMost.add(Fn.or(Fn.not(Fn.equalsFn(min.ref(), String.valueOf(k))), Fn.not(Fn.contains(below, max.ref()))));
        }
        t.rule("MinCapacityAtMostMaxCapacity", Fn.and(atMost.toArray(Fn[]::new)), "MinCapacity must not be greater than "
                + "MaxCapacity.");

        Fn.Condition usePrefixList = t.condition("UseS3PrefixList", Fn.not(Fn.equalsFn(s3PrefixList.ref(), "")));
        Fn.Condition blueGreen = t.condition("BlueGreen", Fn.equalsFn(strategy.ref(), BLUE_GREEN));
        Fn.Condition hasTopic = t.condition("HasAlarmTopic", Fn.not(Fn.equalsFn(alarmTopic.ref(), "")));

        Resource cluster = t.resource("Cluster", "AWS::ECS::Cluster")
                .prop("ClusterName", AppEnv.name(""))
                .prop("ClusterSettings", List.of(Obj.of("Name", "containerInsights", "Value", "enabled")))
                .prop("Tags", app.tags());
        LogsKey logsKey = LogsKey.declare(t, app, "/ecs/${AppName}-${EnvName}");
        Resource logGroup = LogGroups.keep(t.resource("LogGroup", "AWS::Logs::LogGroup"))
                .prop("LogGroupName", Fn.sub("/ecs/${AppName}-${EnvName}"))
                .prop("RetentionInDays", retention.ref())
                .prop("KmsKeyId", logsKey.kmsKeyId())
                .prop("Tags", app.tags());

        // Roles live under the IAM path /${AppName}/${EnvName}/, the only path the CloudFormation execution role
        // may create, pass and delete roles in; their names say the same for people reading the console.
        Resource executionRole = AppEnv.workloadRole(t, "TaskExecutionRole", "-task-exec",
                "ECS pulls the image from our repository and writes to our log group",
                Iam.serviceTrust("ecs-tasks.amazonaws.com", null))
                .prop("Policies", List.of(Iam.inline("PullImageWriteLogs", Iam.document(
                        Iam.allow("EcrLogin", List.of("ecr:GetAuthorizationToken"), "*"),
                        Iam.allow("PullFromOurRepository",
                                List.of("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
                                AppEnv.importValue(EcrStack.REPOSITORY_ARN)),
                        Iam.allow("WriteOurLogGroup", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                                logGroup.getAtt("Arn"))))))
                .prop("Tags", app.tags());
        Resource taskRole = AppEnv.workloadRole(t, "TaskRole", "-task",
                "The application's own AWS identity: no permissions (it calls no AWS API)",
                Iam.serviceTrust("ecs-tasks.amazonaws.com", ECS_SOURCE_ARN))
                .prop("Tags", app.tags());

        Resource taskSg = t.resource("TaskSecurityGroup", "AWS::EC2::SecurityGroup")
                .prop("GroupDescription", "Tasks: app port from the load balancer only; HTTPS out to the endpoints and S3")
                .prop("VpcId", AppEnv.importValue(NetworkStack.VPC_ID))
                .prop("SecurityGroupIngress", List.of(AlbStack.tcp(AlbStack.APP_PORT, "SourceSecurityGroupId",
                        AppEnv.importValue(AlbStack.SECURITY_GROUP), "From the load balancer")))
                .prop("SecurityGroupEgress", List.of(
                        Fn.ifThen(usePrefixList,
                                AlbStack.tcp(443, "DestinationPrefixListId", s3PrefixList.ref(), "HTTPS to S3 (image layers)"),
                                AlbStack.tcp(443, "CidrIp", "0.0.0.0/0",
                                        "HTTPS to the VPC endpoints and S3 (image layers come from S3's public addresses)")),
                        Fn.ifThen(usePrefixList,
                                AlbStack.tcp(443, "CidrIp", AppEnv.importValue(NetworkStack.VPC_CIDR),
                                        "HTTPS to the VPC interface endpoints (ECR, Logs)"),
                                Fn.Pseudo.NO_VALUE)))
                .prop("Tags", app.tags("-tasks"));

        // The server's settings (see the server's ServerConfig), sorted by name. EVENT_LOOPS is not set:
        // the server then runs one event loop per processor the JVM sees, which follows the task's Cpu.
        // (An Fn::If entry here would also trip Control Tower's CT.ECS.PR.12, which reads every Name.)
        Map<String, Object> environment = new TreeMap<>(Map.of(
                "PORT", env("PORT", String.valueOf(AlbStack.APP_PORT)),
                "HOST", env("HOST", "0.0.0.0"),
                "IDLE_TIMEOUT_SECONDS", env("IDLE_TIMEOUT_SECONDS", String.valueOf(IDLE_TIMEOUT_SECONDS)),
                "SHUTDOWN_TIMEOUT_SECONDS", env("SHUTDOWN_TIMEOUT_SECONDS", String.valueOf(SHUTDOWN_TIMEOUT_SECONDS)),
                "LOG_LEVEL", env("LOG_LEVEL", logLevel.ref()),
                "ACCESS_LOG", env("ACCESS_LOG", accessLog.ref())));
        Resource taskDef = t.resource("TaskDefinition", "AWS::ECS::TaskDefinition")
                .prop("Family", AppEnv.name(""))
                .prop("RequiresCompatibilities", List.of("FARGATE"))
                .prop("NetworkMode", "awsvpc")
                .prop("Cpu", cpu.ref())
                .prop("Memory", memory.ref())
                .prop("RuntimePlatform", Obj.of("CpuArchitecture", arch.ref(), "OperatingSystemFamily", "LINUX"))
                .prop("ExecutionRoleArn", executionRole.getAtt("Arn"))
                .prop("TaskRoleArn", taskRole.getAtt("Arn"))
                .prop("Volumes", List.of(Obj.of("Name", "tmp")))
                .prop("ContainerDefinitions", List.of(Obj.of(
                        "Name", "app",
                        "Image", Fn.sub("${RepositoryUri}:${ImageTag}",
                                Map.of("RepositoryUri", AppEnv.importValue(EcrStack.REPOSITORY_URI))),
                        "Essential", true,
                        "User", CONTAINER_USER,
                        "ReadonlyRootFilesystem", true,
                        "Memory", memory.ref(),
                        "PortMappings", List.of(Obj.of("ContainerPort", AlbStack.APP_PORT, "Protocol", "tcp")),
                        "Environment", new ArrayList<>(environment.values()),
                        "MountPoints", List.of(Obj.of("SourceVolume", "tmp", "ContainerPath", "/tmp", "ReadOnly", false)),
                        "StopTimeout", STOP_TIMEOUT_SECONDS,
                        "LogConfiguration", Obj.of(
                                "LogDriver", "awslogs",
                                "Options", Map.of(
                                        "awslogs-group", logGroup.ref(),
                                        "awslogs-region", Fn.Pseudo.REGION,
                                        "awslogs-stream-prefix", "ecs",
                                        "mode", "non-blocking")))))
                .prop("Tags", app.tags());

        // --- Blue/green releases -------------------------------------------------------------------------
        // ECS rewrites the two listener rules' weights and registers tasks in the two target groups with this
        // role. The AWS managed policy AmazonECSInfrastructureRolePolicyForLoadBalancers allows the same
        // actions on every target group, listener and rule of the account; here they name ours only.
        // ModifyListener is left out: ECS is given rules, not a listener (docs/deploying.md).
        Resource lbRole = AppEnv.workloadRole(t, "LoadBalancerInfrastructureRole", "-ecs-lb",
                "ECS shifts traffic between our two target groups by rewriting our two listener rules",
                Iam.plainServiceTrust("ecs.amazonaws.com"))
                .prop("Policies", List.of(Iam.inline("ShiftTrafficBetweenOurTargetGroups", Iam.document(
                        Iam.allow("ReadLoadBalancing", LB_READ_ACTIONS, "*"),
                        Iam.allow("RegisterTasksInOurTargetGroups", List.of("elasticloadbalancing:DeregisterTargets",
                                        "elasticloadbalancing:RegisterTargets"),
                                AppEnv.importValue(AlbStack.TARGET_GROUP_ARN),
                                AppEnv.importValue(AlbStack.ALT_TARGET_GROUP_ARN)),
                        Iam.allow("ShiftOurListenerRules", List.of("elasticloadbalancing:ModifyRule"),
                                AppEnv.importValue(AlbStack.PRODUCTION_RULE_ARN),
                                AppEnv.importValue(AlbStack.TEST_RULE_ARN))))))
                .prop("Tags", app.tags());

        // The release check: a Lambda function in the private subnets (Control Tower's CT.LAMBDA.PR.3 wants
        // functions in a VPC, and the private subnets cannot reach the internet-facing load balancer without
        // a NAT), so it asks the new revision's tasks directly, on the app port. See release_check.py.
        Resource hookSg = t.resource("ReleaseCheckSecurityGroup", "AWS::EC2::SecurityGroup")
                .prop("GroupDescription", "Release check: to the app port of the tasks and to the VPC endpoints (HTTPS) only")
                .prop("VpcId", AppEnv.importValue(NetworkStack.VPC_ID))
                .prop("SecurityGroupEgress", List.of(
                        AlbStack.tcp(AlbStack.APP_PORT, "DestinationSecurityGroupId", taskSg.ref(), "To the tasks"),
                        AlbStack.tcp(443, "CidrIp", AppEnv.importValue(NetworkStack.VPC_CIDR),
                                "HTTPS to the Elastic Load Balancing and Logs endpoints")))
                .prop("Tags", app.tags("-release-check"));
        t.resource("TaskIngressFromReleaseCheck", "AWS::EC2::SecurityGroupIngress")
                .prop("GroupId", taskSg.ref())
                .prop("IpProtocol", "tcp")
                .prop("FromPort", AlbStack.APP_PORT)
                .prop("ToPort", AlbStack.APP_PORT)
                .prop("SourceSecurityGroupId", hookSg.ref())
                .prop("Description", "From the release check");
        Resource hookRole = AppEnv.workloadRole(t, "ReleaseCheckRole", "-release-check",
                "The release check: find the new revision's tasks, run in our VPC, write our log group",
                Iam.plainServiceTrust("lambda.amazonaws.com"))
                .prop("Policies", List.of(Iam.inline("CheckTheNewRevision", Iam.document(
                        Iam.allow("FindTheNewRevision", List.of("elasticloadbalancing:DescribeRules",
                                "elasticloadbalancing:DescribeTargetHealth"), "*"),
                        Iam.allow("DescribeNetworkInterfaces", List.of("ec2:DescribeNetworkInterfaces",
                                "ec2:DescribeSubnets"), "*"),
                        Iam.allow("NetworkInterfacesInOurVpc", LAMBDA_ENI_ACTIONS,
                                Iam.arn("ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*"),
                                Iam.arn("ec2:${AWS::Region}:${AWS::AccountId}:subnet/*"),
                                Iam.arn("ec2:${AWS::Region}:${AWS::AccountId}:security-group/*")),
                        Iam.allow("WriteOurLogGroup", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                                logGroup.getAtt("Arn"))))))
                .prop("Tags", app.tags());
        Resource hook = t.resource("ReleaseCheckFunction", "AWS::Lambda::Function")
                .prop("FunctionName", AppEnv.name(RELEASE_CHECK_SUFFIX))
                .prop("Description", "ECS blue/green hook (POST_TEST_TRAFFIC_SHIFT): the new revision answers GET /hello "
                        + "and GET /health before production moves")
                .prop("Runtime", RELEASE_CHECK_RUNTIME)
                .prop("Handler", "index.handler")
                .prop("Code", Obj.of("ZipFile", releaseCheckCode()))
                .prop("Role", hookRole.getAtt("Arn"))
                .prop("Timeout", RELEASE_CHECK_TIMEOUT_SECONDS)
                .prop("MemorySize", 128)
                .prop("Environment", Obj.of("Variables", Obj.of(
                        "TEST_LISTENER_RULE_ARN", AppEnv.importValue(AlbStack.TEST_RULE_ARN),
                        "CHECK_TIMEOUT_SECONDS", "5")))
                .prop("LoggingConfig", Obj.of("LogGroup", logGroup.ref(), "LogFormat", "Text"))
                .prop("VpcConfig", Obj.of(
                        "SubnetIds", Fn.split(",", AppEnv.importValue(NetworkStack.PRIVATE_SUBNETS)),
                        "SecurityGroupIds", List.of(hookSg.ref())))
                .prop("Tags", app.tags());
        Resource hookInvokeRole = AppEnv.workloadRole(t, "ReleaseHookInvokeRole", "-ecs-hook",
                "ECS invokes our release check during a blue/green release",
                Iam.plainServiceTrust("ecs.amazonaws.com"))
                .prop("Policies", List.of(Iam.inline("InvokeOurReleaseCheck", Iam.document(
                        Iam.allow("InvokeOurReleaseCheck", List.of("lambda:InvokeFunction"), hook.getAtt("Arn"))))))
                .prop("Tags", app.tags());

        // AlarmNames are the alarms' names as text, not Refs: the running-task alarm names the service (a Ref
        // would make a cycle), so it is created after the service, as the CDK does for deployment alarms
        // defined after their service. ECS reads the alarms when a deployment runs.
        List<Object> alarmNames = new ArrayList<>();
        for (ReleaseAlarm alarm : ReleaseAlarm.all()) {
            Resource r = t.resource(alarm.id(), "AWS::CloudWatch::Alarm");
            alarm.define(r, min.ref());
            r.prop("AlarmActions", Fn.ifThen(hasTopic, List.of(alarmTopic.ref()), Fn.Pseudo.NO_VALUE))
                    .prop("OKActions", Fn.ifThen(hasTopic, List.of(alarmTopic.ref()), Fn.Pseudo.NO_VALUE))
                    .prop("Tags", app.tags());
            alarmNames.add(alarm.alarmName());
        }
        Map<String, Object> alarms = Obj.of("AlarmNames", alarmNames, "Enable", true, "Rollback", true);

        Resource service = t.resource("Service", "AWS::ECS::Service")
                .prop("Cluster", cluster.ref())
                .prop("LaunchType", "FARGATE")
                .prop("PlatformVersion", "LATEST")
                .prop("TaskDefinition", taskDef.ref())
                // No DesiredCount: autoscaling owns the task count. With one here, every deploy would reset
                // the count autoscaling chose. ECS starts a new service with 1 task; MinCapacity raises it.
                .prop("HealthCheckGracePeriodSeconds", 60)
                .prop("DeploymentController", Obj.of("Type", "ECS"))
                // The circuit breaker is for rolling updates only ("can only be used for services using the rolling
                // update (ECS) deployment type", ECS API reference, DeploymentConfiguration). Blue/green rolls back
                // on a failed hook, on an alarm, and when the new tasks never get healthy.
                .prop("DeploymentConfiguration", Fn.ifThen(blueGreen,
                        Obj.of("Strategy", BLUE_GREEN,
                                "BakeTimeInMinutes", bake.ref(),
                                "MinimumHealthyPercent", 100,
                                "MaximumPercent", 200,
                                "LifecycleHooks", List.of(Obj.of(
                                        "HookTargetArn", hook.getAtt("Arn"),
                                        "RoleArn", hookInvokeRole.getAtt("Arn"),
                                        "LifecycleStages", List.of(HOOK_STAGE))),
                                "Alarms", alarms),
                        Obj.of("Strategy", ROLLING,
                                "MinimumHealthyPercent", 100,
                                "MaximumPercent", 200,
                                "DeploymentCircuitBreaker", Obj.of("Enable", true, "Rollback", true),
                                "Alarms", alarms)))
                .prop("NetworkConfiguration", Obj.of("AwsvpcConfiguration", Obj.of(
                        "AssignPublicIp", "DISABLED",
                        "Subnets", Fn.split(",", AppEnv.importValue(NetworkStack.PRIVATE_SUBNETS)),
                        "SecurityGroups", List.of(taskSg.ref()))))
                .prop("LoadBalancers", List.of(Obj.of(
                        "ContainerName", "app",
                        "ContainerPort", AlbStack.APP_PORT,
                        "TargetGroupArn", AppEnv.importValue(AlbStack.TARGET_GROUP_ARN),
                        "AdvancedConfiguration", Fn.ifThen(blueGreen, Obj.of(
                                "AlternateTargetGroupArn", AppEnv.importValue(AlbStack.ALT_TARGET_GROUP_ARN),
                                "ProductionListenerRule", AppEnv.importValue(AlbStack.PRODUCTION_RULE_ARN),
                                "TestListenerRule", AppEnv.importValue(AlbStack.TEST_RULE_ARN),
                                "RoleArn", lbRole.getAtt("Arn")), Fn.Pseudo.NO_VALUE))))
                .prop("PropagateTags", "SERVICE")
                .prop("EnableECSManagedTags", true)
                .prop("Tags", app.tags());

        Resource scalable = t.resource("ScalableTarget", "AWS::ApplicationAutoScaling::ScalableTarget")
                .prop("ServiceNamespace", "ecs")
                .prop("ScalableDimension", "ecs:service:DesiredCount")
                .prop("ResourceId", Fn.sub("service/${Cluster}/${Service.Name}"))
                .prop("MinCapacity", min.ref())
                .prop("MaxCapacity", max.ref());
        t.resource("RequestCountScalingPolicy", "AWS::ApplicationAutoScaling::ScalingPolicy")
                .prop("PolicyName", Fn.sub("${AppName}-${EnvName}-requests-per-task"))
                .prop("PolicyType", "TargetTrackingScaling")
                .prop("ScalingTargetId", scalable.ref())
                .prop("TargetTrackingScalingPolicyConfiguration", Obj.of(
                        "PredefinedMetricSpecification", Obj.of(
                                "PredefinedMetricType", "ALBRequestCountPerTarget",
                                "ResourceLabel", Fn.join("/",
                                        AppEnv.importValue(AlbStack.LB_FULL_NAME),
                                        AppEnv.importValue(AlbStack.TG_FULL_NAME))),
                        "TargetValue", requests.ref(),
                        "ScaleOutCooldown", 60,
                        "ScaleInCooldown", 300));
        t.resource("CpuScalingPolicy", "AWS::ApplicationAutoScaling::ScalingPolicy")
                .prop("PolicyName", Fn.sub("${AppName}-${EnvName}-cpu"))
                .prop("PolicyType", "TargetTrackingScaling")
                .prop("ScalingTargetId", scalable.ref())
                .prop("TargetTrackingScalingPolicyConfiguration", Obj.of(
                        "PredefinedMetricSpecification", Obj.of(
                                "PredefinedMetricType", "ECSServiceAverageCPUUtilization"),
                        "TargetValue", cpuTarget.ref(),
                        "ScaleOutCooldown", 60,
                        "ScaleInCooldown", 300));

        t.output("ClusterName", cluster.ref()).description("The ECS cluster.");
        t.output("ServiceName", service.getAtt("Name")).description("The ECS service.");
        t.output("TaskDefinitionArn", taskDef.ref())
                .description("The task definition this stack deployed; the service should be running it (a rolled-back "
                        + "deployment runs an older one).");
        return t;
    }
}
