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
 * The internet-facing Application Load Balancer, its security group, the two target groups the service
 * registers its tasks in, and the listeners: HTTPS with a certificate and HTTP redirecting to it, or plain
 * HTTP, as the environment says.
 */
public final class AlbStack implements Stack {

    /** The container port the target group sends traffic to (the server's PORT). */
    public static final int APP_PORT = 8888;
    /** TLS 1.3 with TLS 1.2 fallback, restricted to forward-secret AES-GCM cipher suites. */
    static final String TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06";

    static final String DNS_NAME = "LoadBalancerDnsName";
    static final String URL = "LoadBalancerUrl";
    static final String SECURITY_GROUP = "LoadBalancerSecurityGroupId";
    static final String TARGET_GROUP_ARN = "TargetGroupArn";
    static final String LB_FULL_NAME = "LoadBalancerFullName";
    static final String TG_FULL_NAME = "TargetGroupFullName";
    static final String ALT_TARGET_GROUP_ARN = "AlternateTargetGroupArn";
    static final String ALT_TG_FULL_NAME = "AlternateTargetGroupFullName";
    static final String PRODUCTION_RULE_ARN = "ProductionListenerRuleArn";
    static final String TEST_RULE_ARN = "TestListenerRuleArn";
    /** The test rule is evaluated first (lower number), so it wins over the catch-all production rule. */
    static final int TEST_RULE_PRIORITY = 10;
    static final int PRODUCTION_RULE_PRIORITY = 100;
    /** The load balancer's idle timeout; the server's IDLE_TIMEOUT_SECONDS is derived from it (ServiceStack). */
    static final int IDLE_TIMEOUT_SECONDS = 60;
    /** Where ECS moves production (and test) traffic on a release: which of the two groups weighs 100. */
    static final List<String> TARGET_GROUP_IDS = List.of("TargetGroup", "AlternateTargetGroup");

    /**
     * The access-log bucket's name as Fn::Sub text: at most 63 characters, as S3 requires (the prefix 27, the
     * account 12, the longest Region name 14, separators and "alb" 8).
     */
    static String accessLogsBucket(String prefix) {
        return prefix + "-${AWS::AccountId}-${AWS::Region}-alb";
    }

    /**
     * Who writes ALB access logs into the bucket (ALB user guide, "Enable access logs for your Application
     * Load Balancer", step 2): in "Regions available before August 2022", the Elastic Load Balancing account
     * of the Region ("Replace elb-account-id with the ID of the AWS account for Elastic Load Balancing for your
     * Region"); in "Regions available as of August 2022 or later", the service principal
     * logdelivery.elasticloadbalancing.amazonaws.com. The accounts are the guide's table (copy of June 2023);
     * the Regions mapped to "" use the service principal. A Region missing here fails the create with
     * CloudFormation's "Unable to get mapping for ElbLogDelivery::<region>::Account": add it (docs/deploying.md).
     */
    static final Map<String, String> ELB_LOG_DELIVERY_ACCOUNTS = elbAccounts();

    private static Map<String, String> elbAccounts() {
        Map<String, String> m = new java.util.TreeMap<>();
        String[][] before2022 = {
            {"us-east-1", "127311923021"}, {"us-east-2", "033677994240"}, {"us-west-1", "027434742980"},
            {"us-west-2", "797873946194"}, {"af-south-1", "098369216593"}, {"ap-east-1", "754344448648"},
            {"ap-southeast-3", "589379963580"}, {"ap-south-1", "718504428378"}, {"ap-northeast-3", "383597477331"},
            {"ap-northeast-2", "600734575887"}, {"ap-southeast-1", "114774131450"}, {"ap-southeast-2", "783225319266"},
            {"ap-northeast-1", "582318560864"}, {"ca-central-1", "985666609251"}, {"eu-central-1", "054676820928"},
            {"eu-west-1", "156460612806"}, {"eu-west-2", "652711504416"}, {"eu-south-1", "635631232127"},
            {"eu-west-3", "009996457667"}, {"eu-north-1", "897822967062"}, {"me-south-1", "076674570225"},
            {"sa-east-1", "507241528517"}, {"us-gov-west-1", "048591011584"}, {"us-gov-east-1", "190560391635"}};
        for (String[] r : before2022) {
            m.put(r[0], r[1]);
        }
        // Listed by the guide as available as of August 2022 or later (June 2023), then the Regions opened since.
        for (String r : List.of("ap-south-2", "ap-southeast-4", "eu-south-2", "eu-central-2", "me-central-1",
                "il-central-1", "ca-west-1", "ap-southeast-5", "ap-southeast-7", "mx-central-1", "ap-east-2",
                "ap-southeast-6")) {
            m.put(r, "");
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    @Override
    public String name() {
        return "alb";
    }

    @Override
    public String summary() {
        return "Internet-facing ALB in the public subnets, its security group, two target groups for blue/green releases (port "
                + APP_PORT + ", GET /health), the serving listener (HTTPS with a redirect from HTTP, or HTTP), production "
                + "and test listener rules written with the live traffic weights";
    }

    @Override
    public Template template(Environment env) {
        AppEnv app = new AppEnv(env);
        Environment.LoadBalancer cfg = env.alb();
        String p = env.prefix();
        Template t = new Template(name(), "hello-stack: " + p + " internet-facing Application Load Balancer, its security "
                + "group, the two target groups of the service and the listeners (" + (cfg.https() ? "HTTPS" : "HTTP") + ").");
        Parameter certificate = null;
        Parameter domain = null;
        if (cfg.https()) {
            certificate = t.parameter("CertificateArn", "String")
                    .allowedPattern("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[a-zA-Z0-9-]+$")
                    .length(20, 2048)
                    .description("ACM certificate (in this Region) for DomainName. Required.")
                    .constraintDescription("CertificateArn: an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>).");
            domain = t.parameter("DomainName", "String")
                    .allowedPattern("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$")
                    .length(4, 253)
                    .description("The host name the service is reached at (its DNS record points at the load balancer); "
                            + "the certificate must cover it. Required.")
                    .constraintDescription("DomainName: a lower-case DNS name such as hello.example.com.");
        }
        Parameter liveProduction = t.parameter("LiveProductionTargetGroup", "String")
                .defaultValue(TARGET_GROUP_IDS.get(0))
                .allowedValues(TARGET_GROUP_IDS.toArray(String[]::new))
                .description("Set by the pipeline from the live production rule: the target group ECS last moved production to.")
                .constraintDescription("LiveProductionTargetGroup: TargetGroup or AlternateTargetGroup.");
        Parameter liveTest = t.parameter("LiveTestTargetGroup", "String")
                .defaultValue(TARGET_GROUP_IDS.get(0))
                .allowedValues(TARGET_GROUP_IDS.toArray(String[]::new))
                .description("Set by the pipeline from the live test rule: the target group ECS last moved test traffic to.")
                .constraintDescription("LiveTestTargetGroup: TargetGroup or AlternateTargetGroup.");
        t.parameterGroup("Traffic (set by the pipeline)", liveProduction, liveTest);
        if (cfg.https()) {
            t.parameterGroup("HTTPS", certificate, domain);
        }

        Resource logsPolicy = null;
        Resource logsBucket = null;
        if (cfg.accessLogs()) {
            t.mapping("ElbLogDelivery", elbLogDeliveryMapping());
            Fn.Condition elbAccount = t.condition("ElbAccountDeliversLogs", Fn.not(Fn.equalsFn(
                    Fn.findInMap("ElbLogDelivery", Fn.Pseudo.REGION, "Account"), "")));
            // Application Load Balancers deliver access logs only to buckets encrypted with S3-managed keys
            // (SSE-S3): "The only server-side encryption option that's supported is Amazon S3-managed keys
            // (SSE-S3)" (ALB user guide, "Enable access logs", bucket requirements). So no KMS key here.
            // RetainExceptOnCreate: the bucket has a fixed name, so a bucket kept after a failed first create
            // would make every retry fail with "already exists"; once created and in use, it is kept.
            logsBucket = t.resource("AccessLogsBucket", "AWS::S3::Bucket")
                    .deletionPolicy(Resource.Policy.RetainExceptOnCreate)
                    .updateReplacePolicy(Resource.Policy.Retain)
                    .prop("BucketName", Fn.sub(accessLogsBucket(p)))
                    .prop("BucketEncryption", Obj.of("ServerSideEncryptionConfiguration", List.of(Obj.of(
                            "ServerSideEncryptionByDefault", Obj.of("SSEAlgorithm", "AES256")))))
                    .prop("PublicAccessBlockConfiguration", Obj.of("BlockPublicAcls", true, "BlockPublicPolicy", true,
                            "IgnorePublicAcls", true, "RestrictPublicBuckets", true))
                    .prop("OwnershipControls", Obj.of("Rules", List.of(Obj.of("ObjectOwnership", "BucketOwnerEnforced"))))
                    .prop("VersioningConfiguration", Obj.of("Status", "Enabled"))
                    // Object Lock on, with no default retention: log files can be locked by an administrator, and
                    // ELB's uploads need no retention headers.
                    .prop("ObjectLockEnabled", true)
                    .prop("LifecycleConfiguration", Obj.of("Rules", List.of(Obj.of(
                            "Id", "ExpireAccessLogs",
                            "Status", "Enabled",
                            "ExpirationInDays", cfg.accessLogsDays(),
                            "NoncurrentVersionExpiration", Obj.of("NoncurrentDays", 7),
                            "AbortIncompleteMultipartUpload", Obj.of("DaysAfterInitiation", 1)))))
                    // ELB announces each delivered log file through S3 event notifications (ALB user guide, "Configure
                    // log delivery notifications"); EventBridge is the one that needs no extra resource.
                    .prop("NotificationConfiguration", Obj.of("EventBridgeConfiguration", Obj.of("EventBridgeEnabled", true)))
                    .prop("Tags", app.tags("-alb-logs"));
            // The object ARN is an Fn::Join of the bucket's Arn and "/*", the one form Control Tower's CT.S3.PR.8
            // recognises (it does not read Fn::Sub), so cfn-lint's informational I1022 (prefer Fn::Sub) is off here.
            logsPolicy = t.resource("AccessLogsBucketPolicy", "AWS::S3::BucketPolicy")
                    .metadata(Obj.of("cfn-lint", Obj.of("config", Obj.of("ignore_checks", List.of("I1022")))))
                    .prop("Bucket", logsBucket.ref())
                    .prop("PolicyDocument", Iam.document(
                            Obj.of("Sid", "DenyRequestsWithoutTls",
                                    "Effect", "Deny",
                                    "Principal", "*",
                                    "Action", List.of("s3:*"),
                                    "Resource", List.of(logsBucket.getAtt("Arn"), Fn.join("", logsBucket.getAtt("Arn"), "/*")),
                                    "Condition", Obj.of("Bool", Obj.of("aws:SecureTransport", "false"))),
                            Obj.of("Sid", "ElbDeliversAccessLogs",
                                    "Effect", "Allow",
                                    "Principal", Fn.ifThen(elbAccount,
                                            Obj.of("AWS", Fn.sub("arn:${AWS::Partition}:iam::${ElbAccount}:root", Map.of(
                                                    "ElbAccount", Fn.findInMap("ElbLogDelivery", Fn.Pseudo.REGION, "Account")))),
                                            Obj.of("Service", "logdelivery.elasticloadbalancing.amazonaws.com")),
                                    "Action", List.of("s3:PutObject"),
                                    "Resource", List.of(Fn.sub("${AccessLogsBucket.Arn}/" + p + "/AWSLogs/${AWS::AccountId}/*")))));
        }

        Resource sg = t.resource("LoadBalancerSecurityGroup", "AWS::EC2::SecurityGroup")
                .prop("GroupDescription", "Load balancer: HTTP" + (cfg.https() ? "/HTTPS" : "") + " in from " + cfg.ingressCidr()
                        + ", only the app port out to the VPC")
                .prop("VpcId", app.importValue(NetworkStack.VPC_ID))
                .prop("SecurityGroupIngress", cfg.https()
                        ? List.of(tcp(80, "CidrIp", cfg.ingressCidr(), "HTTP (redirected to HTTPS)"),
                                tcp(443, "CidrIp", cfg.ingressCidr(), "HTTPS"))
                        : List.of(tcp(80, "CidrIp", cfg.ingressCidr(), "HTTP")))
                .prop("SecurityGroupEgress", List.of(
                        tcp(APP_PORT, "CidrIp", app.importValue(NetworkStack.VPC_CIDR), "To the tasks in the VPC")))
                .prop("Tags", app.tags("-alb"));

        // Named <app>-<env> (at most 27 of the 32 characters ELB allows), like the target groups, so the
        // CloudFormation execution role's statements can name exactly this load balancer and what belongs to it.
        List<Object> attributes = new ArrayList<>(List.of(
                attribute("idle_timeout.timeout_seconds", String.valueOf(IDLE_TIMEOUT_SECONDS)),
                attribute("routing.http.drop_invalid_header_fields.enabled", "true"),
                attribute("routing.http.desync_mitigation_mode", "defensive"),
                attribute("deletion_protection.enabled", String.valueOf(cfg.deletionProtection())),
                attribute("access_logs.s3.enabled", String.valueOf(cfg.accessLogs()))));
        if (cfg.accessLogs()) {
            attributes.add(attribute("access_logs.s3.bucket", logsBucket.ref()));
            attributes.add(attribute("access_logs.s3.prefix", p));
        }
        Resource lb = t.resource("LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer");
        if (logsPolicy != null) {
            // ELB checks that it may write to the bucket when access logs are turned on.
            lb.dependsOn(logsPolicy);
        }
        lb.prop("Name", p)
                .prop("Type", "application")
                .prop("Scheme", "internet-facing")
                .prop("IpAddressType", "ipv4")
                .prop("Subnets", Fn.split(",", app.importValue(NetworkStack.PUBLIC_SUBNETS)))
                .prop("SecurityGroups", List.of(sg.ref()))
                .prop("LoadBalancerAttributes", attributes)
                .prop("Tags", app.tags("-alb"));

        // Two target groups: blue and green swap between them on every release, so neither is named after a colour.
        Resource tg = targetGroup(t, TARGET_GROUP_IDS.get(0), p, app, "-tg");
        Resource altTg = targetGroup(t, TARGET_GROUP_IDS.get(1), p + "-alt", app, "-tg-alt");

        // The serving listener is one resource whatever the protocol: adding HTTPS to an environment changes its
        // port, protocol and certificate in place (ModifyListener), so the rules on it (whose ARNs the service
        // stack imports) are never replaced. Nothing reaches its default action: the production rule matches
        // every path.
        Resource serving = t.resource("ServingListener", "AWS::ElasticLoadBalancingV2::Listener")
                .prop("LoadBalancerArn", lb.ref())
                .prop("Protocol", cfg.https() ? "HTTPS" : "HTTP")
                .prop("Port", cfg.https() ? 443 : 80);
        if (cfg.https()) {
            serving.prop("SslPolicy", TLS_POLICY)
                    .prop("Certificates", List.of(Obj.of("CertificateArn", certificate.ref())));
        }
        serving.prop("DefaultActions", List.of(Obj.of("Type", "fixed-response", "FixedResponseConfig", Obj.of(
                "StatusCode", "404", "ContentType", "text/plain", "MessageBody", "Not Found"))));
        if (cfg.https()) {
            // Created after the serving listener has left port 80 (when HTTPS is added to an environment).
            t.resource("HttpRedirectListener", "AWS::ElasticLoadBalancingV2::Listener")
                    .dependsOn(serving)
                    .prop("LoadBalancerArn", lb.ref())
                    .prop("Protocol", "HTTP")
                    .prop("Port", 80)
                    .prop("DefaultActions", List.of(Obj.of(
                            "Type", "redirect",
                            "RedirectConfig", Obj.of("Protocol", "HTTPS", "Port", "443", "StatusCode", "HTTP_301"))));
        }

        // ECS shifts traffic by rewriting the forward action of these two rules (ModifyRule), so both forward to
        // both target groups, only forward (ECS fails a deployment on rules mixing forward with other action
        // types). CloudFormation never writes back weights other than the live ones: the pipeline reads them
        // from the live rules and passes them as LiveProductionTargetGroup and LiveTestTargetGroup, so a stack
        // update after a release keeps production where ECS put it (docs/deploying.md). No Tags: the rules carry
        // none in the pinned cfn-lint's schema; the execution role names them by ARN (our load balancer's).
        Fn.Condition productionOnAlt = t.condition("ProductionOnAlternateTargetGroup",
                Fn.equalsFn(liveProduction.ref(), TARGET_GROUP_IDS.get(1)));
        Fn.Condition testOnAlt = t.condition("TestOnAlternateTargetGroup",
                Fn.equalsFn(liveTest.ref(), TARGET_GROUP_IDS.get(1)));
        Resource prodRule = t.resource("ProductionListenerRule", "AWS::ElasticLoadBalancingV2::ListenerRule")
                .prop("ListenerArn", serving.ref())
                .prop("Priority", PRODUCTION_RULE_PRIORITY)
                .prop("Conditions", List.of(Obj.of("Field", "path-pattern",
                        "PathPatternConfig", Obj.of("Values", List.of("/*")))))
                .prop("Actions", List.of(weightedForward(productionOnAlt, tg, altTg)));
        // The test rule matches only requests whose source address lies in the VPC's own CIDR. The load balancer
        // is internet-facing and the private subnets have no NAT, so no client ever has such an address: nobody
        // outside reaches the new revision through this rule. ECS points it at the new revision before
        // production (TEST_TRAFFIC_SHIFT); the release check reads which target group it forwards to and asks
        // that group's tasks directly (see ServiceStack and docs/deploying.md).
        Resource testRule = t.resource("TestListenerRule", "AWS::ElasticLoadBalancingV2::ListenerRule")
                .prop("ListenerArn", serving.ref())
                .prop("Priority", TEST_RULE_PRIORITY)
                .prop("Conditions", List.of(Obj.of("Field", "source-ip",
                        "SourceIpConfig", Obj.of("Values", List.of(env.network().vpcCidr())))))
                .prop("Actions", List.of(weightedForward(testOnAlt, tg, altTg)));

        t.output("LoadBalancerDnsName", lb.getAtt("DNSName"))
                .description("DNS name of the load balancer" + (cfg.https() ? " (point DomainName's CNAME or alias here)." : "."))
                .export(app.exportName(DNS_NAME));
        t.output("LoadBalancerUrl", cfg.https() ? Fn.sub("https://${DomainName}") : Fn.sub("http://${LoadBalancer.DNSName}"))
                .description("URL of the service.")
                .export(app.exportName(URL));
        t.output("LoadBalancerSecurityGroupId", sg.ref())
                .description("Security group of the load balancer; the service allows the app port from it.")
                .export(app.exportName(SECURITY_GROUP));
        t.output("TargetGroupArn", tg.ref())
                .description("The first target group of blue/green releases.")
                .export(app.exportName(TARGET_GROUP_ARN));
        t.output("LoadBalancerFullName", lb.getAtt("LoadBalancerFullName"))
                .description("app/<name>/<id>, for the alarms and request-count autoscaling.")
                .export(app.exportName(LB_FULL_NAME));
        t.output("TargetGroupFullName", tg.getAtt("TargetGroupFullName"))
                .description("targetgroup/<name>/<id>, for the alarms and request-count autoscaling.")
                .export(app.exportName(TG_FULL_NAME));
        t.output("AlternateTargetGroupArn", altTg.ref())
                .description("The second target group of blue/green releases.")
                .export(app.exportName(ALT_TARGET_GROUP_ARN));
        t.output("AlternateTargetGroupFullName", altTg.getAtt("TargetGroupFullName"))
                .description("targetgroup/<name>/<id> of the second target group, for the alarms and autoscaling.")
                .export(app.exportName(ALT_TG_FULL_NAME));
        t.output("ProductionListenerRuleArn", prodRule.ref())
                .description("The listener rule carrying production traffic; ECS shifts its weights on a release.")
                .export(app.exportName(PRODUCTION_RULE_ARN));
        t.output("TestListenerRuleArn", testRule.ref())
                .description("The test listener rule (VPC source addresses only); ECS points it at the new revision first.")
                .export(app.exportName(TEST_RULE_ARN));
        return t;
    }

    /** The ElbLogDelivery mapping: Region to {Account: the Region's Elastic Load Balancing account, or ""}. */
    static Map<String, Map<String, Object>> elbLogDeliveryMapping() {
        Map<String, Map<String, Object>> m = new java.util.TreeMap<>();
        ELB_LOG_DELIVERY_ACCOUNTS.forEach((region, account) -> m.put(region, Map.of("Account", account)));
        return m;
    }

    private static Resource targetGroup(Template t, String id, String name, AppEnv app, String tagSuffix) {
        return t.resource(id, "AWS::ElasticLoadBalancingV2::TargetGroup")
                .prop("Name", name)
                .prop("TargetType", "ip")
                .prop("Protocol", "HTTP")
                .prop("ProtocolVersion", "HTTP1")
                .prop("Port", APP_PORT)
                .prop("VpcId", app.importValue(NetworkStack.VPC_ID))
                .prop("HealthCheckEnabled", true)
                .prop("HealthCheckProtocol", "HTTP")
                .prop("HealthCheckPath", "/health")
                .prop("HealthCheckIntervalSeconds", 10)
                .prop("HealthCheckTimeoutSeconds", 5)
                .prop("HealthyThresholdCount", 2)
                .prop("UnhealthyThresholdCount", 3)
                .prop("Matcher", Obj.of("HttpCode", "200"))
                .prop("TargetGroupAttributes", List.of(attribute("deregistration_delay.timeout_seconds", "30")))
                .prop("Tags", app.tags(tagSuffix));
    }

    /** A forward action to both target groups: weight 100 on the alternate one when onAlternate holds, else on the first. */
    static Map<String, Object> weightedForward(Fn.Condition onAlternate, Resource first, Resource alternate) {
        return Obj.of("Type", "forward", "ForwardConfig", Obj.of("TargetGroups", List.of(
                Obj.of("TargetGroupArn", first.ref(), "Weight", Fn.ifThen(onAlternate, 0, 100)),
                Obj.of("TargetGroupArn", alternate.ref(), "Weight", Fn.ifThen(onAlternate, 100, 0)))));
    }

    static Map<String, Object> tcp(int port, String peerKey, Object peer, String description) {
        return Obj.of("IpProtocol", "tcp", "FromPort", port, "ToPort", port, peerKey, peer, "Description", description);
    }

    private static Map<String, Object> attribute(String key, Object value) {
        return Obj.of("Key", key, "Value", value);
    }
}
