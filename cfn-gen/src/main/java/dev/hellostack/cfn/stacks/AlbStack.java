package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Parameter;
import dev.hellostack.cfn.model.Resource;
import dev.hellostack.cfn.model.Template;
import java.util.List;
import java.util.Map;

/**
 * The internet-facing Application Load Balancer, its security group, the target group the service
 * registers its tasks in, and the listeners: HTTP forwarding without a certificate, or HTTP
 * redirecting to HTTPS with one.
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
    /**
     * At most 63 characters, as S3 requires: AppName (20) + EnvName (10) + account (12) + the longest
     * Region name (14) + 4 separators and "alb" = 63.
     */
    static final String ACCESS_LOGS_BUCKET = "${AppName}-${EnvName}-${AWS::AccountId}-${AWS::Region}-alb";

    @Override
    public String name() {
        return "alb";
    }

    @Override
    public String summary() {
        return "Internet-facing ALB in the public subnets, its security group, two target groups for blue/green releases (port "
                + APP_PORT + ", GET /health), HTTP or HTTP->HTTPS listeners, production and test listener rules";
    }

    @Override
    public Template template() {
        Template t = new Template(name(), "hello-stack: internet-facing Application Load Balancer, its security group, "
                + "the target group for the service and the listeners (HTTPS when a certificate is given).");
        AppEnv app = AppEnv.declare(t);
        Parameter ingressCidr = t.parameter("IngressCidr", "String")
                .defaultValue("0.0.0.0/0")
                .allowedPattern("^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])$")
                .description("Who may reach the load balancer (ports 80 and 443), as an IPv4 CIDR.")
                .constraintDescription("IngressCidr: an IPv4 CIDR block such as 0.0.0.0/0 or 203.0.113.0/24.");
        Parameter certificate = t.parameter("CertificateArn", "String")
                .defaultValue("")
                .allowedPattern("^$|^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[a-zA-Z0-9-]+$")
                .description("ACM certificate ARN for HTTPS. Empty: plain HTTP on port 80. Set: port 80 redirects to HTTPS on 443.")
                .constraintDescription("CertificateArn: empty, or an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>).");
        // Off by default (dev): a failed first create must be able to delete the load balancer again, or the
        // stack ends in ROLLBACK_FAILED. The prod environment turns it on.
        Parameter deletionProtection = t.parameter("DeletionProtection", "String")
                .defaultValue("false")
                .allowedValues("true", "false")
                .description("Protect the load balancer from deletion (on in prod). Set to false before deleting the stack.")
                .constraintDescription("DeletionProtection: true or false.");
        Parameter accessLogs = t.parameter("AccessLogs", "String")
                .defaultValue("false")
                .allowedValues("true", "false")
                .description("Write access logs to the S3 bucket this stack creates (encrypted, private, TLS only, "
                        + "expiring after AccessLogsExpirationDays; kept when the stack is deleted).")
                .constraintDescription("AccessLogs: true or false.");
        Parameter logsExpiration = t.parameter("AccessLogsExpirationDays", "Number")
                .defaultValue(365)
                .range(1, 3650)
                .description("Days to keep access log files in the bucket.")
                .constraintDescription("AccessLogsExpirationDays: an integer from 1 to 3650.");
        Parameter elbAccount = t.parameter("ElbLogDeliveryAccountArn", "String")
                .defaultValue("")
                .allowedPattern("^$|^arn:aws[a-z-]*:iam::[0-9]{12}:root$")
                .description("Empty: the bucket policy lets the service principal logdelivery.elasticloadbalancing.amazonaws.com "
                        + "write (Regions opened in August 2022 or later). For older Regions, the Elastic Load Balancing "
                        + "account of the Region as arn:aws:iam::<elb-account-id>:root, from the ALB user guide, "
                        + "\"Enable access logs\", step 2.")
                .constraintDescription("ElbLogDeliveryAccountArn: empty, or arn:aws:iam::<12 digits>:root.");
        t.parameterGroup("Application", app.appName, app.envName);
        t.parameterGroup("Load balancer", ingressCidr, certificate, deletionProtection);
        t.parameterGroup("Access logs", accessLogs, logsExpiration, elbAccount);

        Fn.Condition hasCert = t.condition("HasCertificate", Fn.not(Fn.equalsFn(certificate.ref(), "")));
        Fn.Condition noCert = t.condition("NoCertificate", Fn.equalsFn(certificate.ref(), ""));
        Fn.Condition elbAccountPrincipal = t.condition("ElbAccountDeliversLogs", Fn.not(Fn.equalsFn(elbAccount.ref(), "")));

        // Application Load Balancers deliver access logs only to buckets encrypted with S3-managed keys
        // (SSE-S3): "The only server-side encryption option that's supported is Amazon S3-managed keys
        // (SSE-S3)" (ALB user guide, "Enable access logs", bucket requirements). So no KMS key here.
        // The bucket exists in every environment (empty, it costs nothing), so the load balancer can always
        // depend on its policy: ELB checks that it may write when access logs are turned on.
        Resource logsBucket = t.resource("AccessLogsBucket", "AWS::S3::Bucket")
                .deletionPolicy(Resource.Policy.Retain)
                .updateReplacePolicy(Resource.Policy.Retain)
                .prop("BucketName", Fn.sub(ACCESS_LOGS_BUCKET))
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
                        "ExpirationInDays", logsExpiration.ref(),
                        "NoncurrentVersionExpiration", Obj.of("NoncurrentDays", 7),
                        "AbortIncompleteMultipartUpload", Obj.of("DaysAfterInitiation", 1)))))
                // ELB announces each delivered log file through S3 event notifications (ALB user guide, "Configure
                // log delivery notifications"); EventBridge is the one that needs no extra resource.
                .prop("NotificationConfiguration", Obj.of("EventBridgeConfiguration", Obj.of("EventBridgeEnabled", true)))
                .prop("Tags", app.tags("-alb-logs"));
        String logPrefix = "${AppName}-${EnvName}";
        // The object ARN is an Fn::Join of the bucket's Arn and "/*", the one form Control Tower's CT.S3.PR.8
        // recognises (it does not read Fn::Sub), so cfn-lint's informational I1022 (prefer Fn::Sub) is off here.
        Resource logsPolicy = t.resource("AccessLogsBucketPolicy", "AWS::S3::BucketPolicy")
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
                                "Principal", Fn.ifThen(elbAccountPrincipal, Obj.of("AWS", elbAccount.ref()),
                                        Obj.of("Service", "logdelivery.elasticloadbalancing.amazonaws.com")),
                                "Action", List.of("s3:PutObject"),
                                "Resource", List.of(Fn.sub("${AccessLogsBucket.Arn}/" + logPrefix + "/AWSLogs/${AWS::AccountId}/*")))));

        Resource sg = t.resource("LoadBalancerSecurityGroup", "AWS::EC2::SecurityGroup")
                .prop("GroupDescription", "Load balancer: HTTP/HTTPS in from IngressCidr, only the app port out to the VPC")
                .prop("VpcId", AppEnv.importValue(NetworkStack.VPC_ID))
                .prop("SecurityGroupIngress", List.of(
                        tcp(80, "CidrIp", ingressCidr.ref(), "HTTP from IngressCidr"),
                        Fn.ifThen(hasCert, tcp(443, "CidrIp", ingressCidr.ref(), "HTTPS from IngressCidr"),
                                Fn.Pseudo.NO_VALUE)))
                .prop("SecurityGroupEgress", List.of(
                        tcp(APP_PORT, "CidrIp", AppEnv.importValue(NetworkStack.VPC_CIDR), "To the tasks in the VPC")))
                .prop("Tags", app.tags("-alb"));

        // Named ${AppName}-${EnvName} (at most 31 of the 32 characters ELB allows), like the target group, so
        // the CloudFormation execution role's statements can name exactly this load balancer and its listeners.
        Resource lb = t.resource("LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer")
                .dependsOn(logsPolicy)
                .prop("Name", AppEnv.name(""))
                .prop("Type", "application")
                .prop("Scheme", "internet-facing")
                .prop("IpAddressType", "ipv4")
                .prop("Subnets", Fn.split(",", AppEnv.importValue(NetworkStack.PUBLIC_SUBNETS)))
                .prop("SecurityGroups", List.of(sg.ref()))
                .prop("LoadBalancerAttributes", List.of(
                        attribute("idle_timeout.timeout_seconds", "60"),
                        attribute("routing.http.drop_invalid_header_fields.enabled", "true"),
                        attribute("routing.http.desync_mitigation_mode", "defensive"),
                        attribute("deletion_protection.enabled", deletionProtection.ref()),
                        attribute("access_logs.s3.enabled", accessLogs.ref()),
                        attribute("access_logs.s3.bucket", logsBucket.ref()),
                        attribute("access_logs.s3.prefix", AppEnv.name(""))))
                .prop("Tags", app.tags("-alb"));

        Resource tg = t.resource("TargetGroup", "AWS::ElasticLoadBalancingV2::TargetGroup")
                .prop("Name", AppEnv.name(""))
                .prop("TargetType", "ip")
                .prop("Protocol", "HTTP")
                .prop("ProtocolVersion", "HTTP1")
                .prop("Port", APP_PORT)
                .prop("VpcId", AppEnv.importValue(NetworkStack.VPC_ID))
                .prop("HealthCheckEnabled", true)
                .prop("HealthCheckProtocol", "HTTP")
                .prop("HealthCheckPath", "/health")
                .prop("HealthCheckIntervalSeconds", 10)
                .prop("HealthCheckTimeoutSeconds", 5)
                .prop("HealthyThresholdCount", 2)
                .prop("UnhealthyThresholdCount", 3)
                .prop("Matcher", Obj.of("HttpCode", "200"))
                .prop("TargetGroupAttributes", List.of(attribute("deregistration_delay.timeout_seconds", "30")))
                .prop("Tags", app.tags("-tg"));

        // The second target group of a blue/green release. Blue and green swap between the two on every release,
        // so neither is named after a colour. ELB names have 32 characters and ${AppName}-${EnvName} can take 31,
        // so this one is unnamed (CloudFormation generates a name) and the execution role scopes it by its tags.
        Resource altTg = t.resource("AlternateTargetGroup", "AWS::ElasticLoadBalancingV2::TargetGroup");
        tg.properties().forEach((k, v) -> {
            if (!k.equals("Name") && !k.equals("Tags")) {
                altTg.prop(k, v);
            }
        });
        altTg.prop("Tags", app.tags("-tg-alt"));

        Map<String, Object> forward = Obj.of("Type", "forward", "TargetGroupArn", tg.ref());
        t.resource("HttpListener", "AWS::ElasticLoadBalancingV2::Listener")
                .condition(noCert)
                .prop("LoadBalancerArn", lb.ref())
                .prop("Protocol", "HTTP")
                .prop("Port", 80)
                .prop("DefaultActions", List.of(forward));
        t.resource("HttpRedirectListener", "AWS::ElasticLoadBalancingV2::Listener")
                .condition(hasCert)
                .prop("LoadBalancerArn", lb.ref())
                .prop("Protocol", "HTTP")
                .prop("Port", 80)
                .prop("DefaultActions", List.of(Obj.of(
                        "Type", "redirect",
                        "RedirectConfig", Obj.of("Protocol", "HTTPS", "Port", "443", "StatusCode", "HTTP_301"))));
        t.resource("HttpsListener", "AWS::ElasticLoadBalancingV2::Listener")
                .condition(hasCert)
                .prop("LoadBalancerArn", lb.ref())
                .prop("Protocol", "HTTPS")
                .prop("Port", 443)
                .prop("SslPolicy", TLS_POLICY)
                .prop("Certificates", List.of(Obj.of("CertificateArn", certificate.ref())))
                .prop("DefaultActions", List.of(forward));

        // No Tags on the rules: the AWS::ElasticLoadBalancingV2::ListenerRule schema of the pinned cfn-lint has
        // none (E3002), so the execution role scopes them by their ARN, which names our load balancer.
        // ECS shifts traffic by rewriting the forward action of these two rules (ModifyRule), so both forward to
        // both target groups, only forward (ECS fails a deployment on listeners mixing forward with other action
        // types), weight 100 on the one serving now. After a release the live weights differ from the template:
        // never change these rules' properties in place, or CloudFormation writes the template weights back
        // and can send production to the idle target group (docs/deploying.md).
        Object servingListener = Fn.ifThen(hasCert, Fn.ref("HttpsListener"), Fn.ref("HttpListener"));
        Resource prodRule = t.resource("ProductionListenerRule", "AWS::ElasticLoadBalancingV2::ListenerRule")
                .prop("ListenerArn", servingListener)
                .prop("Priority", PRODUCTION_RULE_PRIORITY)
                .prop("Conditions", List.of(Obj.of("Field", "path-pattern",
                        "PathPatternConfig", Obj.of("Values", List.of("/*")))))
                .prop("Actions", List.of(weightedForward(tg, altTg)));
        // The test rule matches only requests whose source address lies in the VPC's own CIDR. The load balancer
        // is internet-facing and the private subnets have no NAT, so no client ever has such an address: nobody
        // outside reaches the new revision through this rule. ECS points it at the new revision before
        // production (TEST_TRAFFIC_SHIFT); the release check reads which target group it forwards to and asks
        // that group's tasks directly (see ServiceStack and docs/deploying.md).
        Resource testRule = t.resource("TestListenerRule", "AWS::ElasticLoadBalancingV2::ListenerRule")
                .prop("ListenerArn", servingListener)
                .prop("Priority", TEST_RULE_PRIORITY)
                .prop("Conditions", List.of(Obj.of("Field", "source-ip",
                        "SourceIpConfig", Obj.of("Values", List.of(AppEnv.importValue(NetworkStack.VPC_CIDR))))))
                .prop("Actions", List.of(weightedForward(tg, altTg)));

        t.output("LoadBalancerDnsName", lb.getAtt("DNSName"))
                .description("DNS name of the load balancer (point your domain's CNAME or alias here).")
                .export(AppEnv.exportName(DNS_NAME));
        t.output("LoadBalancerUrl", Fn.ifThen(hasCert,
                        Fn.sub("https://${LoadBalancer.DNSName}"), Fn.sub("http://${LoadBalancer.DNSName}")))
                .description("URL of the service through the load balancer.")
                .export(AppEnv.exportName(URL));
        t.output("LoadBalancerSecurityGroupId", sg.ref())
                .description("Security group of the load balancer; the service allows the app port from it.")
                .export(AppEnv.exportName(SECURITY_GROUP));
        t.output("TargetGroupArn", tg.ref())
                .description("Target group the service registers its tasks in.")
                .export(AppEnv.exportName(TARGET_GROUP_ARN));
        t.output("LoadBalancerFullName", lb.getAtt("LoadBalancerFullName"))
                .description("app/<name>/<id>, for request-count autoscaling.")
                .export(AppEnv.exportName(LB_FULL_NAME));
        t.output("TargetGroupFullName", tg.getAtt("TargetGroupFullName"))
                .description("targetgroup/<name>/<id>, for request-count autoscaling.")
                .export(AppEnv.exportName(TG_FULL_NAME));
        t.output("AlternateTargetGroupArn", altTg.ref())
                .description("The second target group of blue/green releases.")
                .export(AppEnv.exportName(ALT_TARGET_GROUP_ARN));
        t.output("AlternateTargetGroupFullName", altTg.getAtt("TargetGroupFullName"))
                .description("targetgroup/<name>/<id> of the second target group, for the release alarms.")
                .export(AppEnv.exportName(ALT_TG_FULL_NAME));
        t.output("ProductionListenerRuleArn", prodRule.ref())
                .description("The listener rule carrying production traffic; ECS shifts its weights on a release.")
                .export(AppEnv.exportName(PRODUCTION_RULE_ARN));
        t.output("TestListenerRuleArn", testRule.ref())
                .description("The test listener rule (VPC source addresses only); ECS points it at the new revision first.")
                .export(AppEnv.exportName(TEST_RULE_ARN));
        return t;
    }

    /** A forward action to both target groups, all weight on the first. */
    static Map<String, Object> weightedForward(Resource serving, Resource idle) {
        return Obj.of("Type", "forward", "ForwardConfig", Obj.of("TargetGroups", List.of(
                Obj.of("TargetGroupArn", serving.ref(), "Weight", 100),
                Obj.of("TargetGroupArn", idle.ref(), "Weight", 0))));
    }

    static Map<String, Object> tcp(int port, String peerKey, Object peer, String description) {
        return Obj.of("IpProtocol", "tcp", "FromPort", port, "ToPort", port, peerKey, peer, "Description", description);
    }

    private static Map<String, Object> attribute(String key, Object value) {
        return Obj.of("Key", key, "Value", value);
    }
}
