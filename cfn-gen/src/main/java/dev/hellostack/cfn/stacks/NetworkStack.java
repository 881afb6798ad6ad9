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
 * The VPC: public subnets for the load balancer, private subnets for the tasks with no route to the
 * internet (no NAT gateway), and VPC endpoints so tasks can still pull images and write logs.
 *
 * <p>Address plan (for a /16): the VPC is cut into two halves of /22 by {@code Fn::Cidr [VPC, 2, 10]};
 * public subnets are /24s of the first /22, private subnets /24s of the second. So "the private
 * subnets" is one CIDR, which the endpoint security group allows.
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
                + "ECR, Logs and S3 endpoints; VPC flow logs";
    }

    @Override
    public Template template() {
        Template t = new Template(name(), "hello-stack: VPC with public and private subnets in 2 or 3 Availability "
                + "Zones, no NAT gateway; VPC endpoints for ECR, CloudWatch Logs and S3; VPC flow logs.");
        AppEnv app = AppEnv.declare(t);
        Parameter vpcCidr = t.parameter("VpcCidr", "String")
                .defaultValue("10.0.0.0/16")
                .allowedPattern("^((25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])/(1[6-9]|2[01])$")
                .description("IPv4 CIDR of the VPC, /16 to /21. Subnets are /24s carved from it.")
                .constraintDescription("VpcCidr: an IPv4 CIDR block with a prefix length from /16 to /21, such as 10.0.0.0/16.");
        Parameter azCount = t.parameter("AvailabilityZones", "String")
                .defaultValue("2")
                .allowedValues("2", "3")
                .description("How many Availability Zones to spread the subnets over.")
                .constraintDescription("AvailabilityZones: 2 or 3.");
        Parameter zoneIds = t.parameter("AvailabilityZoneIds", "String")
                .defaultValue("")
                .allowedPattern("^$|^[a-z0-9]+-az[0-9]+(,[a-z0-9]+-az[0-9]+){1,2}$")
                .description("Optional: the Availability Zone ids to use, comma-separated, as many as AvailabilityZones "
                        + "(such as use1-az1,use1-az2). Ids name the same zone in every account; pick zones where Fargate "
                        + "and the ECR and Logs endpoints run. Empty: the first zones Fn::GetAZs lists.")
                .constraintDescription("AvailabilityZoneIds: empty, or 2 or 3 zone ids such as use1-az1,use1-az2.");
        Parameter flowLogs = t.parameter("EnableFlowLogs", "String")
                .defaultValue("true")
                .allowedValues("true", "false")
                .description("Record VPC flow logs (all traffic) to a CloudWatch log group.")
                .constraintDescription("EnableFlowLogs: true or false.");
        Parameter flowLogRetention = t.parameter("FlowLogRetentionDays", "Number")
                .defaultValue(30)
                .allowedValues(ServiceStack.LOG_RETENTION_DAYS)
                .description("Days to keep VPC flow logs.")
                .constraintDescription("FlowLogRetentionDays: one of the retention periods CloudWatch Logs allows.");
        t.parameterGroup("Application", app.appName, app.envName);
        t.parameterGroup("Network", vpcCidr, azCount, zoneIds);
        t.parameterGroup("Flow logs", flowLogs, flowLogRetention);

        Fn.Condition threeAzs = t.condition("ThreeAvailabilityZones", Fn.equalsFn(azCount.ref(), "3"));
        Fn.Condition chosenZones = t.condition("ZonesChosenById", Fn.not(Fn.equalsFn(zoneIds.ref(), "")));
        Fn.Condition flowLogsOn = t.condition("FlowLogsEnabled", Fn.equalsFn(flowLogs.ref(), "true"));

        Resource vpc = t.resource("Vpc", "AWS::EC2::VPC")
                .prop("CidrBlock", vpcCidr.ref())
                .prop("EnableDnsSupport", true)
                .prop("EnableDnsHostnames", true)
                .prop("Tags", app.tags("-vpc"));
        Resource igw = t.resource("InternetGateway", "AWS::EC2::InternetGateway")
                .prop("Tags", app.tags("-igw"));
        Resource attachment = t.resource("InternetGatewayAttachment", "AWS::EC2::VPCGatewayAttachment")
                .prop("VpcId", vpc.ref())
                .prop("InternetGatewayId", igw.ref());

        Fn half0 = Fn.select(0, Fn.cidr(vpc.getAtt("CidrBlock"), 2, 10));
        Fn half1 = Fn.select(1, Fn.cidr(vpc.getAtt("CidrBlock"), 2, 10));

        Resource publicRoutes = t.resource("PublicRouteTable", "AWS::EC2::RouteTable")
                .prop("VpcId", vpc.ref())
                .prop("Tags", app.tags("-public"));
        t.resource("PublicDefaultRoute", "AWS::EC2::Route")
                .dependsOn(attachment)
                .prop("RouteTableId", publicRoutes.ref())
                .prop("DestinationCidrBlock", "0.0.0.0/0")
                .prop("GatewayId", igw.ref());

        List<Resource> publicSubnets = new ArrayList<>();
        List<Resource> privateSubnets = new ArrayList<>();
        List<Resource> privateRouteTables = new ArrayList<>();
        for (int az = 0; az < 3; az++) {
            int n = az + 1;
            Object zoneName = Fn.ifThen(chosenZones, Fn.Pseudo.NO_VALUE, Fn.select(az, Fn.getAZs()));
            Object zoneId = Fn.ifThen(chosenZones, Fn.select(az, Fn.split(",", zoneIds.ref())), Fn.Pseudo.NO_VALUE);
            Resource pub = t.resource("PublicSubnet" + n, "AWS::EC2::Subnet")
                    .prop("VpcId", vpc.ref())
                    .prop("AvailabilityZone", zoneName)
                    .prop("AvailabilityZoneId", zoneId)
                    .prop("CidrBlock", Fn.select(az, Fn.cidr(half0, 4, 8)))
                    .prop("MapPublicIpOnLaunch", false)
                    .prop("Tags", app.tags("-public-" + n));
            Resource pubAssoc = t.resource("PublicSubnet" + n + "RouteTableAssociation", "AWS::EC2::SubnetRouteTableAssociation")
                    .prop("SubnetId", pub.ref())
                    .prop("RouteTableId", publicRoutes.ref());
            Resource priv = t.resource("PrivateSubnet" + n, "AWS::EC2::Subnet")
                    .prop("VpcId", vpc.ref())
                    .prop("AvailabilityZone", zoneName)
                    .prop("AvailabilityZoneId", zoneId)
                    .prop("CidrBlock", Fn.select(az, Fn.cidr(half1, 4, 8)))
                    .prop("MapPublicIpOnLaunch", false)
                    .prop("Tags", app.tags("-private-" + n));
            Resource privRoutes = t.resource("PrivateRouteTable" + n, "AWS::EC2::RouteTable")
                    .prop("VpcId", vpc.ref())
                    .prop("Tags", app.tags("-private-" + n));
            Resource assoc = t.resource("PrivateSubnet" + n + "RouteTableAssociation", "AWS::EC2::SubnetRouteTableAssociation")
                    .prop("SubnetId", priv.ref())
                    .prop("RouteTableId", privRoutes.ref());
            if (az == 2) {
                for (Resource r : List.of(pub, pubAssoc, priv, privRoutes, assoc)) {
                    r.condition(threeAzs);
                }
            }
            publicSubnets.add(pub);
            privateSubnets.add(priv);
            privateRouteTables.add(privRoutes);
        }

        Resource endpointSg = t.resource("EndpointSecurityGroup", "AWS::EC2::SecurityGroup")
                .prop("GroupDescription", "VPC interface endpoints: HTTPS from the private subnets only")
                .prop("VpcId", vpc.ref())
                .prop("SecurityGroupIngress", List.of(Obj.of(
                        "IpProtocol", "tcp",
                        "FromPort", 443,
                        "ToPort", 443,
                        "CidrIp", half1,
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
        for (String service : INTERFACE_ENDPOINTS) {
            t.resource(endpointId(service), "AWS::EC2::VPCEndpoint")
                    .prop("VpcEndpointType", "Interface")
                    .prop("ServiceName", Fn.sub("com.amazonaws.${AWS::Region}." + service))
                    .prop("VpcId", vpc.ref())
                    .prop("SubnetIds", perAz(threeAzs, privateSubnets))
                    .prop("SecurityGroupIds", List.of(endpointSg.ref()))
                    .prop("PrivateDnsEnabled", true)
                    .prop("PolicyDocument", endpointPolicy(service))
                    .prop("Tags", app.tags("-" + service.replace('.', '-')));
        }
        t.resource("S3GatewayEndpoint", "AWS::EC2::VPCEndpoint")
                .prop("VpcEndpointType", "Gateway")
                .prop("ServiceName", Fn.sub("com.amazonaws.${AWS::Region}.s3"))
                .prop("VpcId", vpc.ref())
                .prop("RouteTableIds", perAz(threeAzs, privateRouteTables))
                .prop("PolicyDocument", Iam.document(Obj.of(
                        "Sid", "EcrImageLayersOnly",
                        "Effect", "Allow",
                        "Principal", "*",
                        "Action", List.of("s3:GetObject"),
                        "Resource", List.of(Iam.arn("s3:::prod-${AWS::Region}-starport-layer-bucket/*")))))
                .prop("Tags", app.tags("-s3"));

        LogsKey logsKey = LogsKey.declare(t, app, "/vpc/${AppName}-${EnvName}/flow-logs");
        Resource flowLogGroup = LogGroups.keep(t.resource("FlowLogGroup", "AWS::Logs::LogGroup"))
                .condition(flowLogsOn)
                .prop("LogGroupName", Fn.sub("/vpc/${AppName}-${EnvName}/flow-logs"))
                .prop("RetentionInDays", flowLogRetention.ref())
                .prop("KmsKeyId", logsKey.kmsKeyId())
                .prop("Tags", app.tags());
        // Under the IAM path /${AppName}/${EnvName}/ like every workload role (see ServiceStack). The actions are
        // those of the VPC user guide's flow-log role, except logs:CreateLogGroup (the group exists, made
        // above); logs:DescribeLogGroups is authorised only on all log groups ("*").
        Resource flowLogRole = AppEnv.workloadRole(t, "FlowLogRole", "-flow-logs",
                "Lets VPC flow logs write to the flow log group",
                Iam.serviceTrust("vpc-flow-logs.amazonaws.com",
                        Iam.arn("ec2:${AWS::Region}:${AWS::AccountId}:vpc-flow-log/*")))
                .condition(flowLogsOn)
                .prop("Policies", List.of(Iam.inline("WriteFlowLogs", Iam.document(
                        Iam.allow("FindLogGroups", List.of("logs:DescribeLogGroups"), "*"),
                        Iam.allow("WriteToFlowLogGroup",
                                List.of("logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"),
                                flowLogGroup.getAtt("Arn"))))))
                .prop("Tags", app.tags());
        t.resource("FlowLog", "AWS::EC2::FlowLog")
                .condition(flowLogsOn)
                .prop("ResourceType", "VPC")
                .prop("ResourceId", vpc.ref())
                .prop("TrafficType", "ALL")
                .prop("LogDestinationType", "cloud-watch-logs")
                .prop("LogGroupName", flowLogGroup.ref())
                .prop("DeliverLogsPermissionArn", flowLogRole.getAtt("Arn"))
                .prop("MaxAggregationInterval", 60)
                .prop("Tags", app.tags("-flow-log"));

        t.output("VpcId", vpc.ref())
                .description("The VPC.")
                .export(AppEnv.exportName(VPC_ID));
        t.output("VpcCidr", vpc.getAtt("CidrBlock"))
                .description("The VPC's IPv4 CIDR block.")
                .export(AppEnv.exportName(VPC_CIDR));
        t.output("PublicSubnetIds", joinPerAz(threeAzs, publicSubnets))
                .description("Public subnets (load balancer), comma-separated.")
                .export(AppEnv.exportName(PUBLIC_SUBNETS));
        t.output("PrivateSubnetIds", joinPerAz(threeAzs, privateSubnets))
                .description("Private subnets (tasks; no route to the internet), comma-separated.")
                .export(AppEnv.exportName(PRIVATE_SUBNETS));
        t.output("EndpointSecurityGroupId", endpointSg.ref())
                .description("Security group of the VPC interface endpoints.")
                .export(AppEnv.exportName(ENDPOINT_SG));
        return t;
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

    /** The refs of the first two resources, or all three when the third AZ is on. */
    private static Fn perAz(Fn.Condition threeAzs, List<Resource> resources) {
        return Fn.ifThen(threeAzs,
                List.of(resources.get(0).ref(), resources.get(1).ref(), resources.get(2).ref()),
                List.of(resources.get(0).ref(), resources.get(1).ref()));
    }

    private static Fn joinPerAz(Fn.Condition threeAzs, List<Resource> resources) {
        return Fn.ifThen(threeAzs,
                Fn.join(",", resources.get(0).ref(), resources.get(1).ref(), resources.get(2).ref()),
                Fn.join(",", resources.get(0).ref(), resources.get(1).ref()));
    }
}
