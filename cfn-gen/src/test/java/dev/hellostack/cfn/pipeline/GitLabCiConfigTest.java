package dev.hellostack.cfn.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hellostack.cfn.check.TemplateChecks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Checks .gitlab-ci.yml: structure, referenced scripts and the job set of each pipeline kind. */
class GitLabCiConfigTest {

    /** Top-level keys that are not jobs (GitLab rejects jobs with these names). */
    private static final Set<String> GLOBAL_KEYWORDS =
            Set.of(
                    "workflow", "stages", "variables", "default", "include", "image", "services", "cache",
                    "before_script", "after_script", "types");

    /** GitLab's job keywords (https://docs.gitlab.com/ci/yaml/): anything else is a typo. */
    private static final Set<String> JOB_KEYWORDS =
            Set.of(
                    "after_script", "allow_failure", "artifacts", "before_script", "cache", "coverage",
                    "dast_configuration", "dependencies", "environment", "extends", "hooks", "id_tokens",
                    "identity", "image", "inherit", "interruptible", "manual_confirmation", "needs", "pages",
                    "parallel", "release", "resource_group", "retry", "rules", "script", "secrets",
                    "services", "stage", "tags", "timeout", "trigger", "variables", "when");

    private static final Pattern SCRIPT_PATH = Pattern.compile("(?<![\\w/.-])(scripts/[\\w./-]+)");

    static Path root;
    static JsonNode config;
    static Map<String, JsonNode> jobs;

    @BeforeAll
    static void load() throws IOException {
        root = TemplateChecks.findRepoRoot();
        config = new ObjectMapper(new YAMLFactory()).readTree(root.resolve(".gitlab-ci.yml").toFile());
        jobs = new LinkedHashMap<>();
        for (var it = config.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!GLOBAL_KEYWORDS.contains(name) && !name.startsWith(".")) {
                jobs.put(name, resolveExtends(name, config.get(name), new ArrayList<>()));
            }
        }
    }

    /** A job with its extends merged in the way GitLab does: hashes deep-merged, the rest replaced. */
    private static JsonNode resolveExtends(String name, JsonNode job, List<String> seen) {
        if (seen.contains(name)) {
            throw new IllegalStateException("extends cycle: " + seen + " -> " + name);
        }
        seen.add(name);
        JsonNode parents = job.path("extends");
        ObjectNode merged = new ObjectMapper().createObjectNode();
        List<String> parentNames = new ArrayList<>();
        if (parents.isTextual()) {
            parentNames.add(parents.asText());
        } else {
            parents.forEach(p -> parentNames.add(p.asText()));
        }
        for (String parent : parentNames) {
            JsonNode template = config.get(parent);
            assertTrue(template != null && template.isObject(), name + " extends unknown '" + parent + "'");
            deepMerge(merged, resolveExtends(parent, template, new ArrayList<>(seen)));
        }
        deepMerge(merged, job);
        merged.remove("extends");
        return merged;
    }

    private static void deepMerge(ObjectNode target, JsonNode source) {
        source.properties().forEach(e -> {
            JsonNode existing = target.get(e.getKey());
            if (existing instanceof ObjectNode obj && e.getValue().isObject()) {
                deepMerge(obj, e.getValue());
            } else {
                target.set(e.getKey(), e.getValue().deepCopy());
            }
        });
    }

    private static List<String> stages() {
        List<String> stages = new ArrayList<>();
        config.path("stages").forEach(s -> stages.add(s.asText()));
        return stages;
    }

    private static List<String> scriptLines(JsonNode job) {
        List<String> lines = new ArrayList<>();
        for (String key : List.of("before_script", "script", "after_script")) {
            JsonNode section = job.path(key);
            if (section.isTextual()) {
                lines.add(section.asText());
            } else {
                section.forEach(l -> lines.add(l.asText()));
            }
        }
        return lines;
    }

    private static List<String> needs(JsonNode job, boolean includeOptional) {
        List<String> needs = new ArrayList<>();
        for (JsonNode need : job.path("needs")) {
            if (need.isTextual()) {
                needs.add(need.asText());
            } else if (includeOptional || !need.path("optional").asBoolean(false)) {
                needs.add(need.path("job").asText());
            }
        }
        return needs;
    }

    @Test
    void globalKeywordsAreConfigurationNotJobs() {
        // "image:" at the top level is GitLab's global default image, so a job of that name would
        // silently become the image of every job.
        JsonNode image = config.get("image");
        assertTrue(image == null || image.isTextual(), "top-level 'image' must be an image name, not a job: " + image);
        assertTrue(jobs.size() >= 9, "expected the nine jobs, found " + jobs.keySet());
    }

    @Test
    void jobsUseOnlyGitLabKeywords() {
        jobs.forEach((name, job) -> job.fieldNames().forEachRemaining(key ->
                assertTrue(JOB_KEYWORDS.contains(key), "job " + name + " has unknown keyword '" + key + "'")));
    }

    @Test
    void everyJobRunsInADeclaredStage() {
        List<String> stages = stages();
        assertFalse(stages.isEmpty(), "stages must be listed");
        jobs.forEach((name, job) ->
                assertTrue(
                        stages.contains(job.path("stage").asText("test")),
                        "job " + name + " has stage '" + job.path("stage").asText("test") + "'; stages are " + stages));
    }

    @Test
    void everyReferencedScriptExistsAndIsExecutable() {
        int found = 0;
        for (var entry : jobs.entrySet()) {
            for (String line : scriptLines(entry.getValue())) {
                Matcher m = SCRIPT_PATH.matcher(line);
                while (m.find()) {
                    found++;
                    Path script = root.resolve(m.group(1));
                    assertTrue(Files.isRegularFile(script), "job " + entry.getKey() + " runs missing " + m.group(1));
                    assertTrue(Files.isExecutable(script), "job " + entry.getKey() + ": " + m.group(1) + " is not executable");
                }
            }
        }
        assertTrue(found >= 6, "expected the jobs to run scripts from scripts/, found " + found);
    }

    @Test
    void needsPointToJobsInEarlierOrTheSameStages() {
        List<String> stages = stages();
        jobs.forEach((name, job) -> {
            for (String need : needs(job, true)) {
                assertTrue(jobs.containsKey(need), "job " + name + " needs unknown job '" + need + "'");
                assertTrue(
                        stages.indexOf(jobs.get(need).path("stage").asText("test"))
                                <= stages.indexOf(job.path("stage").asText("test")),
                        "job " + name + " needs " + need + ", which runs in a later stage");
            }
        });
    }

    /** The jobs of one pipeline, or an empty set when the workflow rules create no pipeline. */
    private static Set<String> pipeline(Map<String, String> variables, Set<String> changedFiles) {
        RuleEvaluator rules = new RuleEvaluator(variables, changedFiles);
        Set<String> selected = new TreeSet<>();
        if (!rules.included(config.path("workflow").path("rules"))) {
            return selected;
        }
        jobs.forEach((name, job) -> {
            if (rules.included(job.get("rules"))) {
                selected.add(name);
            }
        });
        for (String name : selected) {
            for (String need : needs(jobs.get(name), false)) {
                assertTrue(selected.contains(need), name + " needs " + need + ", which is not in this pipeline " + selected);
            }
        }
        return selected;
    }

    private static final Set<String> CHECKS = Set.of("verify", "verify-image-jdk", "lint");

    private static Set<String> with(Set<String> base, String... more) {
        Set<String> all = new TreeSet<>(base);
        all.addAll(List.of(more));
        return all;
    }

    /** A merge request from a branch of this project (project 42). */
    private static Set<String> mergeRequest(String... changedFiles) {
        return mergeRequestFrom("42", changedFiles);
    }

    private static Set<String> mergeRequestFrom(String sourceProjectId, String... changedFiles) {
        return pipeline(
                Map.of(
                        "CI_PIPELINE_SOURCE", "merge_request_event",
                        "CI_DEFAULT_BRANCH", "main",
                        "CI_MERGE_REQUEST_IID", "7",
                        "CI_MERGE_REQUEST_PROJECT_ID", "42",
                        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID", sourceProjectId),
                Set.of(changedFiles));
    }

    @Test
    void mergeRequestChangingWhatThePreviewLooksAtGetsAPreview() {
        assertEquals(with(CHECKS, "preview"), mergeRequest("templates/network.yaml"));
        assertEquals(with(CHECKS, "preview"), mergeRequest("README.md", "cfn-gen/src/main/java/dev/hellostack/cfn/Main.java"));
        assertEquals(with(CHECKS, "preview"), mergeRequest("scripts/ci/preview.sh"));
        assertEquals(with(CHECKS, "preview"), mergeRequest(".gitlab-ci.yml"));
    }

    @Test
    void mergeRequestNotTouchingWhatThePreviewLooksAtGetsNoPreview() {
        assertEquals(CHECKS, mergeRequest("README.md"));
        assertEquals(CHECKS, mergeRequest("server/src/main/java/dev/hellostack/server/Main.java"));
        assertEquals(CHECKS, mergeRequest("Dockerfile", "docs/templates/x.md"));
        assertEquals(CHECKS, mergeRequest("scripts/container-test.sh"));
    }

    @Test
    void forkMergeRequestRunsOnlyTheChecksThatNeedNoSecrets() {
        // A fork's pipeline has no AWS role variables and no GITLAB_API_TOKEN.
        Set<String> fork = mergeRequestFrom("99", "templates/network.yaml", "scripts/ci/preview.sh", ".gitlab-ci.yml");
        assertEquals(CHECKS, fork);
        for (String name : fork) {
            assertTrue(jobs.get(name).path("id_tokens").isMissingNode(), name + " gets an AWS ID token in a fork pipeline");
            String script = String.join("\n", scriptLines(jobs.get(name)));
            assertFalse(script.contains("scripts/ci/"), name + " runs a pipeline script that needs AWS: " + script);
        }
    }

    @Test
    void pushToTheDefaultBranchDeploys() {
        Set<String> jobs =
                pipeline(
                        Map.of("CI_PIPELINE_SOURCE", "push", "CI_DEFAULT_BRANCH", "main", "CI_COMMIT_BRANCH", "main"),
                        Set.of("templates/network.yaml"));
        assertEquals(with(CHECKS, "ecr", "build-image", "image-manifest", "deploy", "smoke"), jobs);
    }

    @Test
    void tagPipelineOnlyTagsTheImage() {
        Set<String> jobs =
                pipeline(
                        Map.of("CI_PIPELINE_SOURCE", "push", "CI_DEFAULT_BRANCH", "main", "CI_COMMIT_TAG", "v1.2.0"),
                        Set.of());
        assertEquals(Set.of("image-manifest"), jobs);
    }

    @Test
    void imageIsBuiltNativelyForEveryCpuArchitectureOfTheServiceTemplateThenJoined() throws IOException {
        // The architectures the service stack lets a task run on, in OCI's names.
        JsonNode service = new ObjectMapper(new YAMLFactory()).readTree(root.resolve("templates/service.yaml").toFile());
        Set<String> offered = new TreeSet<>();
        service.path("Parameters").path("CpuArchitecture").path("AllowedValues").forEach(v ->
                offered.add(switch (v.asText()) {
                    case "X86_64" -> "amd64";
                    case "ARM64" -> "arm64";
                    default -> throw new AssertionError("unknown CpuArchitecture " + v.asText());
                }));
        assertEquals(Set.of("amd64", "arm64"), offered);

        // One build-image job per architecture, each on a runner of that architecture.
        JsonNode build = jobs.get("build-image");
        Set<String> built = new TreeSet<>();
        for (JsonNode entry : build.path("parallel").path("matrix")) {
            String arch = entry.path("IMAGE_ARCH").asText();
            built.add(arch);
            assertTrue(entry.path("RUNNER_TAG").asText().endsWith("-" + arch),
                    "the " + arch + " build must run on a " + arch + " runner, not '" + entry.path("RUNNER_TAG") + "'");
        }
        assertEquals(offered, built, "build-image must build every CpuArchitecture the service template offers");
        assertEquals("[\"$RUNNER_TAG\"]", build.path("tags").toString());
        assertTrue(scriptLines(build).contains("scripts/ci/image.sh build"), scriptLines(build).toString());

        // The manifest list after them, and the deploy after the list.
        JsonNode manifest = jobs.get("image-manifest");
        assertEquals(List.of("build-image"), needs(manifest, true));
        assertTrue(scriptLines(manifest).contains("scripts/ci/image.sh manifest"), scriptLines(manifest).toString());
        assertEquals(List.of("image-manifest"), needs(jobs.get("deploy"), false));
    }

    @Test
    void pushToAnotherBranchWithoutMergeRequestRunsNothing() {
        Set<String> jobs =
                pipeline(
                        Map.of("CI_PIPELINE_SOURCE", "push", "CI_DEFAULT_BRANCH", "main", "CI_COMMIT_BRANCH", "feature"),
                        Set.of("templates/network.yaml"));
        assertEquals(Set.of(), jobs);
    }

    @Test
    void previewComparesToTheDefaultBranch() {
        JsonNode changes = jobs.get("preview").path("rules").get(0).path("changes");
        assertEquals("refs/heads/$CI_DEFAULT_BRANCH", changes.path("compare_to").asText());
    }

    @Test
    void awsJobsGetAnIdTokenForTheGitLabOidcAudience() {
        assertEquals("https://gitlab.com", config.path("variables").path("OIDC_AUDIENCE").asText());
        for (String name : List.of("preview", "ecr", "build-image", "image-manifest", "deploy", "smoke")) {
            assertEquals(
                    "$OIDC_AUDIENCE",
                    jobs.get(name).path("id_tokens").path("AWS_ID_TOKEN").path("aud").asText(),
                    name + " needs id_tokens AWS_ID_TOKEN with aud $OIDC_AUDIENCE");
        }
        for (String name : CHECKS) {
            assertTrue(jobs.get(name).path("id_tokens").isMissingNode(), name + " must not get an AWS token");
        }
    }

    @Test
    void deploysNeverOverlapAndPublishTheServiceUrl() {
        JsonNode deploy = jobs.get("deploy");
        assertFalse(deploy.path("resource_group").asText().isEmpty(), "deploy needs a resource_group");
        assertEquals(deploy.path("resource_group"), jobs.get("ecr").path("resource_group"));
        assertEquals("$SERVICE_URL", deploy.path("environment").path("url").asText());
        assertEquals("$DEPLOY_ENV", deploy.path("environment").path("name").asText());
        assertEquals("$DEPLOY_ENV", jobs.get("smoke").path("environment").path("name").asText());
        assertEquals("prod", config.path("variables").path("DEPLOY_ENV").asText(), "the default branch deploys prod");
        for (String job : List.of("preview", "ecr", "build-image", "image-manifest")) {
            // environment-scoped CI/CD variables (the role ARNs of dev and prod) reach only jobs in the environment
            assertEquals("$DEPLOY_ENV", jobs.get(job).path("environment").path("name").asText(), job);
            assertEquals("prepare", jobs.get(job).path("environment").path("action").asText(), job);
        }
        assertEquals("deploy.env", deploy.path("artifacts").path("reports").path("dotenv").asText());
        assertFalse(deploy.path("interruptible").asBoolean(true), "a deploy must not be interruptible");
    }

    /** README.md and docs/*.md, where the setup is explained. */
    private static String documentation() throws IOException {
        StringBuilder text = new StringBuilder(Files.readString(root.resolve("README.md")));
        Path docs = root.resolve("docs");
        if (Files.isDirectory(docs)) {
            try (var files = Files.list(docs)) {
                for (Path f : files.filter(f -> f.toString().endsWith(".md")).sorted().toList()) {
                    text.append('\n').append(Files.readString(f));
                }
            }
        }
        return text.toString();
    }

    @Test
    void documentationGivesTheCallThatMakesTheDeployGroupOldestFirst() throws IOException {
        // GitLab's default process mode is unordered; the API sets oldest_first on the group.
        String group = jobs.get("deploy").path("resource_group").asText();
        String call = "resource_groups/" + group + "?process_mode=oldest_first";
        assertTrue(documentation().contains(call), "README or docs/ must give the API call with " + call);
        assertTrue(documentation().contains("--request PUT"), "the resource group call is a PUT");
    }

    @Test
    void lintJobInstallsExactlyThePinnedCfnLintAndRunsTheReadmeLint() throws IOException {
        List<String> requirements = Files.readAllLines(root.resolve("scripts/requirements-cfn-lint.txt")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .toList();
        assertEquals(List.of("cfn-lint==1.51.0"), requirements, "one exact pin, never a range");
        List<String> lint = scriptLines(jobs.get("lint"));
        assertEquals(List.of("scripts/install-deps.sh", "scripts/lint.sh"), lint);
        assertTrue(Files.readString(root.resolve("scripts/install-deps.sh")).contains("-r \"$requirements\""),
                "install-deps.sh installs cfn-lint from scripts/requirements-cfn-lint.txt");
        assertTrue(Files.readString(root.resolve("scripts/lint.sh")).contains("scripts/cfn-lint.sh"),
                "scripts/lint.sh runs cfn-lint");
        jobs.forEach((name, job) -> {
            for (String line : scriptLines(job)) {
                assertFalse(line.contains("cfn-lint") && line.contains("pip"),
                        name + " installs cfn-lint itself instead of through scripts/install-deps.sh: " + line);
            }
        });
    }

    private static String dockerfileArg(String name) throws IOException {
        for (String line : Files.readAllLines(root.resolve("Dockerfile"))) {
            if (line.startsWith("ARG " + name + "=")) {
                return line.substring(("ARG " + name + "=").length()).strip();
            }
        }
        throw new AssertionError("Dockerfile has no ARG " + name + " with a default");
    }

    @Test
    void javaTestsAlsoRunOnTheJdkTheImageIsBuiltWith() throws IOException {
        JsonNode job = jobs.get("verify-image-jdk");
        assertEquals(dockerfileArg("BUILD_IMAGE"), job.path("image").asText());
        assertTrue(scriptLines(job).contains("mvn -B -ntp -pl server -am verify"), scriptLines(job).toString());
    }

    @Test
    void baseAndJobImagesComeFromThePublicEcrMirror() throws IOException {
        // Registries without an anonymous pull limit: Docker Hub's official images through the public
        // ECR mirror, and distroless (the runtime base) from gcr.io.
        assertTrue(dockerfileArg("BUILD_IMAGE").startsWith("public.ecr.aws/docker/library/"), dockerfileArg("BUILD_IMAGE"));
        String runtime = dockerfileArg("RUNTIME_IMAGE");
        assertTrue(runtime.startsWith("public.ecr.aws/docker/library/") || runtime.startsWith("gcr.io/distroless/"), runtime);
        jobs.forEach((name, job) -> {
            String image = job.path("image").asText();
            assertTrue(image.startsWith("public.ecr.aws/docker/library/") || image.startsWith("quay.io/"),
                    name + " pulls " + image + " from Docker Hub, which limits anonymous pulls");
        });
    }

    @Test
    void imageIsBuiltAndTestedWithPodmanBeforeItIsPushed() throws IOException {
        JsonNode job = jobs.get("build-image");
        assertEquals("podman", job.path("variables").path("BUILDER").asText());
        assertTrue(job.path("image").asText().startsWith("quay.io/podman/stable:"), job.path("image").asText());
        String imageScript = Files.readString(root.resolve("scripts/ci/image.sh"));
        int test = imageScript.indexOf("image-test.sh");
        int push = imageScript.indexOf("\"$builder\" push");
        assertTrue(test > 0 && push > test, "image.sh must run image-test.sh before it pushes");
    }

    @Test
    void verifyPublishesJUnitReportsAndTheCfnGenJar() {
        JsonNode artifacts = jobs.get("verify").path("artifacts");
        assertTrue(artifacts.path("reports").path("junit").toString().contains("surefire-reports/TEST-*.xml"));
        assertTrue(artifacts.path("paths").toString().contains("cfn-gen/target/cfn-gen.jar"));
    }

    @Test
    void evaluatorRejectsExpressionsItDoesNotUnderstand() {
        RuleEvaluator rules = new RuleEvaluator(Map.of("A", "x", "C", "x"), Set.of());
        assertThrows(IllegalArgumentException.class, () -> rules.evaluate("$A =~ /x/"));
        assertThrows(IllegalArgumentException.class, () -> rules.evaluate("$A || $B"));
        assertThrows(IllegalArgumentException.class, () -> rules.evaluate("($A && $B)"));
        assertTrue(rules.evaluate("$A == \"x\""));
        assertFalse(rules.evaluate("$B == $A"));
        assertFalse(rules.evaluate("$B"));
        assertTrue(rules.evaluate("$A == $C && $A != \"y\""));
        assertFalse(rules.evaluate("$A == $C && $A != \"x\""));
        assertTrue(rules.evaluate("$B != $A"));
    }

    @Test
    void globsFollowGitLabDoubleStarSemantics() {
        assertTrue(RuleEvaluator.glob("templates/**/*").matcher("templates/ecr.yaml").matches());
        assertTrue(RuleEvaluator.glob("templates/**/*").matcher("templates/a/b.yaml").matches());
        assertFalse(RuleEvaluator.glob("templates/**/*").matcher("docs/templates/x.md").matches());
        assertTrue(RuleEvaluator.glob("Dockerfile").matcher("Dockerfile").matches());
        assertFalse(RuleEvaluator.glob("Dockerfile").matcher("server/Dockerfile").matches());
    }
}
