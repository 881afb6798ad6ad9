package dev.hellostack.cfn.stacks;

import dev.hellostack.cfn.model.Obj;
import dev.hellostack.cfn.model.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The alarms a service is watched with. The load-balancer alarms are the service's deployment alarms
 * (DeploymentConfiguration.Alarms with Rollback): one that fires during a release or its bake time rolls the
 * release back. They only see traffic the tasks answer, and report nothing while none flows (missing data is
 * not breaching), so a new service with no earlier revision cannot trip them by starting. The task-count
 * alarm only notifies: a task count below the desired one is what every first deployment and every scale-out
 * goes through for a minute, and rolling a release back for it would fail the service's first create.
 *
 * <p>Blue and green swap target groups on every release, so each load-balancer alarm reads both target groups
 * (metric math over one metric per group): an alarm on one group would watch the idle one every other release.
 *
 * @param id          logical id and name suffix
 * @param summary     what it means, for the alarm description and the docs
 * @param namespace   CloudWatch namespace
 * @param metric      metric name (for the task-count alarm: the running count, compared with DesiredTaskCount)
 * @param stat        statistic per metric
 * @param combine     metric math over both target groups (SUM or MAX), or null for the task-count alarm
 * @param comparison  comparison operator
 * @param threshold   threshold
 * @param periods     evaluation periods of 60 seconds (all must breach)
 * @param rollback    a deployment alarm: it rolls a release back
 */
public record ReleaseAlarm(String id, String summary, String namespace, String metric, String stat, String combine,
        String comparison, int threshold, int periods, boolean rollback) {

    static final int PERIOD_SECONDS = 60;
    static final String ELB = "AWS/ApplicationELB";
    /** Container Insights (on for the cluster): RunningTaskCount and DesiredTaskCount by ClusterName and ServiceName. */
    static final String CONTAINER_INSIGHTS = "ECS/ContainerInsights";

    public static List<ReleaseAlarm> all() {
        return List.of(
                new ReleaseAlarm("Target5xxAlarm", "the tasks answered 5 or more 5xx responses in a minute", ELB,
                        "HTTPCode_Target_5XX_Count", "Sum", "SUM", "GreaterThanOrEqualToThreshold", 5, 1, true),
                new ReleaseAlarm("UnhealthyHostsAlarm", "a task failed the load balancer's health checks for two minutes",
                        ELB, "UnHealthyHostCount", "Maximum", "MAX", "GreaterThanOrEqualToThreshold", 1, 2, true),
                new ReleaseAlarm("ResponseTimeP99Alarm", "p99 target response time above 1 second for three minutes",
                        ELB, "TargetResponseTime", "p99", "MAX", "GreaterThanThreshold", 1, 3, true),
                new ReleaseAlarm("TasksBelowDesiredAlarm", "fewer tasks running than the service wants for five minutes",
                        CONTAINER_INSIGHTS, "RunningTaskCount", "Minimum", null, "GreaterThanThreshold", 0, 5, false));
    }

    /** The deployment alarms: those that roll a release back. */
    public static List<ReleaseAlarm> deploymentAlarms() {
        return all().stream().filter(ReleaseAlarm::rollback).toList();
    }

    /** The alarm's name: {@code <app>-<env>-<id without "Alarm">}. */
    String alarmName(AppEnv app) {
        return app.name("-" + id.substring(0, id.length() - "Alarm".length()));
    }

    /** Sets the alarm's properties on r. */
    void define(Resource r, AppEnv app, Object serviceName) {
        r.prop("AlarmName", alarmName(app))
                .prop("AlarmDescription", app.prefix() + " alarm: " + summary + "."
                        + (rollback ? " Rolls back a running ECS deployment." : " Notifies only."))
                .prop("ComparisonOperator", comparison)
                .prop("Threshold", threshold)
                .prop("EvaluationPeriods", periods)
                .prop("DatapointsToAlarm", periods)
                .prop("TreatMissingData", "notBreaching");
        List<Object> metrics = new ArrayList<>();
        if (combine == null) {
            metrics.add(Obj.of("Id", "missing", "Expression", "FILL(desired, 0) - FILL(running, 0)",
                    "Label", "DesiredTaskCount - RunningTaskCount", "ReturnData", true));
            metrics.add(taskCount("desired", "DesiredTaskCount", app, serviceName));
            metrics.add(taskCount("running", metric, app, serviceName));
        } else {
            String fill = combine.equals("SUM") ? "FILL(tg, 0), FILL(alt, 0)" : "tg, alt";
            metrics.add(Obj.of("Id", "both", "Expression", combine + "([" + fill + "])",
                    "Label", metric + " (" + combine.toLowerCase() + " of both target groups)", "ReturnData", true));
            metrics.add(perGroup("tg", AlbStack.TG_FULL_NAME, app));
            metrics.add(perGroup("alt", AlbStack.ALT_TG_FULL_NAME, app));
        }
        r.prop("Metrics", metrics);
    }

    private Map<String, Object> taskCount(String metricId, String name, AppEnv app, Object serviceName) {
        return Obj.of("Id", metricId,
                "MetricStat", Obj.of(
                        "Metric", Obj.of("Namespace", namespace, "MetricName", name, "Dimensions", List.of(
                                Obj.of("Name", "ClusterName", "Value", app.prefix()),
                                Obj.of("Name", "ServiceName", "Value", serviceName))),
                        "Period", PERIOD_SECONDS,
                        "Stat", name.equals(metric) ? stat : "Maximum"),
                "ReturnData", false);
    }

    private Map<String, Object> perGroup(String metricId, String targetGroupExport, AppEnv app) {
        return Obj.of("Id", metricId,
                "MetricStat", Obj.of(
                        "Metric", Obj.of("Namespace", namespace, "MetricName", metric, "Dimensions", List.of(
                                Obj.of("Name", "LoadBalancer", "Value", app.importValue(AlbStack.LB_FULL_NAME)),
                                Obj.of("Name", "TargetGroup", "Value", app.importValue(targetGroupExport)))),
                        "Period", PERIOD_SECONDS,
                        "Stat", stat),
                "ReturnData", false);
    }
}
