package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Parameter;
import dev.hellostack.cfn.model.Resource;
import dev.hellostack.cfn.model.Template;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lets GitLab CI/CD jobs reach AWS without stored keys: an IAM OIDC provider for GitLab and the roles of one
 * environment, each limited to that environment's stacks by name.
 *
 * <ul>
 *   <li>ChangeSetRole, for merge-request pipelines (any branch of the project): create, describe and delete
 *       change sets, read stacks; it cannot execute a change set.</li>
 *   <li>DeployRole, for the default branch only: run change sets on the environment's stacks, pass only the
 *       CloudFormation execution role, follow the service's releases; in the environment that builds the
 *       images (dev), push them to the application's repository.</li>
 *   <li>ImageTagRole, for tag pipelines (Git tags matching ReleaseTagPattern), where images are pushed: add
 *       the Git tag to an image already in the repository; it cannot upload layers.</li>
 *   <li>CloudFormationExecutionRole, assumed by CloudFormation itself: creates what the environment's stacks
 *       hold, with service-level actions on resources named or tagged for this environment (see
 *       {@link #executionPolicy}), and creates roles only under the permissions boundary.</li>
 * </ul>
 *
 * <p>Deployed once per environment by an administrator. Its stack name, {@code gitlab-oidc-<app>-<env>}, lies
 * outside the {@code <app>-<env>-*} names the deploy role may touch, so the pipeline cannot change its own
 * permissions.
 */
public final class GitlabOidcStack implements Stack {

    static final String BOUNDARY_EXPORT = "PermissionsBoundaryArn";
    static final String EXECUTION_ROLE_EXPORT = "CloudFormationExecutionRoleArn";
    /** The role session the jobs ask for (scripts/ci/lib.sh): room for the longest deploy job (.gitlab-ci.yml). */
    public static final int MAX_SESSION_SECONDS = 7200;

    /**
     * The trust policy, as Fn::Sub text because the condition keys start with the provider host
     * ({@code gitlab.com:aud}), which comes from the GitLabUrl parameter, and a key cannot be an intrinsic.
     * The single %s is the Condition block.
     */
    private static final String TRUST_POLICY = """
            {
              "Version": "2012-10-17",
              "Statement": [
                {
                  "Effect": "Allow",
                  "Principal": { "Federated": "${ProviderArn}" },
                  "Action": "sts:AssumeRoleWithWebIdentity",
                  "Condition": {
            %s
                  }
                }
              ]
            }
            """;
    private static final String AUD = "\"${GitLabHost}:aud\": \"${Audience}\"";
    private static final String SUB = "\"${GitLabHost}:sub\": \"project_path:${ProjectPath}:ref_type:%s:ref:%s\"";

    /** Merge-request pipelines: the audience, and any branch of the project. */
    static final String ANY_BRANCH_CONDITION = """
                    "StringEquals": { %s },
                    "StringLike": { %s }\
            """.formatted(AUD, SUB.formatted("branch", "*"));

    /** Tag pipelines: the audience, and a Git tag matching ReleaseTagPattern (GitLab issues them ref_type:tag). */
    static final String RELEASE_TAG_CONDITION = """
                    "StringEquals": { %s },
                    "StringLike": { %s }\
            """.formatted(AUD, SUB.formatted("tag", "${ReleaseTagPattern}"));

    /** Deploy jobs: the audience, and only the default branch. */
    static final String DEFAULT_BRANCH_CONDITION = """
                    "StringEquals": {
                      %s,
                      %s
                    }\
            """.formatted(AUD, SUB.formatted("branch", "${DefaultBranch}"));

    @Override
    public String name() {
        return "gitlab-oidc";
    }

    @Override
    public String stackName(Environment env) {
        return "gitlab-oidc-" + env.prefix();
    }

    @Override
    public DeployedBy deployedBy() {
        return DeployedBy.administrator;
    }

    @Override
    public String summary() {
        return "GitLab OIDC provider; change-set role (merge requests), deploy role (default branch), image-tag role "
                + "(release tags), CloudFormation execution role; permissions boundary for workload roles";
    }

    @Override
    public Template template(Environment env) {
        AppEnv app = new AppEnv(env);
        Template t = new Template(name(), "hello-stack: GitLab OIDC identity provider and the least-privilege roles the "
                + "pipeline uses in " + env.name() + " (change sets, deploy, CloudFormation execution). Deployed once by an "
                + "administrator.");
        Parameter url = t.parameter("GitLabUrl", "String")
                .defaultValue("https://gitlab.com")
                .allowedPattern("^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")
                .length(9, 200)
                .description("URL of the GitLab instance that issues the job tokens (no path, no trailing slash).")
                .constraintDescription("GitLabUrl: https:// followed by a host name, such as https://gitlab.com.");
        Parameter audience = t.parameter("Audience", "String")
                .defaultValue("https://gitlab.com")
                .length(1, 255)
                .description("The aud claim the jobs request (id_tokens: aud: in .gitlab-ci.yml).")
                .constraintDescription("Audience: 1 to 255 characters.");
        Parameter project = t.parameter("ProjectPath", "String")
                .allowedPattern("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$")
                .length(3, 255)
                .description("GitLab project path, GROUP/PROJECT (or GROUP/SUBGROUP/PROJECT), that may assume the roles. Required.")
                .constraintDescription("ProjectPath: GROUP/PROJECT, letters, digits, '_', '.', '-' separated by '/'.");
        Parameter branch = t.parameter("DefaultBranch", "String")
                .defaultValue("main")
                .allowedPattern("^[A-Za-z0-9_./-]+$")
                .length(1, 100)
                .description("The protected branch whose pipelines may deploy.")
                .constraintDescription("DefaultBranch: a branch name (letters, digits, '_', '.', '/', '-').");
        // Tag pipelines tag images where they are pushed: only that environment trusts them.
        Parameter releaseTags = null;
        if (env.pipeline().pushesImages()) {
            releaseTags = t.parameter("ReleaseTagPattern", "String")
                    .defaultValue("v*")
                    .allowedPattern("^[A-Za-z0-9_.*-]+$")
                    .length(1, 100)
                    .description("Git tags whose pipelines may add their tag to an image (IAM StringLike: * matches "
                            + "anything). Protect these tags in GitLab.")
                    .constraintDescription("ReleaseTagPattern: letters, digits, '_', '.', '-' and '*', such as v*.");
        }
        Parameter existing = t.parameter("ExistingProviderArn", "String")
                .defaultValue("")
                .allowedPattern("^$|^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/.+$")
                .length(0, 255)
                .description("ARN of an existing IAM OIDC provider for this GitLab (an account has one per URL). Empty: create it.")
                .constraintDescription("ExistingProviderArn: empty, or an IAM OIDC provider ARN.");
        if (releaseTags == null) {
            t.parameterGroup("GitLab", url, audience, project, branch, existing);
        } else {
            t.parameterGroup("GitLab", url, audience, project, branch, releaseTags, existing);
        }

        Fn.Condition create = t.condition("CreateProvider", Fn.equalsFn(existing.ref(), ""));
        Resource provider = t.resource("GitLabOidcProvider", "AWS::IAM::OIDCProvider")
                .condition(create)
                .prop("Url", url.ref())
                .prop("ClientIdList", List.of(audience.ref()))
                .prop("Tags", Obj.tags(Map.of(AppEnv.APP_TAG, env.app())));
        Object providerArn = Fn.ifThen(create, provider.ref(), existing.ref());
        Fn host = Fn.select(1, Fn.split("//", url.ref()));

        String p = env.prefix();
        Fn.Sub stacks = AppEnv.regional("cloudformation", "stack/" + p + "-*/*");
        Fn.Sub changeSets = AppEnv.regional("cloudformation", "changeSet/*/*");
        Fn.Sub repository = AppEnv.regional("ecr", "repository/" + env.app());

        Resource boundary = t.resource("WorkloadPermissionsBoundary", "AWS::IAM::ManagedPolicy")
                .prop("Description", "The most any role created by " + p + "'s stacks may do: pull the image, write "
                        + p + "'s logs, run the blue/green release")
                .prop("PolicyDocument", boundaryPolicy(app, repository));

        Resource execRole = t.resource("CloudFormationExecutionRole", "AWS::IAM::Role")
                .prop("Description", "CloudFormation creates " + p + "'s resources with this role, not with the pipeline's "
                        + "credentials")
                .prop("AssumeRolePolicyDocument", Iam.plainServiceTrust("cloudformation.amazonaws.com"))
                .prop("Policies", List.of(Iam.inline("ManageTheEnvironmentsStacks", executionPolicy(app, boundary))))
                .prop("Tags", app.tags());

        List<String> readStacks = List.of("cloudformation:DescribeStackEvents", "cloudformation:DescribeStackResources",
                "cloudformation:DescribeStacks", "cloudformation:GetTemplate", "cloudformation:GetTemplateSummary");
        // Both job roles read the live listener rules: the alb stack is deployed (and previewed) with the weights
        // ECS set, so CloudFormation never writes other ones back (AlbStack).
        Map<String, Object> readRules = Iam.allow("ReadTheLiveTrafficWeights",
                List.of("elasticloadbalancing:DescribeRules"), "*");
        Resource changeSetRole = t.resource("ChangeSetRole", "AWS::IAM::Role")
                .prop("Description", "Merge-request pipelines: create and inspect change sets of " + p + ", never execute them")
                .prop("AssumeRolePolicyDocument", trust(providerArn, host, ANY_BRANCH_CONDITION))
                .prop("MaxSessionDuration", 3600)
                .prop("Policies", List.of(Iam.inline("ChangeSetsOnly", Iam.document(
                        Iam.allow("ChangeSets", sorted(readStacks, List.of("cloudformation:CreateChangeSet",
                                        "cloudformation:DeleteChangeSet", "cloudformation:DescribeChangeSet",
                                        "cloudformation:ListChangeSets")),
                                stacks, changeSets),
                        readRules,
                        passExecutionRole(execRole)))))
                .prop("Tags", app.tags());

        List<Object> deploy = new ArrayList<>();
        deploy.add(Iam.allow("DeployTheStacks", sorted(readStacks, List.of("cloudformation:CancelUpdateStack",
                        "cloudformation:ContinueUpdateRollback", "cloudformation:CreateChangeSet",
                        "cloudformation:DeleteChangeSet", "cloudformation:DescribeChangeSet",
                        "cloudformation:ExecuteChangeSet", "cloudformation:ListChangeSets",
                        "cloudformation:UpdateTerminationProtection")),
                stacks, changeSets));
        if (env.pipeline().mayDeleteStacks()) {
            // deploy-stacks.sh deletes a stack left in ROLLBACK_COMPLETE by a failed first create (it holds no
            // resources) before trying again.
            deploy.add(Iam.allow("RetryAFailedFirstCreate", List.of("cloudformation:DeleteStack"), stacks));
        }
        deploy.add(Iam.allow("FollowTheReleases", List.of("ecs:DescribeServiceDeployments", "ecs:DescribeServices",
                        "ecs:ListServiceDeployments"),
                AppEnv.regional("ecs", "service/" + p + "/*"),
                AppEnv.regional("ecs", "service-deployment/" + p + "/*")));
        deploy.add(readRules);
        if (env.alb().https()) {
            // deploy-stacks.sh checks before anything deploys that the certificate is issued and covers DomainName.
            deploy.add(Iam.allow("CheckTheCertificate", List.of("acm:DescribeCertificate"),
                    AppEnv.regional("acm", "certificate/*")));
        }
        deploy.add(Iam.allow("EcrLogin", List.of("ecr:GetAuthorizationToken"), "*"));
        // An environment that builds no images tags the one it promotes (<env>-<sha>, so that the lifecycle
        // policy keeps it) with PutImage of its manifest; without the layer upload actions it cannot bring an
        // image of its own.
        deploy.add(Iam.allow(env.pipeline().pushesImages() ? "PushImages" : "TagThePromotedImage",
                env.pipeline().pushesImages()
                        ? List.of("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
                                "ecr:DescribeImages", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload",
                                "ecr:PutImage", "ecr:UploadLayerPart")
                        : List.of("ecr:BatchGetImage", "ecr:DescribeImages", "ecr:PutImage"),
                repository));
        deploy.add(passExecutionRole(execRole));
        Resource deployRole = t.resource("DeployRole", "AWS::IAM::Role")
                .prop("Description", "Default-branch pipelines: deploy " + p + "'s stacks"
                        + (env.pipeline().pushesImages() ? " and push images" : ""))
                .prop("AssumeRolePolicyDocument", trust(providerArn, host, DEFAULT_BRANCH_CONDITION))
                .prop("MaxSessionDuration", MAX_SESSION_SECONDS)
                .prop("Policies", List.of(Iam.inline("DeployTheStacks", Iam.document(deploy.toArray()))))
                .prop("Tags", app.tags());

        t.output("ChangeSetRoleArn", changeSetRole.getAtt("Arn"))
                .description("Role for merge-request pipelines (CHANGESET_ROLE_ARN).");
        t.output("DeployRoleArn", deployRole.getAtt("Arn"))
                .description("Role for default-branch pipelines (DEPLOY_ROLE_ARN).");
        if (env.pipeline().pushesImages()) {
            Resource imageTagRole = t.resource("ImageTagRole", "AWS::IAM::Role")
                    .prop("Description", "Tag pipelines: add the Git tag to an image the default branch pushed; no layer uploads")
                    .prop("AssumeRolePolicyDocument", trust(providerArn, host, RELEASE_TAG_CONDITION))
                    .prop("MaxSessionDuration", 3600)
                    .prop("Policies", List.of(Iam.inline("TagExistingImages", Iam.document(
                            Iam.allow("TagImagesInTheRepository", List.of("ecr:BatchGetImage", "ecr:DescribeImages",
                                    "ecr:PutImage"), repository)))))
                    .prop("Tags", app.tags());
            t.output("ImageTagRoleArn", imageTagRole.getAtt("Arn"))
                    .description("Role for tag pipelines (IMAGE_TAG_ROLE_ARN).");
        }
        t.output("CloudFormationExecutionRoleArn", execRole.getAtt("Arn"))
                .description("Role CloudFormation uses to create the resources (CFN_EXECUTION_ROLE_ARN, --role-arn); the "
                        + "log keys' policies name it as their administrator.")
                .export(app.exportName(EXECUTION_ROLE_EXPORT));
        t.output("PermissionsBoundaryArn", boundary.ref())
                .description("Permissions boundary every role created by the environment's stacks carries.")
                .export(app.exportName(BOUNDARY_EXPORT));
        return t;
    }

    private static Fn.Sub trust(Object providerArn, Fn host, String condition) {
        return Fn.sub(TRUST_POLICY.formatted(condition), Map.of(
                "ProviderArn", providerArn,
                "GitLabHost", host));
    }

    private static Map<String, Object> passExecutionRole(Resource execRole) {
        return Iam.allow("PassOnlyTheExecutionRole", List.of("iam:PassRole"), List.of(execRole.getAtt("Arn")),
                Map.of("StringEquals", Map.of("iam:PassedToService", "cloudformation.amazonaws.com")));
    }

    private static List<String> sorted(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.sort(null);
        return List.copyOf(all);
    }

    /**
     * The most a workload role may do, whatever a template gives it: pull the application's image, write the
     * environment's log groups, and what ECS's load-balancer role, the release check and its hook role need.
     */
    private static Map<String, Object> boundaryPolicy(AppEnv app, Fn.Sub repository) {
        String p = app.prefix();
        return Iam.document(
                Iam.allow("EcrLogin", List.of("ecr:GetAuthorizationToken"), "*"),
                Iam.allow("PullTheImage", List.of("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer"), repository),
                Iam.allow("FindLogGroups", List.of("logs:DescribeLogGroups"), "*"),
                Iam.allow("WriteTheLogGroups", List.of("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
                        AppEnv.regional("logs", "log-group:/ecs/" + p + ":*"),
                        AppEnv.regional("logs", "log-group:/vpc/" + p + "/flow-logs:*")),
                // Blue/green releases (ServiceStack): ECS's load-balancer role, the release check, the hook.
                Iam.allow("ReadLoadBalancing", ServiceStack.LB_READ_ACTIONS, "*"),
                Iam.allow("RegisterTasksInTheTargetGroups", List.of("elasticloadbalancing:DeregisterTargets",
                                "elasticloadbalancing:RegisterTargets"),
                        AppEnv.regional("elasticloadbalancing", "targetgroup/" + p + "/*"),
                        AppEnv.regional("elasticloadbalancing", "targetgroup/" + p + "-alt/*")),
                Iam.allow("ShiftTraffic", List.of("elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyRule"),
                        AppEnv.regional("elasticloadbalancing", "listener/app/" + p + "/*"),
                        AppEnv.regional("elasticloadbalancing", "listener-rule/app/" + p + "/*")),
                Iam.allow("AttachTheReleaseCheckToTheVpc", List.of("ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"),
                        "*"),
                Iam.allow("ReleaseCheckNetworkInterfaces", ServiceStack.LAMBDA_ENI_ACTIONS,
                        AppEnv.regional("ec2", "network-interface/*"),
                        AppEnv.regional("ec2", "subnet/*"),
                        AppEnv.regional("ec2", "security-group/*")),
                Iam.allow("InvokeTheReleaseCheck", List.of("lambda:InvokeFunction"),
                        AppEnv.regional("lambda", "function:" + p + "-*")));
    }

    /** EC2 create actions and the one resource type each creates: tag-on-create statements (aws:RequestTag). */
    static final Map<String, String> EC2_CREATES = new LinkedHashMap<>();

    static {
        EC2_CREATES.put("ec2:CreateVpc", "vpc");
        EC2_CREATES.put("ec2:CreateSubnet", "subnet");
        EC2_CREATES.put("ec2:CreateSecurityGroup", "security-group");
        EC2_CREATES.put("ec2:CreateRouteTable", "route-table");
        EC2_CREATES.put("ec2:CreateInternetGateway", "internet-gateway");
        EC2_CREATES.put("ec2:CreateVpcEndpoint", "vpc-endpoint");
        EC2_CREATES.put("ec2:CreateFlowLogs", "vpc-flow-log");
    }

    /**
     * What CloudFormation needs to create, update and delete the environment's network, alb and service stacks.
     * Each service's families of actions ({@code ecs:Create*}, {@code ecs:Describe*}, ...) on resources named or
     * tagged for this environment, so the role keeps up with the actions CloudFormation's handlers call (the build
     * checks it against the registry schemas: ExecutionRoleTest) without listing them one by one; never a whole
     * service ({@code ecs:*}), which AWS Control Tower's CT.IAM.PR.5 refuses in an inline policy. What could reach
     * beyond the environment stays narrow:
     * <ul>
     *   <li>Named: the ECS cluster, service and task definitions, the load balancer, its listeners and rules and
     *       both target groups (their names start with {@code <app>-<env>}), the log groups, the release check
     *       function, the alarms, the access-log bucket (bucket-level only: no object).</li>
     *   <li>Tagged: EC2 resources cannot be named, so a create must carry the tags {@code app} and {@code env}
     *       (aws:RequestTag) and everything else must act on resources carrying them (aws:ResourceTag). Each create
     *       action has a statement of its own for the one type it creates, so a tagged request cannot create
     *       something inside another workload's VPC.</li>
     *   <li>Narrow: IAM (roles only under {@code /<app>/<env>/}, only with the boundary, passed only to their
     *       services), KMS (create only tagged keys; everything else comes from the key policy, which names this
     *       role), Application Auto Scaling (scalable targets can be neither named nor tagged, so these actions are
     *       listed one by one).</li>
     * </ul>
     * The read calls AWS authorises only on "*" are in one statement of their own.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> executionPolicy(AppEnv app, Resource boundary) {
        Environment env = app.env;
        String p = app.prefix();
        List<Object> s = new ArrayList<>();
        s.add(Iam.allow("ReadCallsAwsAuthorisesOnlyOnAllResources", List.of(
                "application-autoscaling:Describe*", "cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData",
                "ec2:Describe*", "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition",
                "elasticloadbalancing:Describe*", "logs:Describe*"), "*"));
        s.add(Iam.allow("TheEcsClusterServiceAndTaskDefinitions", families("ecs", "Create", "Delete", "Describe", "List",
                        "Put", "Stop", "Tag", "Untag", "Update"),
                AppEnv.regional("ecs", "cluster/" + p),
                AppEnv.regional("ecs", "service/" + p + "/*"),
                AppEnv.regional("ecs", "service-deployment/" + p + "/*"),
                AppEnv.regional("ecs", "service-revision/" + p + "/*"),
                AppEnv.regional("ecs", "task-definition/" + p + ":*")));
        s.add(Iam.allow("TheLoadBalancerListenersRulesAndTargetGroups", families("elasticloadbalancing", "Add", "Create",
                        "Delete", "Deregister", "Describe", "Modify", "Register", "Remove", "Set"),
                AppEnv.regional("elasticloadbalancing", "loadbalancer/app/" + p + "/*"),
                AppEnv.regional("elasticloadbalancing", "listener/app/" + p + "/*"),
                AppEnv.regional("elasticloadbalancing", "listener-rule/app/" + p + "/*"),
                AppEnv.regional("elasticloadbalancing", "targetgroup/" + p + "/*"),
                AppEnv.regional("elasticloadbalancing", "targetgroup/" + p + "-alt/*")));
        for (Map.Entry<String, String> create : EC2_CREATES.entrySet()) {
            Map<String, Object> condition = app.tagged("aws:RequestTag");
            if (create.getKey().equals("ec2:CreateVpcEndpoint")) {
                // ec2:VpceServiceName: only the endpoints the network stack makes.
                List<Object> services = new ArrayList<>();
                for (String service : NetworkStack.INTERFACE_ENDPOINTS) {
                    services.add(Fn.sub("com.amazonaws.${AWS::Region}." + service));
                }
                services.add(Fn.sub("com.amazonaws.${AWS::Region}.s3"));
                ((Map<String, Object>) condition.get("StringEquals")).put("ec2:VpceServiceName", services);
            }
            String sid = "Create" + create.getKey().substring("ec2:Create".length()) + "OnlyTagged";
            s.add(Iam.allow(sid, List.of(create.getKey()), List.of(ec2(create.getValue())), condition));
        }
        List<Object> ours = new ArrayList<>();
        for (String type : EC2_CREATES.values()) {
            ours.add(ec2(type));
        }
        // Tags in a create request are authorised as ec2:CreateTags too; ec2:CreateAction limits that to tagging
        // while creating, so no template can put our tags on another workload's resource and then change it.
        Map<String, Object> whileCreating = app.tagged("aws:RequestTag");
        ((Map<String, Object>) whileCreating.get("StringEquals")).put("ec2:CreateAction", List.copyOf(EC2_CREATES.keySet()));
        s.add(Iam.allow("TagOnlyWhileCreating", List.of("ec2:CreateTags"), ours, whileCreating));
        s.add(Iam.allow("TheTaggedNetworkResources", families("ec2", "Associate", "Attach", "Authorize", "Create", "Delete",
                "Detach", "Disassociate", "Modify", "Replace", "Revoke", "Update"), ours, app.tagged("aws:ResourceTag")));
        // A security-group rule is a resource of its own that CloudFormation does not tag; it exists only inside a
        // security group, which the statement above requires to be ours.
        s.add(Iam.allow("RulesInsideTheSecurityGroups", List.of("ec2:AuthorizeSecurityGroupEgress",
                        "ec2:AuthorizeSecurityGroupIngress", "ec2:ModifySecurityGroupRules", "ec2:RevokeSecurityGroupEgress",
                        "ec2:RevokeSecurityGroupIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
                        "ec2:UpdateSecurityGroupRuleDescriptionsIngress"),
                ec2("security-group-rule")));
        // route53:AssociateVPCWithHostedZone has no tag condition keys; the hosted zones are the private ones AWS
        // manages for the interface endpoints' DNS names.
        s.add(Iam.allow("PrivateDnsForTheInterfaceEndpoints", List.of("route53:AssociateVPCWithHostedZone"),
                Iam.arn("route53:::hostedzone/*"), ec2("vpc")));
        s.add(Iam.allow("TheLogGroups", families("logs", "Associate", "Create", "Delete", "Describe", "Disassociate", "Get",
                        "List", "Put", "Tag", "Untag"),
                AppEnv.regional("logs", "log-group:/ecs/" + p),
                AppEnv.regional("logs", "log-group:/ecs/" + p + ":*"),
                AppEnv.regional("logs", "log-group:/vpc/" + p + "/flow-logs"),
                AppEnv.regional("logs", "log-group:/vpc/" + p + "/flow-logs:*")));
        s.add(Iam.allow("TheReleaseCheckFunction", families("lambda", "Create", "Delete", "Get", "List", "Publish", "Put",
                "Tag", "Untag", "Update"), AppEnv.regional("lambda", "function:" + p + "-*")));
        // The release alarms (ReleaseAlarm), and the alarms target tracking makes (TargetTracking-<resource id>-...).
        s.add(Iam.allow("TheAlarms", families("cloudwatch", "Delete", "Describe", "Get", "List", "Put", "Tag", "Untag"),
                AppEnv.regional("cloudwatch", "alarm:" + p + "-*"),
                AppEnv.regional("cloudwatch", "alarm:TargetTracking-service/" + p + "/*")));
        // Scalable-target ARNs end in a random id and the resource takes no Tags, so neither a name nor a tag can
        // scope these: they reach every scalable target of the account and Region (docs/deploying.md).
        s.add(Iam.allow("ScalableTargetsCannotBeScoped", List.of("application-autoscaling:DeleteScalingPolicy",
                        "application-autoscaling:DeleteScheduledAction", "application-autoscaling:DeregisterScalableTarget",
                        "application-autoscaling:PutScalingPolicy", "application-autoscaling:PutScheduledAction",
                        "application-autoscaling:RegisterScalableTarget"),
                AppEnv.regional("application-autoscaling", "scalable-target/*")));
        if (env.alb().accessLogs()) {
            // The access-log bucket, by its exact name (bucket ARNs have no account or Region); bucket-level ARN
            // only, so no object of it can be read, written or deleted through this role.
            s.add(Iam.allow("TheAccessLogBucket", families("s3", "Create", "Delete", "Get", "List", "Put", "Tag", "Untag",
                            "Update"),
                    Iam.arn("s3:::" + AlbStack.accessLogsBucket(p))));
        }
        if (env.network().encryptLogs()) {
            // kms:CreateKey acts on no key yet, so AWS authorises it only on "*"; tagging the key as it is created
            // also needs kms:TagResource there ("ABAC for AWS KMS"). Everything else this role does with the keys
            // it creates comes from their key policies, which name it (LogsKey): an IAM grant on "tagged" keys
            // would reach any key a template tags, another workload's included.
            Map<String, Object> createKey = app.tagged("aws:RequestTag");
            createKey.put("ForAllValues:StringEquals", Map.of("aws:TagKeys", List.of(AppEnv.APP_TAG, AppEnv.ENV_TAG)));
            s.add(Iam.allow("CreateOnlyTaggedKeys", List.of("kms:CreateKey", "kms:TagResource"), List.<Object>of("*"),
                    createKey));
        }
        // The ECS cluster and Lambda handlers describe the KMS key of an encryption setting; read-only.
        s.add(Iam.allow("DescribeKeys", List.of("kms:DescribeKey"), AppEnv.regional("kms", "key/*")));
        Fn.Sub roles = Iam.arn("iam::${AWS::AccountId}:role" + app.rolePath() + "*");
        s.add(Iam.allow("CreateWorkloadRolesOnlyWithTheBoundary", List.of("iam:AttachRolePolicy", "iam:CreateRole",
                        "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary",
                        "iam:PutRolePolicy"),
                List.of(roles), Map.of("StringEquals", Map.of("iam:PermissionsBoundary", boundary.ref()))));
        s.add(Iam.allow("ManageWorkloadRoles", List.of("iam:DeleteRole", "iam:GetRole", "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:ListRoleTags", "iam:TagRole", "iam:UntagRole",
                "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription"), roles));
        s.add(Iam.allow("PassWorkloadRolesToTheirServices", List.of("iam:PassRole"), List.of(roles),
                Map.of("StringEquals", Map.of("iam:PassedToService", List.of("ecs-tasks.amazonaws.com", "ecs.amazonaws.com",
                        "lambda.amazonaws.com", "vpc-flow-logs.amazonaws.com")))));
        s.add(Iam.allow("ServiceLinkedRoles", List.of("iam:CreateServiceLinkedRole"),
                List.of(Iam.arn("iam::${AWS::AccountId}:role/aws-service-role/*")),
                Map.of("StringEquals", Map.of("iam:AWSServiceName", ServiceLinkedRoles.SERVICES))));
        return Iam.document(s.toArray());
    }

    /** {@code <service>:<Verb>*} for each verb: a family of actions, never the whole service. */
    static List<String> families(String service, String... verbs) {
        List<String> out = new ArrayList<>();
        for (String verb : verbs) {
            out.add(service + ":" + verb + "*");
        }
        return List.copyOf(out);
    }

    private static Fn.Sub ec2(String resourceType) {
        return AppEnv.regional("ec2", resourceType + "/*");
    }
}
