package dev.hellostack.cfn.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The build gate: every check over the committed templates/*.yaml, with the repository's
 * exclusions and deploy order. Any finding fails {@code mvn verify}.
 */
class RepositoryTemplatesTest {

    @Test
    void committedTemplatesPassEveryCheck() {
        TemplateChecks.Report report = TemplateChecks.run(Fixtures.repoRoot());
        System.out.println("[checks] " + report.describe());
        assertTrue(report.findings().isEmpty(), report.describe());
    }

    @Test
    void withoutTemplatesThereIsNothingThatCouldHideAProblem() {
        // Until the generator has written templates, there must be no deploy order and no
        // exclusion either (the stale-exclusion and missing-stacks.json findings cover the rest).
        if (Templates.yamlFiles(Fixtures.repoRoot().resolve("templates")).isEmpty()) {
            assertFalse(Files.exists(Fixtures.repoRoot().resolve(CrossStackCheck.STACKS_FILE)),
                    "templates/stacks.json lists stacks, but templates/ has no *.yaml");
            assertEquals(List.of(), Exclusions.load(Fixtures.repoRoot()).entries());
        }
    }
}
