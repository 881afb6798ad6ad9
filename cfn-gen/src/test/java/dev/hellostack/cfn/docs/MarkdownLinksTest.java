package dev.hellostack.cfn.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every relative link in every Markdown file of the repository resolves, anchors included; the README stays short. */
class MarkdownLinksTest {

    private static final Path ROOT = findRepoRoot();

    /** The repository root: the nearest directory up from here with templates/ and a pom.xml. */
    static Path findRepoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("templates")) && Files.exists(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root (templates/ and pom.xml) above " + Path.of("").toAbsolutePath());
    }
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6} +(.+?) *#*$");
    private static final Set<String> SKIPPED_DIRS = Set.of(".git", "target", "node_modules");

    static List<Path> markdownFiles(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> root.relativize(p).toString().isEmpty()
                            || Stream.of(root.relativize(p).toString().split("/")).noneMatch(SKIPPED_DIRS::contains))
                    .sorted()
                    .toList();
        }
    }

    /** The lines outside fenced code blocks, with inline code spans blanked out. */
    static List<String> prose(String markdown) {
        List<String> lines = new ArrayList<>();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                lines.add("");
            } else {
                lines.add(fenced ? "" : line.replaceAll("`[^`]*`", "``"));
            }
        }
        return lines;
    }

    /** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2. */
    static Set<String> anchors(String markdown) {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.stripLeading().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            Matcher m = HEADING.matcher(line);
            if (!fenced && m.matches()) {
                String slug = m.group(1).toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N} _-]", "")
                        .replace(' ', '-');
                int n = seen.merge(slug, 1, Integer::sum);
                anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
            }
        }
        return anchors;
    }

    /** Problems with the relative links of one file, as "file:line: message". */
    static List<String> brokenLinks(Path root, Path file) throws IOException {
        List<String> problems = new ArrayList<>();
        List<String> lines = prose(Files.readString(file, StandardCharsets.UTF_8));
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = LINK.matcher(lines.get(i));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
                    continue; // https:, mailto: and the like
                }
                String where = root.relativize(file) + ":" + (i + 1) + ": ";
                int hash = target.indexOf('#');
                String pathPart = hash < 0 ? target : target.substring(0, hash);
                Path resolved = pathPart.isEmpty() ? file : file.getParent().resolve(pathPart).normalize();
                if (!resolved.startsWith(root) || !Files.exists(resolved)) {
                    problems.add(where + target + " points at nothing");
                } else if (hash >= 0) {
                    String anchor = target.substring(hash + 1);
                    if (!resolved.toString().endsWith(".md")
                            || !anchors(Files.readString(resolved, StandardCharsets.UTF_8)).contains(anchor)) {
                        problems.add(where + target + " names no heading of " + root.relativize(resolved));
                    }
                }
            }
        }
        return problems;
    }

    @Test
    void everyRelativeLinkResolves() throws IOException {
        List<Path> files = markdownFiles(ROOT);
        assertTrue(files.contains(ROOT.resolve("README.md")) && files.contains(ROOT.resolve("docs/server.md")),
                "expected README.md and docs/*.md among " + files);
        List<String> problems = new ArrayList<>();
        for (Path file : files) {
            problems.addAll(brokenLinks(ROOT, file));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void findsABrokenFileLinkAndABrokenAnchor(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.md"), """
                # Title
                ## Two words, and more
                [ok](b.md) [ok](#two-words-and-more) [ok](b.md#b-heading) `[code](nope.md)`
                [gone](missing.md)
                [bad anchor](b.md#nope)
                ```
                [in a fence](nope.md)
                ```
                [web](https://example.com/x)
                """);
        Files.writeString(dir.resolve("b.md"), "# B heading\n");
        assertEquals(List.of("a.md:4: missing.md points at nothing", "a.md:5: b.md#nope names no heading of b.md"),
                brokenLinks(dir, dir.resolve("a.md")));
    }

    @Test
    void repeatedHeadingsGetNumberedAnchors() {
        assertEquals(Set.of("usage", "usage-1", "a-b-c"), anchors("# Usage\n## Usage\n### A `b` (c)\n".replace("`", "")));
    }

    @Test
    void readmeStaysShort() throws IOException {
        long size = Files.size(ROOT.resolve("README.md"));
        assertTrue(size <= 12 * 1024, "README.md is " + size + " bytes; keep it at most 12 KiB and move reference to docs/");
    }

    /** .ci/run runs exactly the README's step 4, so "run every test" means the same thing everywhere. */
    @Test
    void ciRunsTheReadmeTestCommand() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8);
        String step4 = readme.substring(readme.indexOf("# 4. "));
        String command = step4.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).findFirst().orElseThrow();
        List<String> ciLines = Files.readAllLines(ROOT.resolve(".ci/run"));
        assertTrue(ciLines.contains(command), ".ci/run should run the README's step 4 command: " + command);
    }
}
