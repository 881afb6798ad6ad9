package dev.hellostack.cfn.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.hellostack.cfn.check.TemplateChecks;
import dev.hellostack.cfn.Main;
import dev.hellostack.cfn.changeset.ChangeSetSummary;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the pipeline scripts' own tests (scripts/ci/tests/test-*.sh, with fake aws, podman, uname
 * and curl) and tests scripts/ci/mr-note.sh against a fake GitLab API on 127.0.0.1. Needs bash, jq and
 * curl, which scripts/install-deps.sh installs.
 */
class CiScriptsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    static Path root;

    @BeforeAll
    static void tools() throws Exception {
        root = TemplateChecks.findRepoRoot();
        for (String tool : List.of("bash", "jq", "curl")) {
            Process p = new ProcessBuilder("sh", "-c", "command -v " + tool).start();
            assertEquals(
                    0, p.waitFor(), tool + " is needed by the pipeline script tests: apt-get install -y " + tool
                            + " (scripts/install-deps.sh installs it)");
        }
    }

    /** A command that runs "cfn-gen changeset-summary ..." from this build's classes. */
    static Path cfnGenCommand(Path dir) throws IOException, URISyntaxException {
        List<String> classpath = new ArrayList<>();
        for (Class<?> c : List.of(Main.class, ObjectMapper.class, JsonFactory.class, JsonProperty.class)) {
            classpath.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        Path script = dir.resolve("cfn-gen");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(
                script,
                "#!/bin/sh\n"
                        + "exec '" + java + "' -cp '" + String.join(File.pathSeparator, classpath)
                        + "' " + Main.class.getName() + " \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    record Run(int status, String output) {}

    static Run run(Map<String, String> env, Path workDir, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "timed out: " + String.join(" ", command));
        return new Run(p.exitValue(), output);
    }

    @TestFactory
    Stream<DynamicTest> shellTestsOfThePipelineScripts(@TempDir Path tmp) throws IOException {
        Path cfnGen;
        try {
            cfnGen = cfnGenCommand(tmp);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<Path> tests;
        try (Stream<Path> files = Files.list(root.resolve("scripts/ci/tests"))) {
            tests = files.filter(f -> f.getFileName().toString().matches("test-.*\\.sh")).sorted().toList();
        }
        assertTrue(tests.size() >= 3, "expected the shell tests in scripts/ci/tests, found " + tests);
        return tests.stream().map(test -> DynamicTest.dynamicTest(test.getFileName().toString(), () -> {
            Run r = run(Map.of("CFN_GEN_CMD", cfnGen.toString()), root, "bash", test.toString());
            assertEquals(0, r.status(), r.output());
            assertTrue(r.output().matches("(?s).*\\n\\d+ tests, 0 failed\\n?"), r.output());
        }));
    }

    // --- mr-note.sh against a fake GitLab API ---

    private HttpServer gitlab;
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> bodies = new CopyOnWriteArrayList<>();
    private volatile ArrayNode existingNotes = JSON.createArrayNode();
    private volatile int status = 200;

    private Map<String, String> fakeGitLab() throws IOException {
        gitlab = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        gitlab.createContext("/", this::handle);
        gitlab.start();
        return Map.of(
                "CI_API_V4_URL", "http://127.0.0.1:" + gitlab.getAddress().getPort() + "/api/v4",
                "CI_PROJECT_ID", "42",
                "CI_MERGE_REQUEST_IID", "7",
                "GITLAB_API_TOKEN", "glpat-test-token");
    }

    private void handle(HttpExchange ex) throws IOException {
        String token = ex.getRequestHeaders().getFirst("PRIVATE-TOKEN");
        requests.add(ex.getRequestMethod() + " " + ex.getRequestURI() + " token=" + token);
        bodies.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        byte[] answer;
        if (status != 200) {
            answer = "{\"message\":\"403 Forbidden\"}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, answer.length);
        } else {
            String query = ex.getRequestURI().getQuery();
            if ("GET".equals(ex.getRequestMethod())) {
                int page = Integer.parseInt(query.replaceAll(".*page=(\\d+).*", "$1"));
                ArrayNode slice = JSON.createArrayNode();
                for (int i = (page - 1) * 100; i < Math.min(page * 100, existingNotes.size()); i++) {
                    slice.add(existingNotes.get(i));
                }
                answer = JSON.writeValueAsBytes(slice);
            } else {
                answer = "{\"id\":999}".getBytes(StandardCharsets.UTF_8);
            }
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(ex.getRequestMethod().equals("POST") ? 201 : 200, answer.length);
        }
        ex.getResponseBody().write(answer);
        ex.close();
    }

    private void note(int id, String body, boolean system) {
        existingNotes.add(JSON.createObjectNode().put("id", id).put("body", body).put("system", system));
    }

    @AfterEach
    void stop() {
        if (gitlab != null) {
            gitlab.stop(0);
        }
    }

    private Run mrNote(Path dir, Map<String, String> env) throws Exception {
        Path file = dir.resolve("note.md");
        Files.writeString(file, ChangeSetSummary.MARKER + "\n### CloudFormation preview\n\nA \"quoted\" | note\n");
        return run(env, root, "bash", root.resolve("scripts/ci/mr-note.sh").toString(), file.toString());
    }

    @Test
    void firstPreviewAddsANote(@TempDir Path dir) throws Exception {
        Map<String, String> env = fakeGitLab();
        note(1, "Looks good to me", false);
        Run r = mrNote(dir, env);
        assertEquals(0, r.status(), r.output());
        assertEquals(2, requests.size(), requests.toString());
        assertTrue(requests.get(0).startsWith("GET /api/v4/projects/42/merge_requests/7/notes?per_page=100&page=1"));
        assertEquals("POST /api/v4/projects/42/merge_requests/7/notes token=glpat-test-token", requests.get(1));
        JsonNode posted = JSON.readTree(bodies.get(1));
        assertEquals(
                ChangeSetSummary.MARKER + "\n### CloudFormation preview\n\nA \"quoted\" | note\n",
                posted.path("body").asText());
    }

    @Test
    void laterPushUpdatesTheSameNoteEvenOnALaterPage(@TempDir Path dir) throws Exception {
        Map<String, String> env = fakeGitLab();
        for (int i = 1; i <= 100; i++) {
            note(i, "comment " + i, false);
        }
        note(150, ChangeSetSummary.MARKER + " mentioned by a system note", true);
        note(151, ChangeSetSummary.MARKER + "\nold preview", false);
        Run r = mrNote(dir, env);
        assertEquals(0, r.status(), r.output());
        assertEquals(3, requests.size(), requests.toString());
        assertTrue(requests.get(1).contains("page=2"), requests.toString());
        assertEquals("PUT /api/v4/projects/42/merge_requests/7/notes/151 token=glpat-test-token", requests.get(2));
        assertTrue(JSON.readTree(bodies.get(2)).path("body").asText().contains("A \"quoted\" | note"));
    }

    @Test
    void tokenTravelsInAHeaderFileNeverOnTheCommandLine(@TempDir Path dir) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(fakeGitLab());
        // A curl in front of the real one that records its arguments, then runs the real curl.
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path log = dir.resolve("curl-args.log");
        String realCurl = run(Map.of(), root, "sh", "-c", "command -v curl").output().strip();
        Path wrapper = bin.resolve("curl");
        Files.writeString(wrapper, "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + log + "'\nexec '" + realCurl
                + "' \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        env.put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
        Run r = mrNote(dir, env);
        assertEquals(0, r.status(), r.output());
        String args = Files.readString(log);
        assertTrue(args.contains("--header @"), args);
        assertTrue(!args.contains("glpat-test-token"), "the token is on curl's command line: " + args);
        assertEquals("POST /api/v4/projects/42/merge_requests/7/notes token=glpat-test-token", requests.get(1));
    }

    @Test
    void rejectedTokenFailsWithAHint(@TempDir Path dir) throws Exception {
        Map<String, String> env = fakeGitLab();
        status = 403;
        Run r = mrNote(dir, env);
        assertEquals(1, r.status(), r.output());
        assertTrue(r.output().contains("GITLAB_API_TOKEN is a project access token with the api scope"), r.output());
    }

    @Test
    void missingTokenIsNamed(@TempDir Path dir) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(fakeGitLab());
        env.put("GITLAB_API_TOKEN", "");
        Run r = mrNote(dir, env);
        assertEquals(1, r.status(), r.output());
        assertTrue(r.output().contains("missing CI/CD variable(s): GITLAB_API_TOKEN"), r.output());
        assertTrue(requests.isEmpty(), requests.toString());
    }
}
