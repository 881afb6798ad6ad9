package dev.hellostack.cfn.resolve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hellostack.cfn.check.Exclusions;
import dev.hellostack.cfn.check.GuardCheck;
import dev.hellostack.cfn.check.GuardTool;
import dev.hellostack.cfn.check.ResourceSpec;
import dev.hellostack.cfn.check.TemplateChecks;
import dev.hellostack.cfn.stacks.Environments;
import dev.hellostack.cfn.stacks.Stack;
import dev.hellostack.cfn.stacks.Stacks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The prod environment, resolved as a Control Tower hook sees it, against every Control Tower rule. */
class ProdEnvironmentTest {

    private static final Path ROOT = TemplateChecks.findRepoRoot();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String CERT = TemplateChecks.CHECK_VALUES.get("alb.CertificateArn");

    /** The two controls AWS makes impossible for an ALB access-log bucket; nothing else may fail in prod. */
    private static final List<String> AWS_IMPOSSIBLE = List.of(
            "CT.S3.PR.10 alb.yaml AccessLogsBucket", "CT.S3.PR.2 alb.yaml AccessLogsBucket");

    private static Map<String, Map<String, Object>> model() {
        Map<String, Map<String, Object>> templates = new LinkedHashMap<>();
        for (Stack s : Stacks.all()) {
            templates.put(s.name(), s.template().toCfn());
        }
        return templates;
    }

    private static Map<String, String> checkValues(Map<String, String> extra) {
        Map<String, String> values = new LinkedHashMap<>(TemplateChecks.CHECK_VALUES);
        values.putAll(extra);
        return values;
    }

    /** Control Tower rules only, over prod resolved with the given extra values: "control template resource". */
    private static List<String> controlTowerFailures(Map<String, String> extra, Path dir) throws Exception {
        Map<String, String> files = ResolveCommand.resolve(Environments.named("prod"), model(), checkValues(extra),
                ResourceSpec.load(ROOT), TemplateChecks.CHECK_IMPORTS);
        List<Path> paths = new ArrayList<>();
        for (Map.Entry<String, String> f : files.entrySet()) {
            paths.add(Files.writeString(dir.resolve(f.getKey()), f.getValue()));
        }
        GuardTool tool = GuardTool.ensureInstalled(ROOT);
        return new GuardCheck(tool).evaluate(List.of(tool.controlTowerRules()), paths).stream()
                .map(f -> f.control() + " " + f.template() + " " + f.resource()).sorted().toList();
    }

    @Test
    void prodPassesEveryControlTowerRuleButTheTwoAwsMakesImpossible(@TempDir Path dir) throws Exception {
        assertEquals(AWS_IMPOSSIBLE, controlTowerFailures(Map.of(), dir));
    }

    @Test
    void prodExclusionsAreOnlyTheAwsImpossibleOnes() {
        assertEquals(AWS_IMPOSSIBLE, Exclusions.load(ROOT).entries("prod").stream()
                .map(e -> e.control() + " " + e.template() + " " + e.resource()).sorted().toList());
    }

    @Test
    void theProdCheckFiresWhenAProdSettingIsTurnedOff(@TempDir Path dir) throws Exception {
        List<String> failures = controlTowerFailures(Map.of("alb.DeletionProtection", "false",
                "service.LogRetentionDays", "30", "network.EncryptLogs", "false"), dir);
        assertTrue(failures.contains("CT.ELASTICLOADBALANCING.PR.5 alb.yaml LoadBalancer"), failures.toString());
        assertTrue(failures.contains("CT.CLOUDWATCH.PR.2 service.yaml LogGroup"), failures.toString());
        assertTrue(failures.contains("CT.CLOUDWATCH.PR.3 network.yaml FlowLogGroup"), failures.toString());
    }

    private static int main(List<String> args, ByteArrayOutputStream out, ByteArrayOutputStream err) {
        return dev.hellostack.cfn.Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void resolveCommandNeedsTheCertificateForProd(@TempDir Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = main(List.of("resolve", "--env", "prod", "--out", dir.toString(),
                "--param", "gitlab-oidc.ProjectPath=group/project", "--param", "service.ImageTag=abc"), out, err);
        assertEquals(1, code);
        assertEquals("error: environment prod needs a value for alb.CertificateArn (--param alb.CertificateArn=...)\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void resolveCommandWritesProdAsTheHookSeesIt(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = main(List.of("resolve", "--env", "prod", "--out", dir.toString(), "--param", "alb.CertificateArn=" + CERT,
                "--param", "gitlab-oidc.ProjectPath=group/project", "--param", "service.ImageTag=abc", "--param",
                "service.AlarmTopicArn=" + TemplateChecks.CHECK_VALUES.get("service.AlarmTopicArn")), out, err);
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        for (Stack s : Stacks.all()) {
            assertTrue(Files.isRegularFile(dir.resolve(s.name() + ".yaml")), s.name());
        }
        JsonNode alb = YAML.readTree(dir.resolve("alb.yaml").toFile());
        JsonNode resources = alb.path("Resources");
        assertTrue(resources.path("HttpListener").isMissingNode(), "no plain-HTTP listener in prod");
        assertEquals("redirect", resources.path("HttpRedirectListener").path("Properties").path("DefaultActions").get(0)
                .path("Type").asText());
        assertEquals(CERT, resources.path("HttpsListener").path("Properties").path("Certificates").get(0)
                .path("CertificateArn").asText());
        Map<String, String> attributes = new LinkedHashMap<>();
        resources.path("LoadBalancer").path("Properties").path("LoadBalancerAttributes")
                .forEach(a -> attributes.put(a.path("Key").asText(), a.path("Value").asText()));
        assertEquals("true", attributes.get("deletion_protection.enabled"));
        assertEquals("true", attributes.get("access_logs.s3.enabled"));
        assertEquals("AccessLogsBucket", resources.path("LoadBalancer").path("Properties").path("LoadBalancerAttributes")
                .findValue("Ref").asText());
        for (String[] group : new String[][] {{"service.yaml", "LogGroup"}, {"network.yaml", "FlowLogGroup"}}) {
            JsonNode logGroup = YAML.readTree(dir.resolve(group[0]).toFile()).path("Resources").path(group[1]).path("Properties");
            assertEquals(365, logGroup.path("RetentionInDays").asInt(), group[0]);
            assertTrue(logGroup.path("RetentionInDays").isInt(), group[0]);
            assertEquals("[\"LogsKey\",\"Arn\"]", logGroup.path("KmsKeyId").path("Fn::GetAtt").toString(), group[0]);
        }
        assertEquals("prod", YAML.readTree(dir.resolve("service.yaml").toFile()).path("Resources").path("Cluster")
                .path("Properties").path("ClusterName").asText().replace("hello-", ""));
    }
}
