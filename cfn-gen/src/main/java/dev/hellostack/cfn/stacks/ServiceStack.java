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
    static final Fn.Sub ECS_SOURCE_ARN = Fn.sub("arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:*");

    private static Map<String, Object> env(String name, Object value) {
        return Obj.of("Name", name, "Value", value);
    }

    @Override
    public String name() {
        return "service";
    }

    @Override
    public String summary() {
        return "ECS cluster, Fargate task definition and service in the private subnets, log group, "
                + "task roles and security group, autoscaling on requests per target and CPU";
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
        t.parameterGroup("Application", app.appName, app.envName, imageTag);
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
        Resource executionRole = t.resource("TaskExecutionRole", "AWS::IAM::Role")
                .prop("RoleName", AppEnv.name("-task-exec"))
                .prop("Path", Fn.sub(AppEnv.ROLE_PATH))
                .prop("Description", "ECS pulls the image from our repository and writes to our log group")
                .prop("AssumeRolePolicyDocument", Iam.serviceTrust("ecs-tasks.amazonaws.com", null))
                .prop("PermissionsBoundary", AppEnv.importValue(GitlabOidcStack.BOUNDARY_EXPORT))
                .prop("Policies", List.of(Iam.inline("PullImageWriteLogs", Iam.document(
                        Iam.allow("EcrLogin", List.of("ecr:GetAuthorizationToken"), "*"),
                        Iam.allow("PullFromOurRepository",
                                List.of("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
                                AppEnv.importValue(EcrStack.REPOSITORY_ARN)),
                        Iam.allow("WriteOurLogGroup", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                                logGroup.getAtt("Arn"))))))
                .prop("Tags", app.tags());
        Resource taskRole = t.resource("TaskRole", "AWS::IAM::Role")
                .prop("RoleName", AppEnv.name("-task"))
                .prop("Path", Fn.sub(AppEnv.ROLE_PATH))
                .prop("Description", "The application's own AWS identity: no permissions (it calls no AWS API)")
                .prop("AssumeRolePolicyDocument", Iam.serviceTrust("ecs-tasks.amazonaws.com", ECS_SOURCE_ARN))
                .prop("PermissionsBoundary", AppEnv.importValue(GitlabOidcStack.BOUNDARY_EXPORT))
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

        Resource service = t.resource("Service", "AWS::ECS::Service")
                .prop("Cluster", cluster.ref())
                .prop("LaunchType", "FARGATE")
                .prop("PlatformVersion", "LATEST")
                .prop("TaskDefinition", taskDef.ref())
                // No DesiredCount: autoscaling owns the task count. With one here, every deploy would reset
                // the count autoscaling chose. ECS starts a new service with 1 task; MinCapacity raises it.
                .prop("HealthCheckGracePeriodSeconds", 60)
                .prop("DeploymentConfiguration", Obj.of(
                        "MinimumHealthyPercent", 100,
                        "MaximumPercent", 200,
                        "DeploymentCircuitBreaker", Obj.of("Enable", true, "Rollback", true)))
                .prop("NetworkConfiguration", Obj.of("AwsvpcConfiguration", Obj.of(
                        "AssignPublicIp", "DISABLED",
                        "Subnets", Fn.split(",", AppEnv.importValue(NetworkStack.PRIVATE_SUBNETS)),
                        "SecurityGroups", List.of(taskSg.ref()))))
                .prop("LoadBalancers", List.of(Obj.of(
                        "ContainerName", "app",
                        "ContainerPort", AlbStack.APP_PORT,
                        "TargetGroupArn", AppEnv.importValue(AlbStack.TARGET_GROUP_ARN))))
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
