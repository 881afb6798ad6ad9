package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The alarms a release is watched with: the service's deployment alarms (DeploymentConfiguration.Alarms
 * with Rollback), so an alarm during a rolling update or during a blue/green release and its bake time rolls
 * the release back. ECS watches them only while a deployment runs; afterwards they notify AlarmTopicArn.
 *
 * <p>Blue and green swap target groups on every release, so each load-balancer alarm reads both target groups
 * (metric math over one metric per group): an alarm on one group would watch the idle one every other release.
 * The load balancer reports these metrics only while requests flow, so missing data is not breaching.
 *
 * @param id           logical id and name suffix
 * @param summary      what it means, for the alarm description and the docs
 * @param namespace    CloudWatch namespace
 * @param metric       metric name
 * @param stat         statistic per target group (or of the single metric)
 * @param combine      metric-math function over both target groups, or null for the ECS metric
 * @param comparison   comparison operator
 * @param threshold    threshold; null means "the service's MinCapacity"
 * @param periods      evaluation periods of 60 seconds (all must breach)
 */
public record ReleaseAlarm(String id, String summary, String namespace, String metric, String stat, String combine,
        String comparison, Integer threshold, int periods) {

    static final int PERIOD_SECONDS = 60;
    static final String ELB = "AWS/ApplicationELB";
    /** Container Insights (on for the cluster): RunningTaskCount by ClusterName and ServiceName. */
    static final String CONTAINER_INSIGHTS = "ECS/ContainerInsights";

    public static List<ReleaseAlarm> all() {
        return List.of(
                new ReleaseAlarm("Target5xxAlarm", "the tasks answered 5 or more 5xx responses in a minute", ELB,
                        "HTTPCode_Target_5XX_Count", "Sum", "SUM", "GreaterThanOrEqualToThreshold", 5, 1),
                new ReleaseAlarm("UnhealthyHostsAlarm", "a task failed the load balancer's health checks for two minutes",
                        ELB, "UnHealthyHostCount", "Maximum", "MAX", "GreaterThanOrEqualToThreshold", 1, 2),
                new ReleaseAlarm("ResponseTimeP99Alarm", "p99 target response time above 1 second for three minutes",
                        ELB, "TargetResponseTime", "p99", "MAX", "GreaterThanThreshold", 1, 3),
                new ReleaseAlarm("RunningTasksAlarm", "fewer tasks running than MinCapacity for two minutes",
                        CONTAINER_INSIGHTS, "RunningTaskCount", "Minimum", null, "LessThanThreshold", null, 2));
    }

    /** The alarm's name: {@code ${AppName}-${EnvName}-<id without "Alarm">}. */
    Fn.Sub alarmName() {
        return AppEnv.name("-" + id.substring(0, id.length() - "Alarm".length()));
    }

    /** Sets the alarm's properties on r; minCapacity is the service's MinCapacity. */
    void define(Resource r, Object minCapacity) {
        r.prop("AlarmName", alarmName())
                .prop("AlarmDescription", Fn.sub("${AppName}-${EnvName} release alarm: " + summary
                        + ". Rolls back a running ECS deployment."))
                .prop("ComparisonOperator", comparison)
                .prop("Threshold", threshold == null ? minCapacity : threshold)
                .prop("EvaluationPeriods", periods)
                .prop("DatapointsToAlarm", periods)
                .prop("TreatMissingData", "notBreaching");
        if (combine == null) {
            r.prop("Namespace", namespace)
                    .prop("MetricName", metric)
                    .prop("Dimensions", List.of(
                            Obj.of("Name", "ClusterName", "Value", AppEnv.name("")),
                            Obj.of("Name", "ServiceName", "Value", Fn.getAtt("Service", "Name"))))
                    .prop("Statistic", stat)
                    .prop("Period", PERIOD_SECONDS);
            return;
        }
        List<Object> metrics = new ArrayList<>();
        String fill = combine.equals("SUM") ? "FILL(tg, 0), FILL(alt, 0)" : "tg, alt";
        metrics.add(Obj.of("Id", "both", "Expression", combine + "([" + fill + "])",
                "Label", metric + " (" + combine.toLowerCase() + " of both target groups)", "ReturnData", true));
        metrics.add(perGroup("tg", AlbStack.TG_FULL_NAME));
        metrics.add(perGroup("alt", AlbStack.ALT_TG_FULL_NAME));
        r.prop("Metrics", metrics);
    }

    private Map<String, Object> perGroup(String metricId, String targetGroupExport) {
        return Obj.of("Id", metricId,
                "MetricStat", Obj.of(
                        "Metric", Obj.of("Namespace", namespace, "MetricName", metric, "Dimensions", List.of(
                                Obj.of("Name", "LoadBalancer", "Value", AppEnv.importValue(AlbStack.LB_FULL_NAME)),
                                Obj.of("Name", "TargetGroup", "Value", AppEnv.importValue(targetGroupExport)))),
                        "Period", PERIOD_SECONDS,
                        "Stat", stat),
                "ReturnData", false);
    }
}
