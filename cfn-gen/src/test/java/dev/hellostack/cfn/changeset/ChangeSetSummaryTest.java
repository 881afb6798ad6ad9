package dev.hellostack.cfn.changeset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChangeSetSummaryTest {

    private static final Path SAMPLES = Path.of("src/test/resources/changeset");

    /** Exit status, stdout and stderr of one run. */
    private record Result(int status, String out, String err) {}

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status =
                ChangeSetSummary.run(
                        List.of(args),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(
                status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String sample(String name) {
        return SAMPLES.resolve(name).toString();
    }

    @Test
    void wholeNoteForEveryKindOfChangeMatchesTheReviewedExample() throws IOException {
        Result r =
                run(
                        "--context", "Commit `3f4e5d6c` in pipeline #1001",
                        "--new-stack", "ecr=" + sample("new-ecr.json"),
                        "--stack", "network=" + sample("modify-network.json"),
                        "--stack", "alb=" + sample("remove-alb.json"),
                        "--stack", "service=" + sample("empty-service.json"));
        assertEquals(0, r.status(), r.err());
        assertEquals(Files.readString(SAMPLES.resolve("expected-preview.md")), r.out());
    }

    @Test
    void noteStartsWithTheHiddenMarkerTheScriptSearchesFor() {
        Result r = run("--stack", "service=" + sample("empty-service.json"));
        assertTrue(r.out().startsWith("<!-- hello-stack:changeset-preview -->\n"), r.out());
    }

    @Test
    void newStackListsEveryResourceAsAdd() {
        Result r = run("--new-stack", "ecr=" + sample("new-ecr.json"));
        assertEquals(0, r.status());
        assertTrue(r.out().contains("| `ecr` | `hello-prod-ecr` | new stack: 2 Add |"), r.out());
        assertTrue(r.out().contains("#### `ecr` (new stack)"), r.out());
        assertTrue(r.out().contains("| Add | `Repository` | `AWS::ECR::Repository` |  |  |"), r.out());
        assertTrue(r.out().contains("| Add | `RepositoryPolicy` | `AWS::ECR::RepositoryPolicy` |  |  |"));
        assertFalse(r.out().contains("REPLACE"), r.out());
    }

    @Test
    void replacementTrueAndConditionalAreLoudAndFalseIsQuiet() {
        Result r = run("--stack", "network=" + sample("modify-network.json"));
        assertEquals(0, r.status());
        String out = r.out();
        assertTrue(
                out.contains("| Modify | `PrivateSubnet1` | `AWS::EC2::Subnet` | **REPLACE** | `CidrBlock` |"), out);
        assertTrue(
                out.contains(
                        "| Modify | `PrivateSubnet1RouteTableAssociation` | `AWS::EC2::SubnetRouteTableAssociation`"
                                + " | **MAY REPLACE** | `SubnetId` |"),
                out);
        assertTrue(out.contains("| Modify | `Vpc` | `AWS::EC2::VPC` | no | `Tags` |"), out);
        assertTrue(
                out.contains("**REPLACEMENT: 1 resource would be deleted and created again:** `network/PrivateSubnet1`"),
                out);
        assertTrue(out.contains("`network/PrivateSubnet1RouteTableAssociation`"), out);
        assertTrue(out.contains("| `network` | `hello-prod-network` | 3 Modify, 1 Add, **1 REPLACE**, **1 MAY REPLACE** |"), out);
    }

    @Test
    void aNewTaskDefinitionIsMarkedAsABlueGreenReleaseNotAReplacement() {
        Result r = run("--stack", "service=" + sample("release-service.json"));
        assertEquals(0, r.status());
        String out = r.out();
        assertTrue(out.contains("**BLUE/GREEN RELEASE:** a new task definition (`service/TaskDefinition`)."), out);
        assertTrue(out.contains("| Modify (blue/green release) | `TaskDefinition` | `AWS::ECS::TaskDefinition` | **REPLACE** |"), out);
        assertTrue(out.contains("| Modify | `Service` | `AWS::ECS::Service` |"), out);
        assertFalse(out.contains("**REPLACEMENT:"), "a new task definition revision is the release, not an outage:\n" + out);
    }

    @Test
    void theFirstTaskDefinitionOfANewStackIsNoRelease() {
        Result r = run("--new-stack", "service=" + sample("release-service.json"));
        assertFalse(r.out().contains("BLUE/GREEN RELEASE"), r.out());
        assertFalse(r.out().contains("(blue/green release)"), r.out());
    }

    @Test
    void removedResourcesAreListed() {
        Result r = run("--stack", "alb=" + sample("remove-alb.json"));
        assertEquals(0, r.status());
        assertTrue(
                r.out().contains("| Remove | `HttpsListener` | `AWS::ElasticLoadBalancingV2::Listener` |  |  |"),
                r.out());
        assertTrue(r.out().contains("| `alb` | `hello-prod-alb` | 1 Remove, 1 Modify |"), r.out());
    }

    @Test
    void emptyChangeSetSaysNoChangesAndIsNotAFailure() {
        Result r = run("--stack", "service=" + sample("empty-service.json"));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("| `service` | `hello-prod-service` | no changes |"), r.out());
        assertTrue(r.out().contains("No changes: deploying this merge request leaves every stack as it is."));
        assertFalse(r.out().contains("####"), "no per-stack table for an empty change set:\n" + r.out());
    }

    @Test
    void noChangesLineOnlyWhenEveryStackIsUnchanged() {
        Result r =
                run(
                        "--stack", "alb=" + sample("remove-alb.json"),
                        "--stack", "service=" + sample("empty-service.json"));
        assertFalse(r.out().contains("No changes:"), r.out());
    }

    /** The service's row when its import of TargetGroupArn waits for the alb stack earlier in the preview. */
    static final String SERVICE_WAITS_FOR_ALB = "| `service` | `hello-prod-service` | cannot be previewed until `alb` (earlier"
            + " in this preview) is deployed and exports what it imports; the deploy runs it first: No export named"
            + " hello-prod-TargetGroupArn found |";

    @Test
    void anImportOfAnExportAnEarlierStacksChangeSetAddsWaitsForThatStack() {
        // An MR whose alb template adds TargetGroupArn and whose service imports it: CloudFormation cannot
        // resolve the import before alb is deployed, and the deploy runs alb first (issue 18, defect 16).
        Result r =
                run(
                        "--exports", sample("exports.json"),
                        "--stack", "alb=" + sample("remove-alb.json"),
                        "--new-stack", "service=" + sample("failed-service.json"));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains(SERVICE_WAITS_FOR_ALB), r.out());
    }

    @Test
    void anImportWhoseProviderFailedFailsTheRunNamingIt(@TempDir Path dir) throws IOException {
        Path failedAlb = dir.resolve("failed-alb.json");
        Files.writeString(failedAlb, Files.readString(SAMPLES.resolve("failed-service.json"))
                .replace("hello-prod-service", "hello-prod-alb")
                .replace("No export named hello-prod-TargetGroupArn found", "Template format error"));
        Result r =
                run(
                        "--exports", sample("exports.json"),
                        "--stack", "alb=" + failedAlb,
                        "--new-stack", "service=" + sample("failed-service.json"));
        assertEquals(1, r.status());
        assertTrue(
                r.out().contains(
                        "| `service` | `hello-prod-service` | **CHANGE SET FAILED**: No export named hello-prod-TargetGroupArn"
                                + " found: stack alb exports it in this template, but its own change set failed (above) |"),
                r.out());
        assertTrue(r.err().contains("could not be created for: alb, service"), r.err());
    }

    @Test
    void missingExportOfANewStackEarlierInThePreviewIsExpectedNotAFailure() {
        Result r =
                run(
                        "--exports", sample("exports.json"),
                        "--new-stack", "ecr=" + sample("new-ecr.json"),
                        "--new-stack", "alb=" + sample("new-ecr.json"),
                        "--new-stack", "service=" + sample("failed-service.json"));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains(SERVICE_WAITS_FOR_ALB), r.out());
    }

    @Test
    void missingExportIsAFailureWhenNoNewStackEarlierExportsIt() {
        // ecr is new, but it does not export TargetGroupArn: waiting for it would never end.
        Result r =
                run(
                        "--exports", sample("exports.json"),
                        "--new-stack", "ecr=" + sample("new-ecr.json"),
                        "--new-stack", "service=" + sample("failed-service.json"));
        assertEquals(1, r.status());
        assertTrue(r.out().contains("**CHANGE SET FAILED**: No export named hello-prod-TargetGroupArn found: stack alb"
                + " should export it: is alb deployed"), r.out());
        assertTrue(r.err().contains("stack service imports hello-prod-TargetGroupArn: stack alb should export it"), r.err());
    }

    @Test
    void missingExportOfAStackOutsideThePreviewNamesThatStack(@TempDir Path dir) throws IOException {
        Path failed = dir.resolve("failed.json");
        Files.writeString(failed, Files.readString(SAMPLES.resolve("failed-service.json"))
                .replace("hello-prod-TargetGroupArn", "hello-prod-PermissionsBoundaryArn"));
        Result r =
                run(
                        "--exports", sample("exports.json"),
                        "--new-stack", "ecr=" + sample("new-ecr.json"),
                        "--new-stack", "network=" + failed);
        assertEquals(1, r.status());
        assertTrue(r.err().contains("stack network imports hello-prod-PermissionsBoundaryArn: stack gitlab-oidc should"
                + " export it: is gitlab-oidc deployed (an administrator deploys it; docs/deploying.md)?"), r.err());
    }

    @Test
    void missingExportNoStackDeclaresIsAFailure(@TempDir Path dir) throws IOException {
        Path failed = dir.resolve("failed.json");
        Files.writeString(failed, Files.readString(SAMPLES.resolve("failed-service.json"))
                .replace("hello-prod-TargetGroupArn", "hello-prod-TargetGroupArm"));
        Result r = run("--exports", sample("exports.json"), "--new-stack", "alb=" + sample("new-ecr.json"),
                "--new-stack", "service=" + failed);
        assertEquals(1, r.status());
        assertTrue(r.out().contains("no stack of templates/stacks.json exports hello-prod-TargetGroupArm"), r.out());
    }

    @Test
    void withoutExportsEveryMissingExportIsAFailure() {
        Result r =
                run(
                        "--new-stack", "alb=" + sample("new-ecr.json"),
                        "--new-stack", "service=" + sample("failed-service.json"));
        assertEquals(1, r.status());
        assertTrue(r.out().contains("**CHANGE SET FAILED**: No export named"), r.out());
    }

    @Test
    void unreadableExportsFileIsABadArgument(@TempDir Path dir) {
        Result r = run("--exports", dir.resolve("none.json").toString(), "--stack", "alb=" + sample("remove-alb.json"));
        assertEquals(2, r.status());
        assertTrue(r.err().contains("cannot read exports"), r.err());
    }

    @Test
    void awsTextCannotBreakTheTableOrInjectHtml(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("odd.json");
        Files.writeString(
                file,
                "{\"StackName\":\"s\",\"Status\":\"FAILED\",\"StatusReason\":\"bad | value\\n<script>\",\"Changes\":[]}");
        Result r = run("--stack", "odd=" + file);
        assertEquals(1, r.status());
        assertTrue(r.out().contains("**CHANGE SET FAILED**: bad \\| value &lt;script&gt; |"), r.out());
    }

    @Test
    void unknownArgumentNamesTheAllowedOnes() {
        Result r = run("--stak", "x=y");
        assertEquals(2, r.status());
        assertTrue(
                r.err().contains("unknown argument '--stak'; allowed: --stack, --new-stack, --context, --exports, --help"),
                r.err());
    }

    @Test
    void badArgumentsAreRejectedWithTheReason() {
        assertTrue(run().err().contains("no change sets given"));
        assertTrue(run("--stack").err().contains("--stack needs a value"));
        assertTrue(run("--stack", "network").err().contains("--stack expects NAME=FILE, got 'network'"));
        assertTrue(run("--stack", "net work=x.json").err().contains("stack name 'net work'"));
        Result twice =
                run("--stack", "ecr=" + sample("new-ecr.json"), "--stack", "ecr=" + sample("new-ecr.json"));
        assertEquals(2, twice.status());
        assertTrue(twice.err().contains("stack 'ecr' given twice"), twice.err());
    }

    @Test
    void unreadableFilesNameTheStackAndThePath(@TempDir Path dir) throws IOException {
        Result missing = run("--stack", "ecr=" + dir.resolve("nope.json"));
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("change set file for stack 'ecr' not found: "), missing.err());

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"Status\": ");
        Result invalid = run("--stack", "ecr=" + broken);
        assertEquals(2, invalid.status());
        assertTrue(invalid.err().contains("is not valid JSON: " + broken), invalid.err());

        Path noStatus = dir.resolve("nostatus.json");
        Files.writeString(noStatus, "{\"Changes\": []}");
        Result wrong = run("--stack", "ecr=" + noStatus);
        assertEquals(2, wrong.status());
        assertTrue(wrong.err().contains("missing or empty key 'Status'"), wrong.err());

        Path noAction = dir.resolve("noaction.json");
        Files.writeString(
                noAction,
                "{\"Status\":\"CREATE_COMPLETE\",\"Changes\":[{\"Type\":\"Resource\",\"ResourceChange\":"
                        + "{\"LogicalResourceId\":\"A\",\"ResourceType\":\"AWS::SNS::Topic\"}}]}");
        Result noActionResult = run("--stack", "ecr=" + noAction);
        assertEquals(2, noActionResult.status());
        assertTrue(
                noActionResult.err().contains("Changes[0].ResourceChange: missing or empty key 'Action'"),
                noActionResult.err());
    }

    @Test
    void noUpdatesWordingAlsoCountsAsNoChanges() {
        ChangeSet cs =
                new ChangeSet("x", "x", false, "FAILED", "No updates are to be performed.", List.of());
        assertTrue(cs.noChanges());
        assertFalse(cs.failed());
    }
}
