package dev.hellostack.cfn.check;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hellostack.cfn.resolve.ResolveCommand;
import dev.hellostack.cfn.resolve.ResolveException;
import dev.hellostack.cfn.stacks.Environment;
import dev.hellostack.cfn.stacks.Environments;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Runs every check over the generated templates in {@code templates/*.yaml}: the AWS resource
 * specification ({@link SpecValidator}), cfn-guard with the AWS Control Tower rules and our own
 * rules over the templates resolved for each environment, minus that environment's exclusions
 * ({@link GuardCheck}, {@link Exclusions}; prod has none), and the cross-stack imports
 * ({@link CrossStackCheck}). The build runs it from a test; {@link #main} runs it by hand.
 */
public final class TemplateChecks {

    /** What the checks saw and found. */
    public record Report(List<Path> templates, List<Finding> findings) {

        /** A readable summary: one line per finding. */
        public String describe() {
            StringBuilder b = new StringBuilder();
            b.append(findings.size()).append(" finding(s) in ").append(templates.size()).append(" template(s)");
            findings.forEach(f -> b.append("\n  [").append(f.check()).append("] ").append(f));
            return b.toString();
        }
    }

    private TemplateChecks() {
    }

    /** Runs all checks over {@code <repoRoot>/templates/*.yaml}. */
    public static Report run(Path repoRoot) {
        List<Path> templates = Templates.yamlFiles(repoRoot.resolve("templates"));
        List<Finding> findings = new ArrayList<>();

        ResourceSpec spec = ResourceSpec.load(repoRoot);
        SpecValidator validator = new SpecValidator(spec);
        for (Path template : templates) {
            findings.addAll(validator.validate(template.getFileName().toString(), Templates.readYaml(template)));
        }

        if (!templates.isEmpty()) {
            findings.addAll(guardPerEnvironment(repoRoot, templates, spec));
        } else {
            Exclusions.load(repoRoot);
        }

        findings.addAll(new CrossStackCheck().check(repoRoot));
        findings.sort(Finding.ORDER);
        return new Report(templates, List.copyOf(findings));
    }

    /**
     * Sample values of the exports a Control Tower control reads the shape of. CloudFormation resolves
     * Fn::ImportValue before a hook sees a resource, so a hook sees the release check's VpcConfig.SubnetIds
     * as a list of subnet ids (CT.LAMBDA.PR.3 wants a list of non-empty strings), not as Fn::Split of an import.
     */
    public static final Map<String, String> CHECK_IMPORTS = Map.of(
            "PrivateSubnetIds", "subnet-00000000000000001,subnet-00000000000000002");

    /**
     * Values the checks give the parameters an environment leaves to deploy time. Only the checks use
     * them: a certificate ARN of the documented shape (account and id all zeros, no real certificate), a
     * project path and an image tag (parameters without a default, which the pipeline always passes).
     */
    public static final Map<String, String> CHECK_VALUES = Map.of(
            "alb.CertificateArn", "arn:aws:acm:us-east-1:000000000000:certificate/00000000-0000-0000-0000-000000000000",
            "gitlab-oidc.ProjectPath", "group/project",
            "service.ImageTag", "0123456789abcdef0123456789abcdef01234567",
            "service.AlarmTopicArn", "arn:aws:sns:us-east-1:000000000000:alarms");

    /**
     * Resolves the templates for every environment ({@code cfn-gen resolve}) and runs cfn-guard with the
     * AWS Control Tower rules and ours over each set, as a Control Tower hook would see them when the
     * stacks are deployed there; each environment's exclusions apply to its own failures only.
     */
    static List<Finding> guardPerEnvironment(Path repoRoot, List<Path> templates, ResourceSpec spec) {
        GuardCheck guard = new GuardCheck(GuardTool.ensureInstalled(repoRoot));
        Exclusions exclusions = Exclusions.load(repoRoot);
        Map<String, Map<String, Object>> plain = new LinkedHashMap<>();
        for (Path template : templates) {
            String file = template.getFileName().toString();
            plain.put(file.substring(0, file.length() - ".yaml".length()),
                    PLAIN.convertValue(Templates.readYaml(template), new TypeReference<Map<String, Object>>() { }));
        }
        List<Finding> findings = new ArrayList<>();
        Path work;
        try {
            work = Files.createTempDirectory("cfn-gen-resolved-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            for (Environment env : Environments.all()) {
                Map<String, String> values = new LinkedHashMap<>();
                CHECK_VALUES.forEach((key, value) -> {
                    String stack = key.substring(0, key.indexOf('.'));
                    String param = key.substring(key.indexOf('.') + 1);
                    // A parameter with a Default gets a sample value only where the environment requires one.
                    if (plain.containsKey(stack)
                            && (!hasDefault(plain.get(stack), param) || env.requiredParameters(stack).contains(param))) {
                        values.put(key, value);
                    }
                });
                Map<String, String> files;
                try {
                    files = ResolveCommand.resolve(env, plain, values, spec, CHECK_IMPORTS);
                } catch (ResolveException e) {
                    findings.add(new Finding("resolve", env.name(), "(templates)", e.getMessage()));
                    continue;
                }
                Path dir = Files.createDirectories(work.resolve(env.name()));
                List<Path> resolved = new ArrayList<>();
                for (Map.Entry<String, String> f : files.entrySet()) {
                    resolved.add(Files.writeString(dir.resolve(f.getKey()), f.getValue(), StandardCharsets.UTF_8));
                }
                findings.addAll(exclusions.apply(env.name(), guard.evaluate(resolved)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteTree(work);
        }
        return findings;
    }

    private static final ObjectMapper PLAIN = new ObjectMapper();

    private static boolean hasDefault(Map<String, Object> template, String param) {
        return template.get("Parameters") instanceof Map<?, ?> parameters
                && parameters.get(param) instanceof Map<?, ?> declaration
                && declaration.containsKey("Default");
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    /**
     * The repository root: the nearest folder, from the working directory up, that holds
     * {@value ResourceSpec#SUBSET_PATH}. Maven runs tests in {@code cfn-gen/}, so this finds its parent.
     */
    public static Path findRepoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(ResourceSpec.SUBSET_PATH))) {
                return d;
            }
        }
        throw new CheckException("cannot find the repository root (a folder with " + ResourceSpec.SUBSET_PATH
                + ") from " + dir);
    }

    /** Runs the checks from the command line: exit 0 when clean, 1 with the findings otherwise. */
    public static void main(String[] args) {
        Path root = args.length > 0 ? Path.of(args[0]) : findRepoRoot();
        try {
            Report report = run(root);
            System.out.println(report.describe());
            System.exit(report.findings().isEmpty() ? 0 : 1);
        } catch (CheckException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}
