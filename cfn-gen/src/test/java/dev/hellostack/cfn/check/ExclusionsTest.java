package dev.hellostack.cfn.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExclusionsTest {

    private static final GuardCheck.Failure NO_SCAN = new GuardCheck.Failure("CT.ECR.PR.2", "ecr.yaml", "Repository",
            "Require Amazon ECR private repositories to have image scanning enabled",
            "Set 'ScanOnPush' in 'ImageScanningConfiguration' to 'true'.");

    private static Exclusions parse(String yaml) {
        try {
            JsonNode node = new ObjectMapper(new YAMLFactory()).readTree(yaml);
            return Exclusions.parse("exclusions.yaml", node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final String EXCLUDE_NO_SCAN = """
            exclusions:
              - control: CT.ECR.PR.2
                environment: dev
                template: ecr.yaml
                resource: Repository
                clearedBy: ScanOnPush true (prod)
                reason: scanning is done elsewhere
            """;

    @Test
    void anExcludedFailureIsNoFinding() {
        assertEquals(List.of(), parse(EXCLUDE_NO_SCAN).apply("dev", List.of(NO_SCAN)));
    }

    @Test
    void aFailureNotExcludedIsAFinding() {
        assertEquals(List.of("dev/ecr.yaml: Resources.Repository: CT.ECR.PR.2 Require Amazon ECR private repositories to have "
                        + "image scanning enabled [FIX: Set 'ScanOnPush' in 'ImageScanningConfiguration' to 'true'.] (fix the "
                        + "template or the dev environment; if it cannot pass there by design, add an exclusion with the "
                        + "reason to exclusions.yaml)"),
                parse("exclusions: []").apply("dev", List.of(NO_SCAN)).stream().map(Finding::toString).toList());
    }

    @Test
    void aStaleExclusionIsAFinding() {
        assertEquals(List.of("dev/ecr.yaml: Resources.Repository: stale exclusion: CT.ECR.PR.2 no longer fails here; "
                        + "remove it from exclusions.yaml"),
                parse(EXCLUDE_NO_SCAN).apply("dev", List.of()).stream().map(Finding::toString).toList());
    }

    @Test
    void anExclusionForAnotherResourceDoesNotCoverTheFailure() {
        String other = EXCLUDE_NO_SCAN.replace("resource: Repository", "resource: OtherRepository");
        List<String> findings = parse(other).apply("dev", List.of(NO_SCAN)).stream().map(Finding::toString).toList();
        assertEquals(2, findings.size(), findings.toString());
        assertEquals(true, findings.get(0).startsWith("dev/ecr.yaml: Resources.OtherRepository: stale exclusion: CT.ECR.PR.2"));
        assertEquals(true, findings.get(1).startsWith("dev/ecr.yaml: Resources.Repository: CT.ECR.PR.2 Require"));
    }

    @Test
    void anExclusionCoversOnlyItsOwnEnvironment() {
        List<String> findings = parse(EXCLUDE_NO_SCAN).apply("prod", List.of(NO_SCAN)).stream().map(Finding::toString).toList();
        assertEquals(1, findings.size(), findings.toString());
        assertEquals(true, findings.get(0).startsWith("prod/ecr.yaml: Resources.Repository: CT.ECR.PR.2 Require"), findings.get(0));
    }

    @Test
    void anExclusionWithoutAReasonIsRejected() {
        CheckException e = assertThrows(CheckException.class,
                () -> parse(EXCLUDE_NO_SCAN.replace("reason: scanning is done elsewhere", "reason: \"\"")));
        assertEquals("exclusions.yaml: exclusions[0]: `reason` is required (a non-empty string); each exclusion needs "
                + "control, environment, template, resource, clearedBy, reason", e.getMessage());
    }

    @Test
    void unknownKeysAndDuplicatesAreRejected() {
        CheckException unknown = assertThrows(CheckException.class,
                () -> parse(EXCLUDE_NO_SCAN.replace("resource:", "resourse:")));
        assertEquals("exclusions.yaml: exclusions[0]: unknown key `resourse`; allowed: control, environment, template, resource, clearedBy, reason",
                unknown.getMessage());
        String twice = EXCLUDE_NO_SCAN + EXCLUDE_NO_SCAN.substring("exclusions:\n".length());
        CheckException duplicate = assertThrows(CheckException.class, () -> parse(twice));
        assertEquals("exclusions.yaml: exclusions[1]: duplicate exclusion of CT.ECR.PR.2 for ecr.yaml Repository in dev",
                duplicate.getMessage());
    }

    @Test
    void theRepositoryExclusionsFileParses() {
        Exclusions.load(Fixtures.repoRoot());
    }
}
