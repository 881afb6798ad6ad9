package dev.hellostack.cfn.check;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs every check over the generated templates in {@code templates/*.yaml}: the AWS resource
 * specification ({@link SpecValidator}), cfn-guard with the AWS Control Tower rules and our own
 * rules minus the exclusions ({@link GuardCheck}, {@link Exclusions}), and the cross-stack
 * imports ({@link CrossStackCheck}). The build runs it from a test; {@link #main} runs it by hand.
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

        SpecValidator spec = new SpecValidator(ResourceSpec.load(repoRoot));
        for (Path template : templates) {
            findings.addAll(spec.validate(template.getFileName().toString(), Templates.readYaml(template)));
        }

        GuardTool tool = GuardTool.ensureInstalled(repoRoot);
        List<GuardCheck.Failure> failures = templates.isEmpty() ? List.of() : new GuardCheck(tool).evaluate(templates);
        findings.addAll(Exclusions.load(repoRoot).apply(failures));

        findings.addAll(new CrossStackCheck().check(repoRoot));
        findings.sort(Finding.ORDER);
        return new Report(templates, List.copyOf(findings));
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
