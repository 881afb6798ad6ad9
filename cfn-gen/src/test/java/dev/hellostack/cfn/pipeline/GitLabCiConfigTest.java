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
        assertTrue(jobs.size() >= 7, "expected the seven jobs, found " + jobs.keySet());
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

    private static Set<String> mergeRequest(String... changedFiles) {
        return pipeline(
                Map.of(
                        "CI_PIPELINE_SOURCE", "merge_request_event",
                        "CI_DEFAULT_BRANCH", "main",
                        "CI_MERGE_REQUEST_IID", "7"),
                Set.of(changedFiles));
    }

    @Test
    void mergeRequestChangingTheStacksGetsAPreview() {
        assertEquals(Set.of("verify", "cfn-lint", "preview"), mergeRequest("templates/network.yaml"));
        assertEquals(Set.of("verify", "cfn-lint", "preview"), mergeRequest("Dockerfile"));
        assertEquals(
                Set.of("verify", "cfn-lint", "preview"),
                mergeRequest("README.md", "cfn-gen/src/main/java/dev/hellostack/cfn/Main.java"));
        assertEquals(
                Set.of("verify", "cfn-lint", "preview"),
                mergeRequest("server/src/main/java/dev/hellostack/server/Main.java"));
    }

    @Test
    void mergeRequestNotTouchingTheStacksGetsNoPreview() {
        assertEquals(Set.of("verify", "cfn-lint"), mergeRequest("README.md"));
        assertEquals(Set.of("verify", "cfn-lint"), mergeRequest("scripts/ci/smoke.sh", "docs/templates/x.md"));
    }

    @Test
    void pushToTheDefaultBranchDeploys() {
        Set<String> jobs =
                pipeline(
                        Map.of("CI_PIPELINE_SOURCE", "push", "CI_DEFAULT_BRANCH", "main", "CI_COMMIT_BRANCH", "main"),
                        Set.of("templates/network.yaml"));
        assertEquals(Set.of("verify", "cfn-lint", "ecr", "build-image", "deploy", "smoke"), jobs);
    }

    @Test
    void tagPipelineOnlyTagsTheImage() {
        Set<String> jobs =
                pipeline(
                        Map.of("CI_PIPELINE_SOURCE", "push", "CI_DEFAULT_BRANCH", "main", "CI_COMMIT_TAG", "v1.2.0"),
                        Set.of());
        assertEquals(Set.of("build-image"), jobs);
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
        for (String name : List.of("preview", "ecr", "build-image", "deploy", "smoke")) {
            assertEquals(
                    "$OIDC_AUDIENCE",
                    jobs.get(name).path("id_tokens").path("AWS_ID_TOKEN").path("aud").asText(),
                    name + " needs id_tokens AWS_ID_TOKEN with aud $OIDC_AUDIENCE");
        }
        for (String name : List.of("verify", "cfn-lint")) {
            assertTrue(jobs.get(name).path("id_tokens").isMissingNode(), name + " must not get an AWS token");
        }
    }

    @Test
    void deploysNeverOverlapAndPublishTheServiceUrl() {
        JsonNode deploy = jobs.get("deploy");
        assertFalse(deploy.path("resource_group").asText().isEmpty(), "deploy needs a resource_group");
        assertEquals(deploy.path("resource_group"), jobs.get("ecr").path("resource_group"));
        assertEquals("$SERVICE_URL", deploy.path("environment").path("url").asText());
        assertEquals("deploy.env", deploy.path("artifacts").path("reports").path("dotenv").asText());
        assertFalse(deploy.path("interruptible").asBoolean(true), "a deploy must not be interruptible");
    }

    @Test
    void verifyPublishesJUnitReportsAndTheCfnGenJar() {
        JsonNode artifacts = jobs.get("verify").path("artifacts");
        assertTrue(artifacts.path("reports").path("junit").toString().contains("surefire-reports/TEST-*.xml"));
        assertTrue(artifacts.path("paths").toString().contains("cfn-gen/target/cfn-gen.jar"));
    }

    @Test
    void evaluatorRejectsExpressionsItDoesNotUnderstand() {
        RuleEvaluator rules = new RuleEvaluator(Map.of("A", "x"), Set.of());
        assertThrows(IllegalArgumentException.class, () -> rules.evaluate("$A =~ /x/"));
        assertTrue(rules.evaluate("$A == \"x\""));
        assertFalse(rules.evaluate("$B == $A"));
        assertFalse(rules.evaluate("$B"));
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
