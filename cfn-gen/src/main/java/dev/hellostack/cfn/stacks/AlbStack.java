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

    @Override
    public String name() {
        return "alb";
    }

    @Override
    public String summary() {
        return "Internet-facing ALB in the public subnets, its security group, the target group (port "
                + APP_PORT + ", GET /health), HTTP or HTTP->HTTPS listeners";
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
        // Off by default: a failed first create must be able to delete the load balancer again, or the
        // stack ends in ROLLBACK_FAILED. Turn it on once the first deploy has succeeded.
        Parameter deletionProtection = t.parameter("DeletionProtection", "String")
                .defaultValue("false")
                .allowedValues("true", "false")
                .description("Protect the load balancer from deletion. Turn on (CFN_PARAM_DeletionProtection=true) after "
                        + "the first successful deploy; set to false again before deleting the stack.")
                .constraintDescription("DeletionProtection: true or false.");
        Parameter logsBucket = t.parameter("AccessLogsBucket", "String")
                .defaultValue("")
                .allowedPattern("^$|^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
                .description("Existing S3 bucket for access logs (its policy must let Elastic Load Balancing write). Empty: no access logs.")
                .constraintDescription("AccessLogsBucket: empty, or an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens).");
        t.parameterGroup("Application", app.appName, app.envName);
        t.parameterGroup("Load balancer", ingressCidr, certificate, deletionProtection, logsBucket);

        Fn.Condition hasCert = t.condition("HasCertificate", Fn.not(Fn.equalsFn(certificate.ref(), "")));
        Fn.Condition noCert = t.condition("NoCertificate", Fn.equalsFn(certificate.ref(), ""));
        Fn.Condition hasLogs = t.condition("HasAccessLogs", Fn.not(Fn.equalsFn(logsBucket.ref(), "")));

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

        Resource lb = t.resource("LoadBalancer", "AWS::ElasticLoadBalancingV2::LoadBalancer")
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
                        attribute("access_logs.s3.enabled", Fn.ifThen(hasLogs, "true", "false")),
                        Fn.ifThen(hasLogs, attribute("access_logs.s3.bucket", logsBucket.ref()), Fn.Pseudo.NO_VALUE),
                        Fn.ifThen(hasLogs, attribute("access_logs.s3.prefix", AppEnv.name("")), Fn.Pseudo.NO_VALUE)))
                .prop("Tags", app.tags("-alb"));

        Resource tg = t.resource("TargetGroup", "AWS::ElasticLoadBalancingV2::TargetGroup")
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
        return t;
    }

    static Map<String, Object> tcp(int port, String peerKey, Object peer, String description) {
        return Obj.of("IpProtocol", "tcp", "FromPort", port, "ToPort", port, peerKey, peer, "Description", description);
    }

    private static Map<String, Object> attribute(String key, Object value) {
        return Obj.of("Key", key, "Value", value);
    }
}
