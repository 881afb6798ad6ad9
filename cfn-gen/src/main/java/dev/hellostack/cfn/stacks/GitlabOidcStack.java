package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Parameter;
import dev.hellostack.cfn.model.Resource;
import dev.hellostack.cfn.model.Template;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Lets GitLab CI/CD jobs reach AWS without stored keys: an IAM OIDC provider for GitLab and three
 * roles, each limited to this application's stacks, repository and log groups by name.
 *
 * <ul>
 *   <li>ChangeSetRole, for merge-request pipelines (any branch of the project): create, describe and
 *       delete change sets, read stacks; it cannot execute a change set.</li>
 *   <li>DeployRole, for the default branch only: push images to our repository, run change sets on our
 *       stacks, and pass only the CloudFormation execution role.</li>
 *   <li>ImageTagRole, for tag pipelines (Git tags matching ReleaseTagPattern): add the Git tag to an
 *       image the default branch already pushed; it cannot upload layers, so it cannot bring a new image.</li>
 *   <li>CloudFormationExecutionRole, assumed by CloudFormation itself: creates what the stacks hold.
 *       Roles it creates must carry the WorkloadPermissionsBoundary, so a template cannot create a
 *       role more powerful than the workload needs.</li>
 * </ul>
 *
 * <p>Deployed once per application and environment by an administrator. Its stack name,
 * {@code gitlab-oidc-<AppName>-<EnvName>}, lies outside the {@code <AppName>-<EnvName>-*} names the
 * deploy role may touch, so the pipeline cannot change its own permissions.
 */
public final class GitlabOidcStack implements Stack {

    static final String BOUNDARY_EXPORT = "PermissionsBoundaryArn";
    /** Listener rules of our load balancer (their ARNs name it): listener-rule/app/NAME/LB-ID/LISTENER-ID/RULE-ID. */
    static final String LISTENER_RULES =
            "elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:listener-rule/app/${AppName}-${EnvName}/*";
    /** Lambda functions of this app and environment (ServiceStack's release check). */
    static final String FUNCTIONS = "lambda:${AWS::Region}:${AWS::AccountId}:function:${AppName}-${EnvName}-*";
    /** CloudWatch alarms of this app and environment (ReleaseAlarm). */
    static final String ALARMS = "cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:${AppName}-${EnvName}-*";

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
    private static final String SUB = "\"${GitLabHost}:sub\": \"project_path:${ProjectPath}:ref_type:branch:ref:%s\"";

    /** Merge-request pipelines: the audience, and any branch of the project. */
    static final String ANY_BRANCH_CONDITION = """
                    "StringEquals": { %s },
                    "StringLike": { %s }\
            """.formatted(AUD, SUB.formatted("*"));

    /**
     * Tag pipelines: the audience, and a Git tag matching ReleaseTagPattern. GitLab issues tag
     * pipelines' tokens with {@code ref_type:tag}, which the branch conditions never match.
     */
    static final String RELEASE_TAG_CONDITION = """
                    "StringEquals": { %s },
                    "StringLike": { "${GitLabHost}:sub": "project_path:${ProjectPath}:ref_type:tag:ref:${ReleaseTagPattern}" }\
            """.formatted(AUD);

    /** Deploy jobs: the audience, and only the default branch. */
    static final String DEFAULT_BRANCH_CONDITION = """
                    "StringEquals": {
                      %s,
                      %s
                    }\
            """.formatted(AUD, SUB.formatted("${DefaultBranch}"));

    @Override
    public String name() {
        return "gitlab-oidc";
    }

    @Override
    public String stackName() {
        return "gitlab-oidc-${AppName}-${EnvName}";
    }

    @Override
    public DeployedBy deployedBy() {
        return DeployedBy.administrator;
    }

    @Override
    public String summary() {
        return "GitLab OIDC provider; change-set role (merge requests), deploy role (default branch), "
                + "image-tag role (release tags), CloudFormation execution role; permissions boundary for workload roles";
    }

    @Override
    public Template template() {
        Template t = new Template(name(), "hello-stack: GitLab OIDC identity provider and the least-privilege roles the "
                + "pipeline uses (change sets, deploy, CloudFormation execution). Deployed once by an administrator.");
        AppEnv app = AppEnv.declare(t);
        Parameter url = t.parameter("GitLabUrl", "String")
                .defaultValue("https://gitlab.com")
                .allowedPattern("^https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?$")
                .description("URL of the GitLab instance that issues the job tokens (no path, no trailing slash).")
                .constraintDescription("GitLabUrl: https:// followed by a host name, such as https://gitlab.com.");
        Parameter audience = t.parameter("Audience", "String")
                .defaultValue("https://gitlab.com")
                .length(1, 255)
                .description("The aud claim the jobs request (id_tokens: aud: in .gitlab-ci.yml).")
                .constraintDescription("Audience: 1 to 255 characters.");
        Parameter project = t.parameter("ProjectPath", "String")
                .allowedPattern("^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)+$")
                .description("GitLab project path, GROUP/PROJECT (or GROUP/SUBGROUP/PROJECT), that may assume the roles. Required.")
                .constraintDescription("ProjectPath: GROUP/PROJECT, letters, digits, '_', '.', '-' separated by '/'.");
        Parameter branch = t.parameter("DefaultBranch", "String")
                .defaultValue("main")
                .allowedPattern("^[A-Za-z0-9_./-]+$")
                .description("The protected branch whose pipelines may deploy.")
                .constraintDescription("DefaultBranch: a branch name (letters, digits, '_', '.', '/', '-').");
        Parameter releaseTags = t.parameter("ReleaseTagPattern", "String")
                .defaultValue("v*")
                .allowedPattern("^[A-Za-z0-9_.*-]+$")
                .description("Git tags whose pipelines may add their tag to an image (IAM StringLike: * matches anything). "
                        + "Protect these tags in GitLab.")
                .constraintDescription("ReleaseTagPattern: letters, digits, '_', '.', '-' and '*', such as v*.");
        Parameter existing = t.parameter("ExistingProviderArn", "String")
                .defaultValue("")
                .allowedPattern("^$|^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/.+$")
                .description("ARN of an existing IAM OIDC provider for this GitLab (an account has one per URL). Empty: create it.")
                .constraintDescription("ExistingProviderArn: empty, or an IAM OIDC provider ARN.");
        t.parameterGroup("Application", app.appName, app.envName);
        Parameter mayDelete = t.parameter("PipelineMayDeleteStacks", "String")
                .defaultValue("true")
                .allowedValues("true", "false")
                .description("true: the deploy role may delete this application's stacks (deploy-stacks.sh does so only "
                        + "to retry a failed first create). false (prod): it may not, so a merge cannot delete them, "
                        + "and turning termination protection off gains it nothing.")
                .constraintDescription("PipelineMayDeleteStacks: true or false.");
        t.parameterGroup("GitLab", url, audience, project, branch, releaseTags, existing);
        t.parameterGroup("Pipeline", mayDelete);

        Fn.Condition create = t.condition("CreateProvider", Fn.equalsFn(existing.ref(), ""));
        Fn.Condition deletable = t.condition("PipelineDeletesStacks", Fn.equalsFn(mayDelete.ref(), "true"));

        Resource provider = t.resource("GitLabOidcProvider", "AWS::IAM::OIDCProvider")
                .condition(create)
                .prop("Url", url.ref())
                .prop("ClientIdList", List.of(audience.ref()))
                .prop("Tags", app.tags());
        Object providerArn = Fn.ifThen(create, provider.ref(), existing.ref());
        Fn host = Fn.select(1, Fn.split("//", url.ref()));

        String stacks = "cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AppName}-${EnvName}-*/*";
        String ecrStack = "cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AppName}-${EnvName}-ecr/*";
        String changeSets = "cloudformation:${AWS::Region}:${AWS::AccountId}:changeSet/*/*";
        String repository = "ecr:${AWS::Region}:${AWS::AccountId}:repository/${AppName}-${EnvName}";
        String roles = "iam::${AWS::AccountId}:role" + AppEnv.ROLE_PATH + "*";

        Resource boundary = t.resource("WorkloadPermissionsBoundary", "AWS::IAM::ManagedPolicy")
                .prop("Description", "The most any role created by the application's stacks may do: pull our image, "
                        + "write our logs")
                .prop("PolicyDocument", Iam.document(
                        Iam.allow("EcrLogin", List.of("ecr:GetAuthorizationToken"), "*"),
                        Iam.allow("PullFromOurRepository",
                                List.of("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"),
                                Iam.arn(repository)),
                        Iam.allow("FindLogGroups", List.of("logs:DescribeLogGroups"), "*"),
                        Iam.allow("WriteOurLogGroups",
                                List.of("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
                                Iam.arn("logs:${AWS::Region}:${AWS::AccountId}:log-group:/ecs/${AppName}-${EnvName}:*"),
                                Iam.arn("logs:${AWS::Region}:${AWS::AccountId}:log-group:/vpc/${AppName}-${EnvName}/flow-logs:*")),
                        // Blue/green releases (ServiceStack): ECS's load-balancer role, the release check, the hook.
                        Iam.allow("ReadLoadBalancing", ServiceStack.LB_READ_ACTIONS, "*"),
                        Iam.allow("RegisterTasksInOurTargetGroups", List.of("elasticloadbalancing:DeregisterTargets",
                                        "elasticloadbalancing:RegisterTargets"),
                                List.of(Iam.arn("elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:targetgroup/*/*")),
                                tagged("aws:ResourceTag")),
                        Iam.allow("ShiftOurListenerRules", List.of("elasticloadbalancing:ModifyRule"),
                                Iam.arn(LISTENER_RULES)),
                        Iam.allow("AttachTheReleaseCheckToTheVpc", List.of("ec2:DescribeNetworkInterfaces",
                                "ec2:DescribeSubnets"), "*"),
                        Iam.allow("ReleaseCheckNetworkInterfaces", ServiceStack.LAMBDA_ENI_ACTIONS,
                                Iam.arn("ec2:${AWS::Region}:${AWS::AccountId}:network-interface/*"),
                                Iam.arn("ec2:${AWS::Region}:${AWS::AccountId}:subnet/*"),
                                Iam.arn("ec2:${AWS::Region}:${AWS::AccountId}:security-group/*")),
                        Iam.allow("InvokeOurReleaseCheck", List.of("lambda:InvokeFunction"), Iam.arn(FUNCTIONS))));

        Resource execRole = t.resource("CloudFormationExecutionRole", "AWS::IAM::Role")
                .prop("Description", "CloudFormation creates the application's resources with this role, not with the "
                        + "pipeline's credentials")
                .prop("AssumeRolePolicyDocument", Iam.plainServiceTrust("cloudformation.amazonaws.com"))
                .prop("Policies", List.of(Iam.inline("ManageApplicationStacks",
                        executionPolicy(repository, roles, boundary))))
                .prop("Tags", app.tags());

        List<String> readStacks = List.of("cloudformation:DescribeStackEvents", "cloudformation:DescribeStackResources",
                "cloudformation:DescribeStacks", "cloudformation:GetTemplate", "cloudformation:GetTemplateSummary");
        Resource changeSetRole = t.resource("ChangeSetRole", "AWS::IAM::Role")
                .prop("Description", "Merge-request pipelines: create and inspect change sets, never execute them")
                .prop("AssumeRolePolicyDocument", trust(providerArn, host, ANY_BRANCH_CONDITION))
                .prop("MaxSessionDuration", 3600)
                .prop("Policies", List.of(Iam.inline("ChangeSetsOnly", Iam.document(
                        Iam.allow("ChangeSets", concat(readStacks, List.of("cloudformation:CreateChangeSet",
                                        "cloudformation:DeleteChangeSet", "cloudformation:DescribeChangeSet",
                                        "cloudformation:ListChangeSets")),
                                Iam.arn(stacks), Iam.arn(changeSets)),
                        passExecutionRole(execRole)))))
                .prop("Tags", app.tags());

        Resource deployRole = t.resource("DeployRole", "AWS::IAM::Role")
                .prop("Description", "Default-branch pipelines: push images to our repository and deploy our stacks")
                .prop("AssumeRolePolicyDocument", trust(providerArn, host, DEFAULT_BRANCH_CONDITION))
                .prop("MaxSessionDuration", 3600)
                .prop("Policies", List.of(Iam.inline("PushImagesDeployStacks", Iam.document(
                        Iam.allow("EcrLogin", List.of("ecr:GetAuthorizationToken"), "*"),
                        Iam.allow("PushToOurRepository", List.of("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                                        "ecr:CompleteLayerUpload", "ecr:DescribeImageScanFindings", "ecr:DescribeImages",
                                        "ecr:DescribeRepositories",
                                        "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage",
                                        "ecr:UploadLayerPart"),
                                Iam.arn(repository)),
                        Iam.allow("DeployOurStacks", concat(readStacks, List.of("cloudformation:CancelUpdateStack",
                                        "cloudformation:ContinueUpdateRollback", "cloudformation:CreateChangeSet",
                                        "cloudformation:DeleteChangeSet", "cloudformation:DescribeChangeSet",
                                        "cloudformation:ExecuteChangeSet", "cloudformation:ListChangeSets")),
                                Iam.arn(stacks), Iam.arn(changeSets)),
                        // deploy-stacks.sh deletes a stack left in ROLLBACK_COMPLETE by a failed first create
                        // (it holds no resources) before trying again. Only the default branch has this.
                        Fn.ifThen(deletable, Iam.allow("RetryAFailedFirstCreate", List.of("cloudformation:DeleteStack"),
                                Iam.arn(stacks)), Fn.Pseudo.NO_VALUE),
                        // deploy-stacks.sh turns termination protection on where the environment asks for it.
                        Iam.allow("ProtectOurStacks", List.of("cloudformation:UpdateTerminationProtection"), Iam.arn(stacks)),
                        Iam.allow("CheckOurServiceAfterDeploy", List.of("ecs:DescribeServices",
                                        "ecs:ListServiceDeployments"),
                                Iam.arn("ecs:${AWS::Region}:${AWS::AccountId}:service/${AppName}-${EnvName}/*")),
                        // release-wait.sh: how the service's deployment ended (rolled back, and why).
                        Iam.allow("FollowOurServiceDeployments", List.of("ecs:DescribeServiceDeployments"),
                                Iam.arn("ecs:${AWS::Region}:${AWS::AccountId}:service-deployment/${AppName}-${EnvName}/*")),
                        passExecutionRole(execRole)))))
                .prop("Tags", app.tags());

        Resource imageTagRole = t.resource("ImageTagRole", "AWS::IAM::Role")
                .prop("Description", "Tag pipelines: add the Git tag to an image the default branch pushed; no layer uploads")
                .prop("AssumeRolePolicyDocument", trust(providerArn, host, RELEASE_TAG_CONDITION))
                .prop("MaxSessionDuration", 3600)
                .prop("Policies", List.of(Iam.inline("TagExistingImages", Iam.document(
                        Iam.allow("ReadTheRepositoryUri", List.of("cloudformation:DescribeStacks"), Iam.arn(ecrStack)),
                        Iam.allow("TagImagesInOurRepository", List.of("ecr:BatchGetImage", "ecr:DescribeImages",
                                "ecr:PutImage"), Iam.arn(repository))))))
                .prop("Tags", app.tags());

        t.output("ChangeSetRoleArn", changeSetRole.getAtt("Arn"))
                .description("Role for merge-request pipelines (AWS_ROLE_ARN of the change-set job).");
        t.output("DeployRoleArn", deployRole.getAtt("Arn"))
                .description("Role for default-branch pipelines (AWS_ROLE_ARN of the build and deploy jobs).");
        t.output("ImageTagRoleArn", imageTagRole.getAtt("Arn"))
                .description("Role for tag pipelines (IMAGE_TAG_ROLE_ARN of the build-image job on tags).");
        t.output("CloudFormationExecutionRoleArn", execRole.getAtt("Arn"))
                .description("Role CloudFormation uses to create the resources (--role-arn).");
        t.output("PermissionsBoundaryArn", boundary.ref())
                .description("Permissions boundary every role created by the application's stacks carries.")
                .export(AppEnv.exportName(BOUNDARY_EXPORT));
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

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.sort(null);
        return List.copyOf(all);
    }

    /** The tag pair every resource of this app and environment carries, as an IAM condition on keyPrefix (aws:RequestTag or aws:ResourceTag). */
    static Map<String, Object> tagged(String keyPrefix) {
        return Obj.of("StringEquals", Obj.of(
                keyPrefix + "/" + AppEnv.APP_TAG, Fn.sub("${AppName}"),
                keyPrefix + "/" + AppEnv.ENV_TAG, Fn.sub("${EnvName}")));
    }

    private static Fn.Sub ec2(String resourceType) {
        return Iam.arn("ec2:${AWS::Region}:${AWS::AccountId}:" + resourceType + "/*");
    }

    /** EC2 create actions and the one resource type each creates: tag-on-create statements (aws:RequestTag). */
    static final Map<String, String> EC2_CREATES = new java.util.LinkedHashMap<>();

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
     * What CloudFormation needs to create, update and delete the ecr, network, alb and service stacks,
     * naming only what this application and environment created:
     * <ul>
     *   <li>EC2, Elastic Load Balancing and KMS: a create must carry the tags
     *       {@code app=${AppName}} and {@code env=${EnvName}} (aws:RequestTag); a change or delete must act on
     *       a resource carrying them (aws:ResourceTag). A create that acts on an existing parent (a subnet in a
     *       VPC, a route in a route table) needs the parent's tags too: each create action has a statement of
     *       its own for the type it creates, so no statement lets a tagged request touch an untagged parent.
     *       The stacks' VPC does not exist when this role is made, so {@code ec2:Vpc} (which takes a VPC ARN)
     *       cannot name it; the VPC's own tags stand in.</li>
     *   <li>Load balancer and target group: their names are {@code ${AppName}-${EnvName}} (AlbStack), so the
     *       ARNs name them exactly; listeners are named by their load balancer.</li>
     *   <li>ECS, CloudWatch Logs, ECR, S3 and the workload roles: exact names, or the IAM path
     *       {@code /${AppName}/${EnvName}/}.</li>
     * </ul>
     * Actions are listed one by one (no wildcards). The Describe/List calls that AWS authorises only on "*"
     * are in one statement of their own (our rule HS.IAM.2 lists which).
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> executionPolicy(String repository, String roles, Resource boundary) {
        String account = "${AWS::Region}:${AWS::AccountId}";
        List<Object> statements = new ArrayList<>();
        statements.add(Iam.allow("CallsAwsOnlyAuthorisesOnAllResources", List.of(
                "application-autoscaling:DescribeScalableTargets",
                "application-autoscaling:DescribeScalingActivities",
                "application-autoscaling:DescribeScalingPolicies",
                "ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones",
                "ec2:DescribeFlowLogs", "ec2:DescribeInternetGateways", "ec2:DescribeNetworkAcls", "ec2:DescribeNetworkInterfaces",
                "ec2:DescribePrefixLists", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroupRules",
                "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeTags",
                "ec2:DescribeVpcAttribute", "ec2:DescribeVpcEndpoints", "ec2:DescribeVpcEndpointServices",
                "ec2:DescribeVpcs",
                "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition",
                "elasticloadbalancing:DescribeListenerAttributes", "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetHealth",
                "logs:DescribeLogGroups"), "*"));
        // No ecr:DeleteRepository: the repository is retained, and the pipeline can never delete images.
        statements.add(Iam.allow("EcrRepository", List.of("ecr:CreateRepository", "ecr:DeleteLifecyclePolicy",
                        "ecr:DescribeRepositories", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy",
                        "ecr:ListTagsForResource", "ecr:PutImageScanningConfiguration", "ecr:PutImageTagMutability",
                        "ecr:PutLifecyclePolicy", "ecr:TagResource", "ecr:UntagResource"),
                Iam.arn(repository)));
        statements.add(Iam.allow("KmsKeyForEcrEncryptionViaEcrOnly", List.of("kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey",
                        "kms:Encrypt", "kms:GenerateDataKey", "kms:RetireGrant"),
                List.of(Iam.arn("kms:" + account + ":key/*")),
                Map.of("StringEquals", Map.of("kms:ViaService", Fn.sub("ecr.${AWS::Region}.amazonaws.com")))));
        for (Map.Entry<String, String> create : EC2_CREATES.entrySet()) {
            String action = create.getKey();
            Map<String, Object> condition = tagged("aws:RequestTag");
            if (action.equals("ec2:CreateVpcEndpoint")) {
                // ec2:VpceServiceName: only the endpoints the network stack makes.
                condition.put("StringLike", Map.of("ec2:VpceServiceName", List.of(
                        Fn.sub("com.amazonaws.${AWS::Region}.ecr.*"), Fn.sub("com.amazonaws.${AWS::Region}.logs"),
                        Fn.sub("com.amazonaws.${AWS::Region}.elasticloadbalancing"),
                        Fn.sub("com.amazonaws.${AWS::Region}.s3"))));
            }
            String sid = "Tagged" + action.substring("ec2:Create".length()) + "Only";
            statements.add(Iam.allow(sid, List.of(action), List.of(ec2(create.getValue())), condition));
        }
        // The EC2 resource types the stacks create; each carries the app and env tags.
        List<Object> ours = new ArrayList<>();
        for (String type : EC2_CREATES.values()) {
            ours.add(ec2(type));
        }
        // Tags in a create request are authorised as ec2:CreateTags too; ec2:CreateAction limits this to tagging
        // while creating, so no template can put our tags on another workload's resource and then change it.
        Map<String, Object> whileCreating = tagged("aws:RequestTag");
        ((Map<String, Object>) whileCreating.get("StringEquals")).put("ec2:CreateAction", List.copyOf(EC2_CREATES.keySet()));
        statements.add(Iam.allow("TagOnlyWhileCreating", List.of("ec2:CreateTags"), ours, whileCreating));
        statements.add(Iam.allow("ChangeAndDeleteOnlyOurNetworkResources", List.of("ec2:AssociateRouteTable",
                        "ec2:AttachInternetGateway", "ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress",
                        "ec2:CreateFlowLogs", "ec2:CreateRoute", "ec2:CreateRouteTable", "ec2:CreateSecurityGroup",
                        "ec2:CreateSubnet", "ec2:CreateTags", "ec2:CreateVpcEndpoint", "ec2:DeleteFlowLogs",
                        "ec2:DeleteInternetGateway", "ec2:DeleteRoute", "ec2:DeleteRouteTable", "ec2:DeleteSecurityGroup",
                        "ec2:DeleteSubnet", "ec2:DeleteTags", "ec2:DeleteVpc", "ec2:DeleteVpcEndpoints",
                        "ec2:DetachInternetGateway", "ec2:DisassociateRouteTable", "ec2:ModifySecurityGroupRules",
                        "ec2:ModifySubnetAttribute", "ec2:ModifyVpcAttribute", "ec2:ModifyVpcEndpoint", "ec2:ReplaceRoute",
                        "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
                        "ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:UpdateSecurityGroupRuleDescriptionsIngress"),
                ours, tagged("aws:ResourceTag")));
        // A security-group rule is a resource of its own that CloudFormation does not tag; it exists only inside
        // a security group, which the statement above requires to be ours.
        statements.add(Iam.allow("RulesInsideOurSecurityGroups", List.of("ec2:AuthorizeSecurityGroupEgress",
                        "ec2:AuthorizeSecurityGroupIngress", "ec2:ModifySecurityGroupRules", "ec2:RevokeSecurityGroupEgress",
                        "ec2:RevokeSecurityGroupIngress", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
                        "ec2:UpdateSecurityGroupRuleDescriptionsIngress"),
                ec2("security-group-rule")));
        // route53:AssociateVPCWithHostedZone has no tag condition keys (Route 53 offers route53:VPCs only, and the
        // VPC id is not known when this role is made); the hosted zones are the private ones AWS manages for
        // the interface endpoints' DNS names.
        statements.add(Iam.allow("PrivateDnsForInterfaceEndpoints", List.of("route53:AssociateVPCWithHostedZone"),
                Iam.arn("route53:::hostedzone/*"),
                ec2("vpc")));
        String lb = "elasticloadbalancing:" + account + ":loadbalancer/app/${AppName}-${EnvName}/*";
        String tg = "elasticloadbalancing:" + account + ":targetgroup/${AppName}-${EnvName}/*";
        String listeners = "elasticloadbalancing:" + account + ":listener/app/${AppName}-${EnvName}/*";
        statements.add(Iam.allow("CreateOnlyTaggedLoadBalancerAndTargetGroup", List.of("elasticloadbalancing:AddTags",
                        "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"),
                List.of(Iam.arn(lb), Iam.arn(tg)), tagged("aws:RequestTag")));
        statements.add(Iam.allow("ChangeOnlyOurLoadBalancerAndTargetGroup", List.of("elasticloadbalancing:AddTags",
                        "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:DeleteTargetGroup",
                        "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:ModifyTargetGroup",
                        "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:RemoveTags",
                        "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets"),
                List.of(Iam.arn(lb), Iam.arn(tg)), tagged("aws:ResourceTag")));
        // The second target group of blue/green releases has no name of ours (ELB's 32 characters), so it is
        // scoped by its tags alone: created only with them, changed only while it carries them.
        String anyTg = "elasticloadbalancing:" + account + ":targetgroup/*/*";
        statements.add(Iam.allow("CreateOnlyTaggedAlternateTargetGroup", List.of("elasticloadbalancing:AddTags",
                        "elasticloadbalancing:CreateTargetGroup"),
                List.of(Iam.arn(anyTg)), tagged("aws:RequestTag")));
        statements.add(Iam.allow("ChangeOnlyOurAlternateTargetGroup", List.of("elasticloadbalancing:AddTags",
                        "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:ModifyTargetGroup",
                        "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:RemoveTags"),
                List.of(Iam.arn(anyTg)), tagged("aws:ResourceTag")));
        // The production and test listener rules: their ARNs name our load balancer (they carry no tags).
        statements.add(Iam.allow("ListenerRulesOfOurLoadBalancer", List.of("elasticloadbalancing:CreateRule",
                        "elasticloadbalancing:DeleteRule", "elasticloadbalancing:ModifyRule",
                        "elasticloadbalancing:SetRulePriorities"),
                Iam.arn(listeners), Iam.arn(LISTENER_RULES)));
        // The release check function, by name.
        statements.add(Iam.allow("OurReleaseCheckFunction", List.of("lambda:CreateFunction", "lambda:DeleteFunction",
                        "lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:GetFunctionConfiguration",
                        "lambda:GetFunctionRecursionConfig", "lambda:GetRuntimeManagementConfig", "lambda:ListTags",
                        "lambda:TagResource", "lambda:UntagResource", "lambda:UpdateFunctionCode",
                        "lambda:UpdateFunctionConfiguration"),
                Iam.arn(FUNCTIONS)));
        // The release alarms (ReleaseAlarm), by name.
        statements.add(Iam.allow("OurReleaseAlarms", List.of("cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms",
                        "cloudwatch:ListTagsForResource", "cloudwatch:PutMetricAlarm", "cloudwatch:TagResource",
                        "cloudwatch:UntagResource"),
                Iam.arn(ALARMS)));
        // Listeners are named by their load balancer's name in the ARN; that is what scopes them.
        statements.add(Iam.allow("ListenersOfOurLoadBalancer", List.of("elasticloadbalancing:AddTags",
                        "elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener",
                        "elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyListenerAttributes",
                        "elasticloadbalancing:RemoveTags"),
                Iam.arn(lb), Iam.arn(listeners)));
        statements.add(Iam.allow("EcsClusterAndService", List.of("ecs:CreateCluster", "ecs:CreateService", "ecs:DeleteCluster",
                        "ecs:DeleteService", "ecs:DescribeClusters", "ecs:DescribeServices", "ecs:ListTagsForResource",
                        "ecs:TagResource",
                        "ecs:UntagResource", "ecs:UpdateCluster", "ecs:UpdateClusterSettings", "ecs:UpdateService"),
                Iam.arn("ecs:" + account + ":cluster/${AppName}-${EnvName}"),
                Iam.arn("ecs:" + account + ":service/${AppName}-${EnvName}/*"),
                Iam.arn("ecs:" + account + ":task-definition/${AppName}-${EnvName}:*")));
        List<Object> logGroups = new ArrayList<>();
        for (String group : List.of("/ecs/${AppName}-${EnvName}", "/vpc/${AppName}-${EnvName}/flow-logs")) {
            logGroups.add(Iam.arn("logs:" + account + ":log-group:" + group));
            logGroups.add(Iam.arn("logs:" + account + ":log-group:" + group + ":*"));
        }
        statements.add(Obj.of("Sid", "OurLogGroups", "Effect", "Allow", "Action", List.of("logs:AssociateKmsKey",
                        "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DeleteRetentionPolicy", "logs:DisassociateKmsKey",
                        "logs:ListTagsForResource", "logs:ListTagsLogGroup", "logs:PutRetentionPolicy",
                        "logs:TagLogGroup", "logs:TagResource", "logs:UntagLogGroup", "logs:UntagResource"),
                "Resource", logGroups));
        // Application Auto Scaling: scalable-target ARNs end in a random id, and CloudFormation's ScalableTarget
        // takes no Tags (cfn-lint's resource schema), so neither a name nor a tag can scope these actions: they
        // reach every scalable target of the account and Region. What a target scales is an ECS service; a
        // change to another workload's target changes its task count, not its code or network (see the README).
        statements.add(Iam.allow("ScalableTargetsCannotBeScoped", List.of("application-autoscaling:DeleteScalingPolicy",
                        "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:PutScalingPolicy",
                        "application-autoscaling:RegisterScalableTarget"),
                Iam.arn("application-autoscaling:" + account + ":scalable-target/*")));
        // Target tracking names its alarms TargetTracking-<resource id>-..., the resource id being
        // service/<cluster>/<service>.
        statements.add(Iam.allow("TargetTrackingAlarmsOfOurService", List.of("cloudwatch:DeleteAlarms",
                        "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm"),
                Iam.arn("cloudwatch:" + account + ":alarm:TargetTracking-service/${AppName}-${EnvName}/*")));
        // The log groups' KMS keys (EncryptLogs): created only with our tags, managed only when they carry them.
        // kms:CreateKey acts on no key yet, so AWS authorises it only on "*"; tagging a key while creating it
        // also needs kms:TagResource there (KMS developer guide, "ABAC for AWS KMS", "Tagging keys").
        // Because that kms:TagResource must cover every key of the account and Region ("Controlling access to
        // tags"), a template could put our two tags (and, by aws:TagKeys, only those) on another workload's key.
        // So what tagged keys allow is kept harmless: no kms:PutKeyPolicy (CreateKey sets the policy; changing it
        // later is an administrator's job), no kms:ScheduleKeyDeletion, no use of the key.
        Map<String, Object> createKey = tagged("aws:RequestTag");
        createKey.put("ForAllValues:StringEquals", Map.of("aws:TagKeys", List.of(AppEnv.APP_TAG, AppEnv.ENV_TAG)));
        statements.add(Iam.allow("CreateOnlyTaggedKmsKeys", List.of("kms:CreateKey", "kms:TagResource"),
                List.<Object>of("*"), createKey));
        statements.add(Iam.allow("ManageOnlyOurKmsKeys", List.of("kms:DescribeKey", "kms:EnableKeyRotation",
                        "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:UpdateKeyDescription"),
                List.of(Iam.arn("kms:" + account + ":key/*")), tagged("aws:ResourceTag")));
        // The access-log bucket of the alb stack, by its exact name (S3 bucket ARNs have no account or Region).
        // No s3:DeleteBucket: the bucket is retained. CloudFormation reads a bucket's whole configuration after
        // each change, hence the Get calls for settings the template does not use.
        statements.add(Iam.allow("OurAccessLogBucket", List.of("s3:CreateBucket", "s3:DeleteBucketPolicy",
                        "s3:GetAccelerateConfiguration", "s3:GetAnalyticsConfiguration", "s3:GetBucketAcl",
                        "s3:GetBucketCORS", "s3:GetBucketLocation", "s3:GetBucketLogging", "s3:GetBucketNotification",
                        "s3:GetBucketObjectLockConfiguration", "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy",
                        "s3:GetBucketPublicAccessBlock", "s3:GetBucketTagging", "s3:GetBucketVersioning",
                        "s3:GetBucketWebsite", "s3:GetEncryptionConfiguration", "s3:GetIntelligentTieringConfiguration",
                        "s3:GetInventoryConfiguration", "s3:GetLifecycleConfiguration", "s3:GetMetricsConfiguration",
                        "s3:GetReplicationConfiguration", "s3:PutBucketNotification", "s3:PutBucketObjectLockConfiguration",
                        "s3:PutBucketOwnershipControls", "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock",
                        "s3:PutBucketTagging", "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
                        "s3:PutLifecycleConfiguration"),
                Iam.arn("s3:::" + AlbStack.ACCESS_LOGS_BUCKET)));
        statements.add(Iam.allow("CreateWorkloadRolesOnlyWithTheBoundary", List.of("iam:AttachRolePolicy", "iam:CreateRole",
                        "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary",
                        "iam:PutRolePolicy"),
                List.of(Iam.arn(roles)),
                Map.of("StringEquals", Map.of("iam:PermissionsBoundary", boundary.ref()))));
        statements.add(Iam.allow("ManageWorkloadRoles", List.of("iam:DeleteRole", "iam:GetRole", "iam:GetRolePolicy",
                        "iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:ListRoleTags", "iam:TagRole",
                        "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRoleDescription"),
                Iam.arn(roles)));
        statements.add(Iam.allow("PassWorkloadRolesToTheirServices", List.of("iam:PassRole"), List.of(Iam.arn(roles)),
                Map.of("StringEquals", Map.of("iam:PassedToService",
                        List.of("ecs-tasks.amazonaws.com", "ecs.amazonaws.com", "lambda.amazonaws.com",
                                "vpc-flow-logs.amazonaws.com")))));
        statements.add(Iam.allow("ServiceLinkedRoles", List.of("iam:CreateServiceLinkedRole"),
                List.of(Iam.arn("iam::${AWS::AccountId}:role/aws-service-role/*")),
                Map.of("StringEquals", Map.of("iam:AWSServiceName", List.of("ecs.amazonaws.com",
                        "ecs.application-autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com")))));
        return Iam.document(statements.toArray());
    }
}
