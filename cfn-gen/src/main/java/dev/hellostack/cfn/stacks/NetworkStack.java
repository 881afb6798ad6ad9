package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Resource;
import dev.hellostack.cfn.model.Template;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The VPC: public subnets for the load balancer, private subnets for the tasks with no route to the
 * internet (no NAT gateway), and VPC endpoints so tasks can still pull images and write logs.
 *
 * <p>Address plan, computed at generation time: the VPC's first /22 holds the public /24s, its second
 * /22 the private ones. So "the private subnets" is one CIDR, which the endpoint security group allows.
 */
public final class NetworkStack implements Stack {

    public static final List<String> INTERFACE_ENDPOINTS = List.of("ecr.api", "ecr.dkr", "logs", "elasticloadbalancing");

    @Override
    public String name() {
        return "network";
    }

    @Override
    public String summary() {
        return "VPC over 2 or 3 AZs: public and private subnets, internet gateway, no NAT; "
                + "ECR, Logs, Elastic Load Balancing and S3 endpoints; VPC flow logs";
    }

    @Override
    public Template template(Environment env) {
        AppEnv app = new AppEnv(env);
        Environment.Network net = env.network();
        String p = env.prefix();
        Template t = new Template(name(), "hello-stack: " + p + " VPC " + net.vpcCidr() + " with public and private subnets in "
                + net.zones() + " Availability Zones, no NAT gateway; VPC endpoints for ECR, CloudWatch Logs and S3"
                + (net.flowLogs() ? "; VPC flow logs." : "."));

        Resource vpc = t.resource("Vpc", "AWS::EC2::VPC")
                .prop("CidrBlock", net.vpcCidr())
                .prop("EnableDnsSupport", true)
                .prop("EnableDnsHostnames", true)
                .prop("Tags", app.tags("-vpc"));
        Resource igw = t.resource("InternetGateway", "AWS::EC2::InternetGateway")
                .prop("Tags", app.tags("-igw"));
        Resource attachment = t.resource("InternetGatewayAttachment", "AWS::EC2::VPCGatewayAttachment")
                .prop("VpcId", vpc.ref())
                .prop("InternetGatewayId", igw.ref());

        // The address plan: the VPC's first /22 holds the public /24s, its second /22 the private ones.
        List<String> halves = Cidrs.subnets(net.vpcCidr(), 2, 22);
        List<String> publicCidrs = Cidrs.subnets(halves.get(0), net.zones(), 24);
        List<String> privateCidrs = Cidrs.subnets(halves.get(1), net.zones(), 24);

        Resource publicRoutes = t.resource("PublicRouteTable", "AWS::EC2::RouteTable")
                .prop("VpcId", vpc.ref())
                .prop("Tags", app.tags("-public"));
        t.resource("PublicDefaultRoute", "AWS::EC2::Route")
                .dependsOn(attachment)
                .prop("RouteTableId", publicRoutes.ref())
                .prop("DestinationCidrBlock", "0.0.0.0/0")
                .prop("GatewayId", igw.ref());

        List<Object> publicSubnets = new ArrayList<>();
        List<Object> privateSubnets = new ArrayList<>();
        List<Object> privateRouteTables = new ArrayList<>();
        for (int az = 0; az < net.zones(); az++) {
            int n = az + 1;
            Resource pub = subnet(t, "PublicSubnet" + n, vpc, net, az, publicCidrs.get(az), app.tags("-public-" + n));
            t.resource("PublicSubnet" + n + "RouteTableAssociation", "AWS::EC2::SubnetRouteTableAssociation")
                    .prop("SubnetId", pub.ref())
                    .prop("RouteTableId", publicRoutes.ref());
            Resource priv = subnet(t, "PrivateSubnet" + n, vpc, net, az, privateCidrs.get(az), app.tags("-private-" + n));
            Resource privRoutes = t.resource("PrivateRouteTable" + n, "AWS::EC2::RouteTable")
                    .prop("VpcId", vpc.ref())
                    .prop("Tags", app.tags("-private-" + n));
            t.resource("PrivateSubnet" + n + "RouteTableAssociation", "AWS::EC2::SubnetRouteTableAssociation")
                    .prop("SubnetId", priv.ref())
                    .prop("RouteTableId", privRoutes.ref());
            publicSubnets.add(pub.ref());
            privateSubnets.add(priv.ref());
            privateRouteTables.add(privRoutes.ref());
        }

        Resource endpointSg = t.resource("EndpointSecurityGroup", "AWS::EC2::SecurityGroup")
                .prop("GroupDescription", "VPC interface endpoints: HTTPS from the private subnets only")
                .prop("VpcId", vpc.ref())
                .prop("SecurityGroupIngress", List.of(Obj.of(
                        "IpProtocol", "tcp",
                        "FromPort", 443,
                        "ToPort", 443,
                        "CidrIp", halves.get(1),
                        "Description", "HTTPS from the private subnets")))
                .prop("SecurityGroupEgress", List.of(Obj.of(
                        "IpProtocol", "icmp",
                        "FromPort", 252,
                        "ToPort", 86,
                        "CidrIp", "255.255.255.255/32",
                        "Description", "No outbound traffic: endpoints only answer requests")))
                .prop("Tags", app.tags("-endpoints"));

        // The interface endpoints are the private subnets' only way out, so each has a policy: principals of
        // this account only (aws:PrincipalAccount), on resources of this account only (aws:ResourceAccount),
        // and only the calls the tasks make. A task holding another account's credentials gets nowhere.
        for (String service : interfaceEndpoints(env)) {
            t.resource(endpointId(service), "AWS::EC2::VPCEndpoint")
                    .prop("VpcEndpointType", "Interface")
                    .prop("ServiceName", Fn.sub("com.amazonaws.${AWS::Region}." + service))
                    .prop("VpcId", vpc.ref())
                    .prop("SubnetIds", privateSubnets)
                    .prop("SecurityGroupIds", List.of(endpointSg.ref()))
                    .prop("PrivateDnsEnabled", true)
                    .prop("PolicyDocument", endpointPolicy(service))
                    .prop("Tags", app.tags("-" + service.replace('.', '-')));
        }
        t.resource("S3GatewayEndpoint", "AWS::EC2::VPCEndpoint")
                .prop("VpcEndpointType", "Gateway")
                .prop("ServiceName", Fn.sub("com.amazonaws.${AWS::Region}.s3"))
                .prop("VpcId", vpc.ref())
                .prop("RouteTableIds", privateRouteTables)
                .prop("PolicyDocument", Iam.document(Obj.of(
                        "Sid", "EcrImageLayersOnly",
                        "Effect", "Allow",
                        "Principal", "*",
                        "Action", List.of("s3:GetObject"),
                        "Resource", List.of(Iam.arn("s3:::prod-${AWS::Region}-starport-layer-bucket/*")))))
                .prop("Tags", app.tags("-s3"));

        if (net.flowLogs()) {
            String groupName = "/vpc/" + p + "/flow-logs";
            Resource logsKey = LogsKey.declare(t, app, groupName);
            Resource flowLogGroup = LogGroups.keep(t.resource("FlowLogGroup", "AWS::Logs::LogGroup"))
                    .prop("LogGroupName", groupName)
                    .prop("RetentionInDays", net.logRetentionDays());
            if (logsKey != null) {
                flowLogGroup.prop("KmsKeyId", logsKey.getAtt("Arn"));
            }
            flowLogGroup.prop("Tags", app.tags());
            // The actions of the VPC user guide's flow-log role, except logs:CreateLogGroup (the group exists,
            // made above); logs:DescribeLogGroups is authorised only on all log groups ("*").
            Resource flowLogRole = app.workloadRole(t, "FlowLogRole", "-flow-logs",
                    "Lets VPC flow logs write to the flow log group",
                    Iam.serviceTrust("vpc-flow-logs.amazonaws.com", AppEnv.regional("ec2", "vpc-flow-log/*")))
                    .prop("Policies", List.of(Iam.inline("WriteFlowLogs", Iam.document(
                            Iam.allow("FindLogGroups", List.of("logs:DescribeLogGroups"), "*"),
                            Iam.allow("WriteToFlowLogGroup",
                                    List.of("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
                                    flowLogGroup.getAtt("Arn"))))));
            t.resource("FlowLog", "AWS::EC2::FlowLog")
                    .prop("ResourceType", "VPC")
                    .prop("ResourceId", vpc.ref())
                    .prop("TrafficType", "ALL")
                    .prop("LogDestinationType", "cloud-watch-logs")
                    .prop("LogGroupName", flowLogGroup.ref())
                    .prop("DeliverLogsPermissionArn", flowLogRole.getAtt("Arn"))
                    .prop("MaxAggregationInterval", 60)
                    .prop("Tags", app.tags("-flow-log"));
        }

        t.output("VpcId", vpc.ref())
                .description("The VPC.")
                .export(app.exportName(VPC_ID));
        t.output("VpcCidr", vpc.getAtt("CidrBlock"))
                .description("The VPC's IPv4 CIDR block.")
                .export(app.exportName(VPC_CIDR));
        t.output("PublicSubnetIds", Fn.join(",", publicSubnets.toArray()))
                .description("Public subnets (load balancer), comma-separated.")
                .export(app.exportName(PUBLIC_SUBNETS));
        t.output("PrivateSubnetIds", Fn.join(",", privateSubnets.toArray()))
                .description("Private subnets (tasks; no route to the internet), comma-separated.")
                .export(app.exportName(PRIVATE_SUBNETS));
        t.output("EndpointSecurityGroupId", endpointSg.ref())
                .description("Security group of the VPC interface endpoints.")
                .export(app.exportName(ENDPOINT_SG));
        return t;
    }

    private static Resource subnet(Template t, String id, Resource vpc, Environment.Network net, int az, String cidr,
                                   List<Object> tags) {
        Resource r = t.resource(id, "AWS::EC2::Subnet").prop("VpcId", vpc.ref());
        if (net.zoneIds().isEmpty()) {
            r.prop("AvailabilityZone", Fn.select(az, Fn.getAZs()));
        } else {
            r.prop("AvailabilityZoneId", net.zoneIds().get(az));
        }
        return r.prop("CidrBlock", cidr)
                .prop("MapPublicIpOnLaunch", false)
                .prop("Tags", tags);
    }

    /** ECR and Logs for the tasks; Elastic Load Balancing for the release check of blue/green releases. */
    static List<String> interfaceEndpoints(Environment env) {
        return env.service().blueGreen() ? INTERFACE_ENDPOINTS : INTERFACE_ENDPOINTS.subList(0, 3);
    }

    static final String VPC_ID = "VpcId";
    static final String VPC_CIDR = "VpcCidr";
    static final String PUBLIC_SUBNETS = "PublicSubnetIds";
    static final String PRIVATE_SUBNETS = "PrivateSubnetIds";
    static final String ENDPOINT_SG = "EndpointSecurityGroupId";

    /**
     * The endpoint policy of one interface endpoint. ecr.api: the image pulls ECS makes with the task
     * execution role (ECR user guide, "Amazon ECR interface VPC endpoints", endpoint policy example);
     * ecr.dkr: the same calls, which the Docker registry API maps to; logs: the awslogs driver's calls.
     * ecr:GetAuthorizationToken acts on no resource, so it is only limited to this account's principals.
     */
    static Map<String, Object> endpointPolicy(String service) {
        List<String> pull = List.of("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer");
        return switch (service) {
            case "ecr.api", "ecr.dkr" -> Iam.document(
                    Iam.endpointStatement("OurPrincipalsLogIn", List.of("ecr:GetAuthorizationToken"), false),
                    Iam.endpointStatement("OurPrincipalsPullOurImages", pull, true));
            case "logs" -> Iam.document(Iam.endpointStatement("OurPrincipalsWriteOurLogs",
                    List.of("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"), true));
            // The release check (a Lambda function in the private subnets) asks which target group the test
            // listener rule forwards to, and that group's healthy targets. Both calls act on no resource type.
            case "elasticloadbalancing" -> Iam.document(Iam.endpointStatement("OurPrincipalsFindTheNewRevision",
                    List.of("elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetHealth"), false));
            default -> throw new IllegalArgumentException("no endpoint policy for " + service);
        };
    }

    /** "ecr.api" -> "EcrApiEndpoint". */
    static String endpointId(String service) {
        StringBuilder id = new StringBuilder();
        for (String part : service.split("\\.")) {
            id.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return id + "Endpoint";
    }
}
