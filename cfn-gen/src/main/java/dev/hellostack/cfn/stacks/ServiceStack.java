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

    /** The uid the image's Dockerfile creates and runs as. */
    public static final String CONTAINER_USER = "10001";
    /** The server's SHUTDOWN_TIMEOUT_SECONDS; ECS waits StopTimeout before SIGKILL, so that is longer. */
    static final int SHUTDOWN_TIMEOUT_SECONDS = 20;
    static final int STOP_TIMEOUT_SECONDS = 30;
    /**
     * The server's IDLE_TIMEOUT_SECONDS: longer than the load balancer's idle timeout, so the load balancer
     * closes idle connections first and never sends a request on a connection the server has just closed.
     */
    static final int IDLE_TIMEOUT_SECONDS = AlbStack.IDLE_TIMEOUT_SECONDS + 15;

    /** ECS assumes task roles with aws:SourceArn of this account's ECS resources in the Region. */
    static final Fn.Sub ECS_SOURCE_ARN = Iam.arn("ecs:${AWS::Region}:${AWS::AccountId}:*");

    static final String BLUE_GREEN = "BLUE_GREEN";
    static final String ROLLING = "ROLLING";
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

    /** The deployment alarms' logical ids, comma-separated, for the docs. */
    public static String releaseAlarmIds() {
        return String.join(", ", ReleaseAlarm.deploymentAlarms().stream().map(ReleaseAlarm::id).toList());
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
    public Template template(Environment env) {
        AppEnv app = new AppEnv(env);
        Environment.Service cfg = env.service();
        String p = env.prefix();
        Template t = new Template(name(), "hello-stack: " + p + " ECS cluster and Fargate service running the application "
                + "image in the private subnets behind the load balancer, with logs, " + (cfg.blueGreen() ? "blue/green" : "rolling")
                + " releases and autoscaling.");
        Parameter imageTag = t.parameter("ImageTag", "String")
                .allowedPattern("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
                .length(1, 128)
                .description("Image tag to run (the pipeline passes the commit SHA; tags are immutable, so this is one digest). Required.")
                .constraintDescription("ImageTag: 1 to 128 letters, digits, '_', '.', '-', not starting with '.' or '-'.");
        Parameter alarmTopic = null;
        if (cfg.alarmTopic()) {
            alarmTopic = t.parameter("AlarmTopicArn", "String")
                    .allowedPattern("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$")
                    .length(20, 320)
                    .description("The SNS topic the alarms notify (ALARM and OK). Required.")
                    .constraintDescription("AlarmTopicArn: an SNS topic ARN.");
        }

        Resource cluster = t.resource("Cluster", "AWS::ECS::Cluster")
                .prop("ClusterName", p)
                .prop("ClusterSettings", List.of(Obj.of("Name", "containerInsights", "Value", "enabled")))
                .prop("Tags", app.tags());
        String groupName = "/ecs/" + p;
        Resource logsKey = LogsKey.declare(t, app, groupName);
        Resource logGroup = LogGroups.keep(t.resource("LogGroup", "AWS::Logs::LogGroup"))
                .prop("LogGroupName", groupName)
                .prop("RetentionInDays", env.network().logRetentionDays());
        if (logsKey != null) {
            logGroup.prop("KmsKeyId", logsKey.getAtt("Arn"));
        }
        logGroup.prop("Tags", app.tags());

        // Roles live under the IAM path /<app>/<env>/, the only path the CloudFormation execution role may
        // create, pass and delete roles in; their names say the same for people reading the console.
        Resource executionRole = app.workloadRole(t, "TaskExecutionRole", "-task-exec",
                "ECS pulls the image from the application's repository and writes to the log group",
                Iam.serviceTrust("ecs-tasks.amazonaws.com", null))
                .prop("Policies", List.of(Iam.inline("PullImageWriteLogs", Iam.document(
                        Iam.allow("EcrLogin", List.of("ecr:GetAuthorizationToken"), "*"),
                        Iam.allow("PullFromTheRepository",
                                List.of("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
                                app.appImportValue(EcrStack.REPOSITORY_ARN)),
                        Iam.allow("WriteTheLogGroup", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                                logGroup.getAtt("Arn"))))));
        Resource taskRole = app.workloadRole(t, "TaskRole", "-task",
                "The application's own AWS identity: no permissions (it calls no AWS API)",
                Iam.serviceTrust("ecs-tasks.amazonaws.com", ECS_SOURCE_ARN));

        Resource taskSg = t.resource("TaskSecurityGroup", "AWS::EC2::SecurityGroup")
                .prop("GroupDescription", "Tasks: app port from the load balancer only; HTTPS out to the endpoints and S3")
                .prop("VpcId", app.importValue(NetworkStack.VPC_ID))
                .prop("SecurityGroupIngress", List.of(AlbStack.tcp(AlbStack.APP_PORT, "SourceSecurityGroupId",
                        app.importValue(AlbStack.SECURITY_GROUP), "From the load balancer")))
                .prop("SecurityGroupEgress", List.of(AlbStack.tcp(443, "CidrIp", "0.0.0.0/0",
                        "HTTPS to the VPC endpoints and S3 (image layers come from S3's public addresses)")))
                .prop("Tags", app.tags("-tasks"));

        // The server's settings (see the server's ServerConfig), sorted by name. EVENT_LOOPS is not set: the
        // server then runs one event loop per processor the JVM sees, which follows the task's Cpu.
        Map<String, Object> environment = new TreeMap<>(Map.of(
                "PORT", env("PORT", String.valueOf(AlbStack.APP_PORT)),
                "HOST", env("HOST", "0.0.0.0"),
                "IDLE_TIMEOUT_SECONDS", env("IDLE_TIMEOUT_SECONDS", String.valueOf(IDLE_TIMEOUT_SECONDS)),
                "SHUTDOWN_TIMEOUT_SECONDS", env("SHUTDOWN_TIMEOUT_SECONDS", String.valueOf(SHUTDOWN_TIMEOUT_SECONDS)),
                "LOG_LEVEL", env("LOG_LEVEL", cfg.logLevel()),
                "ACCESS_LOG", env("ACCESS_LOG", String.valueOf(cfg.accessLog()))));
        Resource taskDef = t.resource("TaskDefinition", "AWS::ECS::TaskDefinition")
                .prop("Family", p)
                .prop("RequiresCompatibilities", List.of("FARGATE"))
                .prop("NetworkMode", "awsvpc")
                .prop("Cpu", String.valueOf(cfg.cpu()))
                .prop("Memory", String.valueOf(cfg.memory()))
                .prop("RuntimePlatform", Obj.of("CpuArchitecture", cfg.arm64() ? "ARM64" : "X86_64",
                        "OperatingSystemFamily", "LINUX"))
                .prop("ExecutionRoleArn", executionRole.getAtt("Arn"))
                .prop("TaskRoleArn", taskRole.getAtt("Arn"))
                .prop("Volumes", List.of(Obj.of("Name", "tmp")))
                .prop("ContainerDefinitions", List.of(Obj.of(
                        "Name", "app",
                        "Image", Fn.sub("${RepositoryUri}:${ImageTag}",
                                Map.of("RepositoryUri", app.appImportValue(EcrStack.REPOSITORY_URI))),
                        "Essential", true,
                        "User", CONTAINER_USER,
                        "ReadonlyRootFilesystem", true,
                        "Memory", cfg.memory(),
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

        Map<String, Object> deployment;
        Map<String, Object> advanced = null;
        List<Object> alarmNames = new ArrayList<>();
        for (ReleaseAlarm alarm : ReleaseAlarm.deploymentAlarms()) {
            alarmNames.add(alarm.alarmName(app));
        }
        Map<String, Object> alarms = Obj.of("AlarmNames", alarmNames, "Enable", true, "Rollback", true);
        if (cfg.blueGreen()) {
            // ECS rewrites the two listener rules' weights and registers tasks in the two target groups with this
            // role: the actions of the AWS managed policy AmazonECSInfrastructureRolePolicyForLoadBalancers (v6:
            // the Describe calls, Register/DeregisterTargets, ModifyListener, ModifyRule), on ours only.
            Resource lbRole = app.workloadRole(t, "LoadBalancerInfrastructureRole", "-ecs-lb",
                    "ECS shifts traffic between the two target groups by rewriting the two listener rules",
                    Iam.plainServiceTrust("ecs.amazonaws.com"))
                    .prop("Policies", List.of(Iam.inline("ShiftTrafficBetweenTheTargetGroups", Iam.document(
                            Iam.allow("ReadLoadBalancing", LB_READ_ACTIONS, "*"),
                            Iam.allow("RegisterTasksInTheTargetGroups", List.of("elasticloadbalancing:DeregisterTargets",
                                            "elasticloadbalancing:RegisterTargets"),
                                    app.importValue(AlbStack.TARGET_GROUP_ARN),
                                    app.importValue(AlbStack.ALT_TARGET_GROUP_ARN)),
                            Iam.allow("ModifyTheServingListener", List.of("elasticloadbalancing:ModifyListener"),
                                    AppEnv.regional("elasticloadbalancing", "listener/app/" + p + "/*")),
                            Iam.allow("ShiftTheListenerRules", List.of("elasticloadbalancing:ModifyRule"),
                                    app.importValue(AlbStack.PRODUCTION_RULE_ARN),
                                    app.importValue(AlbStack.TEST_RULE_ARN))))));

            // The release check: a Lambda function in the private subnets (Control Tower's CT.LAMBDA.PR.3 wants
            // functions in a VPC, and the private subnets cannot reach the internet-facing load balancer without
            // a NAT), so it asks the new revision's tasks directly, on the app port. See release_check.py.
            Resource hookSg = t.resource("ReleaseCheckSecurityGroup", "AWS::EC2::SecurityGroup")
                    .prop("GroupDescription", "Release check: to the app port of the tasks and to the VPC endpoints (HTTPS) only")
                    .prop("VpcId", app.importValue(NetworkStack.VPC_ID))
                    .prop("SecurityGroupEgress", List.of(
                            AlbStack.tcp(AlbStack.APP_PORT, "DestinationSecurityGroupId", taskSg.ref(), "To the tasks"),
                            AlbStack.tcp(443, "CidrIp", env.network().vpcCidr(),
                                    "HTTPS to the Elastic Load Balancing and Logs endpoints")))
                    .prop("Tags", app.tags("-release-check"));
            t.resource("TaskIngressFromReleaseCheck", "AWS::EC2::SecurityGroupIngress")
                    .prop("GroupId", taskSg.ref())
                    .prop("IpProtocol", "tcp")
                    .prop("FromPort", AlbStack.APP_PORT)
                    .prop("ToPort", AlbStack.APP_PORT)
                    .prop("SourceSecurityGroupId", hookSg.ref())
                    .prop("Description", "From the release check");
            Resource hookRole = app.workloadRole(t, "ReleaseCheckRole", "-release-check",
                    "The release check: find the new revision's tasks, run in the VPC, write the log group",
                    Iam.plainServiceTrust("lambda.amazonaws.com"))
                    .prop("Policies", List.of(Iam.inline("CheckTheNewRevision", Iam.document(
                            Iam.allow("FindTheNewRevision", List.of("elasticloadbalancing:DescribeRules",
                                    "elasticloadbalancing:DescribeTargetHealth"), "*"),
                            Iam.allow("DescribeNetworkInterfaces", List.of("ec2:DescribeNetworkInterfaces",
                                    "ec2:DescribeSubnets"), "*"),
                            Iam.allow("NetworkInterfacesInTheVpc", LAMBDA_ENI_ACTIONS,
                                    AppEnv.regional("ec2", "network-interface/*"),
                                    AppEnv.regional("ec2", "subnet/*"),
                                    AppEnv.regional("ec2", "security-group/*")),
                            Iam.allow("WriteTheLogGroup", List.of("logs:CreateLogStream", "logs:PutLogEvents"),
                                    logGroup.getAtt("Arn"))))));
            Resource hook = t.resource("ReleaseCheckFunction", "AWS::Lambda::Function")
                    .prop("FunctionName", p + RELEASE_CHECK_SUFFIX)
                    .prop("Description", "ECS blue/green hook (POST_TEST_TRAFFIC_SHIFT): the new revision answers GET /hello "
                            + "and GET /health before production moves")
                    .prop("Runtime", RELEASE_CHECK_RUNTIME)
                    .prop("Handler", "index.handler")
                    .prop("Code", Obj.of("ZipFile", releaseCheckCode()))
                    .prop("Role", hookRole.getAtt("Arn"))
                    .prop("Timeout", RELEASE_CHECK_TIMEOUT_SECONDS)
                    .prop("MemorySize", 128)
                    .prop("Environment", Obj.of("Variables", Obj.of(
                            "TEST_LISTENER_RULE_ARN", app.importValue(AlbStack.TEST_RULE_ARN),
                            "CHECK_TIMEOUT_SECONDS", "5")))
                    .prop("LoggingConfig", Obj.of("LogGroup", logGroup.ref(), "LogFormat", "Text"))
                    .prop("VpcConfig", Obj.of(
                            "SubnetIds", Fn.split(",", app.importValue(NetworkStack.PRIVATE_SUBNETS)),
                            "SecurityGroupIds", List.of(hookSg.ref())))
                    .prop("Tags", app.tags());
            Resource hookInvokeRole = app.workloadRole(t, "ReleaseHookInvokeRole", "-ecs-hook",
                    "ECS invokes the release check during a blue/green release",
                    Iam.plainServiceTrust("ecs.amazonaws.com"))
                    .prop("Policies", List.of(Iam.inline("InvokeTheReleaseCheck", Iam.document(
                            Iam.allow("InvokeTheReleaseCheck", List.of("lambda:InvokeFunction"), hook.getAtt("Arn"))))));
            // The circuit breaker is for rolling updates only ("can only be used for services using the rolling
            // update (ECS) deployment type", ECS API reference, DeploymentConfiguration). Blue/green rolls back on a
            // failed hook, on an alarm, and when the new tasks never get healthy.
            deployment = Obj.of("Strategy", BLUE_GREEN,
                    "BakeTimeInMinutes", cfg.bakeTimeMinutes(),
                    "MinimumHealthyPercent", 100,
                    "MaximumPercent", 200,
                    "LifecycleHooks", List.of(Obj.of(
                            "HookTargetArn", hook.getAtt("Arn"),
                            "RoleArn", hookInvokeRole.getAtt("Arn"),
                            "LifecycleStages", List.of(HOOK_STAGE))),
                    "Alarms", alarms);
            advanced = Obj.of(
                    "AlternateTargetGroupArn", app.importValue(AlbStack.ALT_TARGET_GROUP_ARN),
                    "ProductionListenerRule", app.importValue(AlbStack.PRODUCTION_RULE_ARN),
                    "TestListenerRule", app.importValue(AlbStack.TEST_RULE_ARN),
                    "RoleArn", lbRole.getAtt("Arn"));
        } else {
            deployment = Obj.of("Strategy", ROLLING,
                    "MinimumHealthyPercent", 100,
                    "MaximumPercent", 200,
                    "DeploymentCircuitBreaker", Obj.of("Enable", true, "Rollback", true),
                    "Alarms", alarms);
        }

        Map<String, Object> loadBalancer = Obj.of(
                "ContainerName", "app",
                "ContainerPort", AlbStack.APP_PORT,
                "TargetGroupArn", app.importValue(AlbStack.TARGET_GROUP_ARN));
        if (advanced != null) {
            loadBalancer.put("AdvancedConfiguration", advanced);
        }
        Resource service = t.resource("Service", "AWS::ECS::Service")
                .prop("Cluster", cluster.ref())
                .prop("LaunchType", "FARGATE")
                .prop("PlatformVersion", "LATEST")
                .prop("TaskDefinition", taskDef.ref())
                // No DesiredCount: autoscaling owns the task count. With one here, every release (a new task
                // definition) would send it again and reset the count autoscaling chose. ECS starts a new service
                // with 1 task, and registering the scalable target raises it to MinCapacity ("it changes the
                // resource's current capacity to a value that is inside of this range", RegisterScalableTarget).
                .prop("HealthCheckGracePeriodSeconds", 60)
                .prop("DeploymentController", Obj.of("Type", "ECS"))
                .prop("DeploymentConfiguration", deployment)
                .prop("NetworkConfiguration", Obj.of("AwsvpcConfiguration", Obj.of(
                        "AssignPublicIp", "DISABLED",
                        "Subnets", Fn.split(",", app.importValue(NetworkStack.PRIVATE_SUBNETS)),
                        "SecurityGroups", List.of(taskSg.ref()))))
                .prop("LoadBalancers", List.of(loadBalancer))
                .prop("PropagateTags", "SERVICE")
                .prop("EnableECSManagedTags", true)
                .prop("Tags", app.tags());

        // AlarmNames are the alarms' names as text, not Refs: the alarms name the service (a Ref back would
        // make a cycle), so they are created after it. ECS reads them when a deployment runs.
        for (ReleaseAlarm alarm : ReleaseAlarm.all()) {
            Resource r = t.resource(alarm.id(), "AWS::CloudWatch::Alarm");
            alarm.define(r, app, service.getAtt("Name"));
            if (alarmTopic != null) {
                r.prop("AlarmActions", List.of(alarmTopic.ref())).prop("OKActions", List.of(alarmTopic.ref()));
            }
            r.prop("Tags", app.tags());
        }

        Resource scalable = t.resource("ScalableTarget", "AWS::ApplicationAutoScaling::ScalableTarget")
                .prop("ServiceNamespace", "ecs")
                .prop("ScalableDimension", "ecs:service:DesiredCount")
                .prop("ResourceId", Fn.sub("service/${Cluster}/${Service.Name}"))
                .prop("MinCapacity", cfg.minCapacity())
                .prop("MaxCapacity", cfg.maxCapacity());
        // Requests per task on both target groups: blue/green alternates production between them, so a policy
        // on one fixed group would see no requests after every other release and scale in. The idle group
        // reports no data, filled with 0 (the sum of the two is the per-task count of the group serving now).
        t.resource("RequestCountScalingPolicy", "AWS::ApplicationAutoScaling::ScalingPolicy")
                .prop("PolicyName", p + "-requests-per-task")
                .prop("PolicyType", "TargetTrackingScaling")
                .prop("ScalingTargetId", scalable.ref())
                .prop("TargetTrackingScalingPolicyConfiguration", Obj.of(
                        "CustomizedMetricSpecification", Obj.of("Metrics", List.of(
                                Obj.of("Id", "requests", "Expression", "FILL(tg, 0) + FILL(alt, 0)",
                                        "Label", "RequestCountPerTarget of both target groups", "ReturnData", true),
                                requestsPerTarget("tg", AlbStack.TG_FULL_NAME, app),
                                requestsPerTarget("alt", AlbStack.ALT_TG_FULL_NAME, app))),
                        "TargetValue", cfg.requestsPerTask(),
                        "ScaleOutCooldown", 60,
                        "ScaleInCooldown", 300));
        t.resource("CpuScalingPolicy", "AWS::ApplicationAutoScaling::ScalingPolicy")
                .prop("PolicyName", p + "-cpu")
                .prop("PolicyType", "TargetTrackingScaling")
                .prop("ScalingTargetId", scalable.ref())
                .prop("TargetTrackingScalingPolicyConfiguration", Obj.of(
                        "PredefinedMetricSpecification", Obj.of(
                                "PredefinedMetricType", "ECSServiceAverageCPUUtilization"),
                        "TargetValue", cfg.cpuPercent(),
                        "ScaleOutCooldown", 60,
                        "ScaleInCooldown", 300));

        t.output("ClusterName", cluster.ref()).description("The ECS cluster.");
        t.output("ServiceName", service.getAtt("Name")).description("The ECS service.");
        t.output("TaskDefinitionArn", taskDef.ref())
                .description("The task definition this stack deployed; the service should be running it (a rolled-back "
                        + "deployment runs an older one).");
        t.output("LogGroupName", logGroup.ref()).description("The log group of the tasks and the release check.");
        return t;
    }

    private static Map<String, Object> requestsPerTarget(String metricId, String targetGroupExport, AppEnv app) {
        return Obj.of("Id", metricId,
                "MetricStat", Obj.of(
                        "Metric", Obj.of("Namespace", ReleaseAlarm.ELB, "MetricName", "RequestCountPerTarget",
                                "Dimensions", List.of(
                                        Obj.of("Name", "LoadBalancer", "Value", app.importValue(AlbStack.LB_FULL_NAME)),
                                        Obj.of("Name", "TargetGroup", "Value", app.importValue(targetGroupExport)))),
                        "Stat", "Sum"),
                "ReturnData", false);
    }
}
