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

/** The README's table of stacks and its picture follow the generator, so they cannot silently go stale. */
class ReadmeTest {

    private static String stacksSection() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("<!-- section:stacks -->");
        assertTrue(start >= 0, "README.md has no <!-- section:stacks --> marker");
        int end = readme.indexOf("\n## ", start);
        return end < 0 ? readme.substring(start) : readme.substring(start, end);
    }

    @Test
    void tableNamesEveryStackAndParameterInDeployOrder() throws IOException {
        String section = stacksSection();
        int last = -1;
        for (Stack stack : Stacks.all()) {
            String row = "| `" + stack.stackName() + "` | [" + stack.name() + ".yaml](templates/" + stack.name() + ".yaml) |";
            int at = section.indexOf(row);
            assertTrue(at > last, "README stacks table: expected a row starting with " + row + " after the previous stack");
            int rowEnd = section.indexOf('\n', at);
            String line = section.substring(at, rowEnd);
            for (Parameter p : stack.template().parameters()) {
                if (!p.id().equals("AppName") && !p.id().equals("EnvName")) {
                    assertTrue(line.contains("`" + p.id() + "`"), "README row for " + stack.name() + " lacks parameter " + p.id());
                }
            }
            last = at;
        }
    }

    /** The exclusions table in the cfn-gen section lists exactly the entries of exclusions.yaml, reasons included. */
    @Test
    void exclusionsTableMatchesTheExclusionsFile() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("<!-- section:cfn-gen -->");
        assertTrue(start >= 0, "README.md has no <!-- section:cfn-gen --> marker");
        String section = readme.substring(start, readme.indexOf("\n## ", start));
        var entries = Exclusions.load(Path.of("..")).entries();
        long rows = section.lines().filter(l -> l.matches("\\| (CT|HS)\\.[A-Z]+\\.[A-Z.0-9]+ \\(.*\\) \\| `.*")).count();
        assertTrue(rows == entries.size(), "README exclusions table has " + rows + " rows; exclusions.yaml has " + entries.size());
        for (Exclusions.Exclusion e : entries) {
            String row = "| `" + e.template() + "` | `" + e.resource() + "` | " + e.reason().replaceAll("\\s+", " ").trim() + " |";
            assertTrue(section.lines().anyMatch(l -> l.startsWith("| " + e.control() + " (") && l.endsWith(") " + row)),
                    "README exclusions table lacks, word for word: | " + e.control() + " (...) " + row);
        }
    }

    @Test
    void showsTheGeneratedTrafficPicture() throws IOException {
        String architecture = Generator.render(Stacks.all()).get("ARCHITECTURE.md");
        int start = architecture.indexOf("```mermaid");
        String picture = architecture.substring(start, architecture.indexOf("```\n", start + 3) + 4);
        assertTrue(stacksSection().contains(picture), "README stacks section should embed, unchanged, the traffic "
                + "picture from templates/ARCHITECTURE.md:\n" + picture);
    }
}
