package dev.hellostack.cfn.stacks;

import java.util.List;

/**
 * The service-linked roles the stacks need. ECS, Elastic Load Balancing and Application Auto Scaling create
 * theirs on first use when the caller may call iam:CreateServiceLinkedRole; a fresh account has none of them,
 * so the bootstrap creates them up front (scripts/ci/service-linked-roles.sh reads this list from
 * templates/stacks.json) and the CloudFormation execution role may create exactly these.
 *
 * <ul>
 *   <li>{@code ecs.amazonaws.com}: AWSServiceRoleForECS ("Using service-linked roles for Amazon ECS")</li>
 *   <li>{@code elasticloadbalancing.amazonaws.com}: AWSServiceRoleForElasticLoadBalancing ("Elastic Load
 *       Balancing service-linked role")</li>
 *   <li>{@code ecs.application-autoscaling.amazonaws.com}: AWSServiceRoleForApplicationAutoScaling_ECSService
 *       ("Amazon ECS and Application Auto Scaling")</li>
 * </ul>
 */
public final class ServiceLinkedRoles {

    public static final List<String> SERVICES = List.of("ecs.amazonaws.com", "elasticloadbalancing.amazonaws.com",
            "ecs.application-autoscaling.amazonaws.com");

    private ServiceLinkedRoles() {
    }
}
