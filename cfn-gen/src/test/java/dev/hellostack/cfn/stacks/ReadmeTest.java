package dev.hellostack.cfn.stacks;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hellostack.cfn.check.Exclusions;
import dev.hellostack.cfn.generate.Generator;
import dev.hellostack.cfn.model.Parameter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The docs' table of stacks and its picture (docs/stacks.md) and the exclusions table (cfn-gen/README.md)
 * follow the generator and exclusions.yaml, so they cannot silently go stale.
 */
class ReadmeTest {

    private static String stacksSection() throws IOException {
        String readme = Files.readString(Path.of("..", "docs", "stacks.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("<!-- section:stacks -->");
        assertTrue(start >= 0, "docs/stacks.md has no <!-- section:stacks --> marker");
        int end = readme.indexOf("\n## ", start);
        return end < 0 ? readme.substring(start) : readme.substring(start, end);
    }

    @Test
    void tableNamesEveryStackAndParameterInDeployOrder() throws IOException {
        String section = stacksSection();
        int last = -1;
        for (Stack stack : Stacks.all()) {
            String row = "| `" + stack.stackName() + "` | [" + stack.name() + ".yaml](../templates/" + stack.name() + ".yaml) |";
            int at = section.indexOf(row);
            assertTrue(at > last, "docs/stacks.md stacks table: expected a row starting with " + row + " after the previous stack");
            int rowEnd = section.indexOf('\n', at);
            String line = section.substring(at, rowEnd);
            for (Parameter p : stack.template().parameters()) {
                if (!p.id().equals("AppName") && !p.id().equals("EnvName")) {
                    assertTrue(line.contains("`" + p.id() + "`"), "docs/stacks.md row for " + stack.name() + " lacks parameter " + p.id());
                }
            }
            last = at;
        }
    }

    /** The exclusions table of cfn-gen/README.md lists exactly the entries of exclusions.yaml, reasons included. */
    @Test
    void exclusionsTableMatchesTheExclusionsFile() throws IOException {
        String section = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        var entries = Exclusions.load(Path.of("..")).entries();
        long rows = section.lines().filter(l -> l.matches("\\| (CT|HS)\\.[A-Z0-9]+\\.[A-Z.0-9]+ \\(.*\\) \\| [a-z]+ \\| `.*")).count();
        assertTrue(rows == entries.size(), "cfn-gen/README.md exclusions table has " + rows + " rows; exclusions.yaml has " + entries.size());
        for (Exclusions.Exclusion e : entries) {
            String row = "| " + e.environment() + " | `" + e.template() + "` | `" + e.resource() + "` | "
                    + e.clearedBy().replaceAll("\\s+", " ").trim() + " | " + e.reason().replaceAll("\\s+", " ").trim() + " |";
            assertTrue(section.lines().anyMatch(l -> l.startsWith("| " + e.control() + " (") && l.endsWith(") " + row)),
                    "cfn-gen/README.md exclusions table lacks, word for word: | " + e.control() + " (...) " + row);
        }
    }

    @Test
    void showsTheGeneratedTrafficPicture() throws IOException {
        String architecture = Generator.render(Stacks.all()).get("ARCHITECTURE.md");
        int start = architecture.indexOf("```mermaid");
        String picture = architecture.substring(start, architecture.indexOf("```\n", start + 3) + 4);
        assertTrue(stacksSection().contains(picture), "docs/stacks.md should embed, unchanged, the traffic "
                + "picture from templates/ARCHITECTURE.md:\n" + picture);
    }
}
