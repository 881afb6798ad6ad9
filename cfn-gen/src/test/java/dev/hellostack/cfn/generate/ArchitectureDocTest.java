package dev.hellostack.cfn.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.Template;
import dev.hellostack.cfn.stacks.Environment;
import dev.hellostack.cfn.stacks.Environments;
import dev.hellostack.cfn.stacks.NetworkStack;
import dev.hellostack.cfn.stacks.Stack;
import dev.hellostack.cfn.stacks.Stacks;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Mermaid pictures in ARCHITECTURE.md. The build renders nothing; instead every diagram line must fit
 * the small subset of Mermaid's flowchart syntax the generator writes, with every label quoted and free
 * of the characters that break Mermaid or GitHub/GitLab rendering.
 */
class ArchitectureDocTest {

    private static final String ID = "[A-Za-z][A-Za-z0-9_]*";
    /** Quoted text: no raw quote, '#', '<' or '>' except the line break and Mermaid's entity codes. */
    private static final String LABEL = "\"(?:[^\"#<>\\r\\n]|<br/>|#(?:quot|lt|gt|35);)+\"";
    private static final Pattern NODE = Pattern.compile(
            "(" + ID + ")(?:\\[" + LABEL + "]|\\(\\(" + LABEL + "\\)\\)|\\[\\(" + LABEL + "\\)])");
    private static final Pattern SUBGRAPH = Pattern.compile("subgraph (" + ID + ")\\[" + LABEL + "]");
    private static final Pattern EDGE = Pattern.compile("(" + ID + ") -->(?:\\|" + LABEL + "\\|)? (" + ID + ")");
    /**
     * Words of Mermaid's flowchart grammar, kept out of ids. {@code end} as an id is a parse error in Mermaid
     * 10, 11 and 12; the others are kept out to be safe.
     */
    private static final Set<String> KEYWORDS = Set.of("end", "subgraph", "graph", "flowchart", "direction",
            "style", "linkStyle", "classDef", "class", "click", "call", "href", "default", "interpolate");

    private static Stack stack(String name, BiConsumer<Template, Environment> body) {
        return TestStacks.stack(name, body);
    }

    private static List<String> diagrams(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```mermaid\n(.*?)```\n", Pattern.DOTALL).matcher(markdown);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }

    /** Checks every line of one diagram against the subset; returns its edges as "from -> to". */
    private static List<String> checkSyntax(String diagram) {
        List<String> lines = diagram.lines().map(String::strip).toList();
        assertEquals("flowchart LR", lines.get(0), diagram);
        Set<String> declared = new HashSet<>();
        List<String> edges = new ArrayList<>();
        int open = 0;
        for (String line : lines.subList(1, lines.size())) {
            Matcher node = NODE.matcher(line);
            Matcher subgraph = SUBGRAPH.matcher(line);
            Matcher edge = EDGE.matcher(line);
            if (line.equals("end")) {
                open--;
                assertTrue(open >= 0, "'end' without a subgraph in:\n" + diagram);
            } else if (subgraph.matches()) {
                open++;
                assertNotKeyword(subgraph.group(1), diagram);
            } else if (node.matches()) {
                assertNotKeyword(node.group(1), diagram);
                assertTrue(declared.add(node.group(1)), "node " + node.group(1) + " declared twice in:\n" + diagram);
            } else if (edge.matches()) {
                for (String end : List.of(edge.group(1), edge.group(2))) {
                    assertTrue(declared.contains(end), "edge to undeclared node " + end + " in:\n" + diagram);
                }
                edges.add(edge.group(1) + " -> " + edge.group(2));
            } else {
                throw new AssertionError("line outside the Mermaid subset (unquoted label or a character Mermaid "
                        + "would misread?): '" + line + "' in:\n" + diagram);
            }
        }
        assertEquals(0, open, "unclosed subgraph in:\n" + diagram);
        return edges;
    }

    /** Participant and message text in a sequence diagram: letters, digits and a few marks Mermaid reads as text. */
    private static final String SEQ_TEXT = "[A-Za-z0-9 ,./()_*-]+";
    private static final Pattern PARTICIPANT = Pattern.compile("participant (" + ID + ") as " + SEQ_TEXT);
    private static final Pattern MESSAGE = Pattern.compile("(" + ID + ")(->>|-->>)(" + ID + "): " + SEQ_TEXT);
    private static final Pattern NOTE = Pattern.compile("Note over (" + ID + "),(" + ID + "): " + SEQ_TEXT);
    private static final Pattern ALT = Pattern.compile("(alt|else) " + SEQ_TEXT);

    /**
     * Checks every line of one sequence diagram against the subset the generator writes (participants, solid
     * and dashed messages, notes over two participants, alt/else/end blocks); returns the messages as
     * "from -> to" with "| " for each open alt block, so a test can see which branch a message is in.
     */
    private static List<String> checkSequence(String diagram) {
        List<String> lines = diagram.lines().map(String::strip).toList();
        assertEquals("sequenceDiagram", lines.get(0), diagram);
        Set<String> declared = new HashSet<>();
        List<String> messages = new ArrayList<>();
        List<String> open = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            Matcher participant = PARTICIPANT.matcher(line);
            Matcher message = MESSAGE.matcher(line);
            Matcher note = NOTE.matcher(line);
            Matcher alt = ALT.matcher(line);
            if (participant.matches()) {
                assertTrue(messages.isEmpty(), "participant after the first message in:\n" + diagram);
                assertNotKeyword(participant.group(1), diagram);
                assertTrue(declared.add(participant.group(1)), "participant declared twice in:\n" + diagram);
            } else if (message.matches() || note.matches()) {
                Matcher m = message.matches() ? message : note;
                String from = m.group(1);
                String to = message.matches() ? m.group(3) : m.group(2);
                assertTrue(declared.contains(from) && declared.contains(to), "undeclared participant in '" + line + "'");
                if (message.matches()) {
                    messages.add("| ".repeat(open.size()) + from + " -> " + to + ": " + line.substring(line.indexOf(": ") + 2));
                }
            } else if (alt.matches()) {
                if (alt.group(1).equals("alt")) {
                    open.add(line);
                } else {
                    assertTrue(!open.isEmpty(), "'else' outside an alt block in:\n" + diagram);
                }
            } else if (line.equals("end")) {
                assertTrue(!open.isEmpty(), "'end' without an alt block in:\n" + diagram);
                open.remove(open.size() - 1);
            } else {
                throw new AssertionError("line outside the Mermaid sequence subset: '" + line + "' in:\n" + diagram);
            }
        }
        assertEquals(List.of(), open, "unclosed alt block in:\n" + diagram);
        return messages;
    }

    @Test
    void theSequenceCheckRefusesWhatMermaidWouldMisread() {
        assertThrows(AssertionError.class, () -> checkSequence("sequenceDiagram\n  participant a as A\n  a->>b: x\n"));
        assertThrows(AssertionError.class, () -> checkSequence("sequenceDiagram\n  participant a as A\n  a->>a: x; y\n"));
        assertThrows(AssertionError.class, () -> checkSequence("sequenceDiagram\n  participant a as A\n  alt x\n"));
        assertThrows(AssertionError.class, () -> checkSequence("sequenceDiagram\n  participant end as A\n"));
        assertEquals(List.of("| a -> a: x"), checkSequence("sequenceDiagram\n  participant a as A\n  alt y\n  a->>a: x\n  end\n"));
    }

    /** The release picture: the check runs before production moves, and both failure paths roll back. */
    @Test
    void theReleaseSequenceShowsTheCheckBeforeProductionAndBothRollbacks() {
        List<String> blocks = diagrams(Generator.render(Stacks.all(), Environments.all()).get("ARCHITECTURE.md"));
        List<String> messages = checkSequence(blocks.get(3));
        int test = messages.indexOf("ecs -> rules: test rule to green, weight 100");
        int check = messages.indexOf("ecs -> check: invoke at POST_TEST_TRAFFIC_SHIFT");
        int production = messages.indexOf("| ecs -> rules: production rule to green, weight 100");
        assertTrue(test >= 0 && check > test && production > check, String.join("\n", messages));
        assertTrue(messages.contains("| check -> ecs: FAILED"), String.join("\n", messages));
        assertTrue(messages.contains("| | alarms -> ecs: ALARM"), String.join("\n", messages));
        assertTrue(messages.contains("| | ecs -> rules: production rule back to blue"), String.join("\n", messages));
        assertTrue(messages.contains("| ecs -> rules: test rule back to blue"), String.join("\n", messages));
    }

    private static void assertNotKeyword(String id, String diagram) {
        assertTrue(!KEYWORDS.contains(id), "Mermaid keyword '" + id + "' used as an id in:\n" + diagram);
    }

    @Test
    void labelQuotesTextAndEscapesWhatMermaidWouldMisread() {
        assertEquals("\"a #quot;b#quot; #lt;c#gt; #35;1 (d) {e} [f] g/h: i; j|k<br/>second line\"",
                ArchitectureDoc.label("a \"b\" <c> #1 (d) {e} [f] g/h: i; j|k", "second\nline"));
    }

    @Test
    void labelNeedsALine() {
        assertThrows(IllegalArgumentException.class, ArchitectureDoc::label);
    }

    @Test
    void theGeneratedPicturesUseOnlyQuotedLabelsAndSafeIds() {
        List<String> blocks = diagrams(Generator.render(Stacks.all(), Environments.all()).get("ARCHITECTURE.md"));
        assertEquals(4, blocks.size());
        for (String block : blocks.subList(0, 3)) {
            checkSyntax(block);
        }
        checkSequence(blocks.get(3));
    }

    @Test
    void theTrafficPathRunsFromTheInternetThroughTheEndpointsToAws() {
        String traffic = diagrams(Generator.render(Stacks.all(), Environments.all()).get("ARCHITECTURE.md")).get(0);
        assertEquals(List.of("internet -> alb", "alb -> tgServing", "alb -> tgNew", "tgServing -> tasks",
                "tgNew -> newTasks", "check -> newTasks", "check -> endpoints", "tasks -> endpoints", "endpoints -> ecr",
                "endpoints -> logs", "endpoints -> elb", "tasks -> s3gw", "s3gw -> s3"), checkSyntax(traffic));
        assertTrue(traffic.contains("endpoints[\"Interface endpoints<br/>"
                + String.join(", ", NetworkStack.INTERFACE_ENDPOINTS) + "\"]"), traffic);
    }

    @Test
    void everyImportIsAnArrowFromItsExporter() {
        List<Stack> stacks = Stacks.all();
        String graph = diagrams(Generator.render(stacks, Environments.all()).get("ARCHITECTURE.md")).get(1);
        List<String> edges = checkSyntax(graph);
        int imports = 0;
        for (Stack consumer : stacks) {
            for (String imported : consumer.template(TestStacks.DEV).importNames()) {
                imports++;
                String name = imported.startsWith("hello-dev-") ? imported.substring("hello-dev-".length())
                        : imported.substring("hello-".length()) + " (repository)";
                Stack producer = stacks.stream().filter(p -> p.template(TestStacks.DEV).exportNames().contains(imported))
                        .findFirst().orElseThrow();
                assertTrue(edges.contains(ArchitectureDoc.id(producer) + " -> " + ArchitectureDoc.id(consumer)), graph);
                assertTrue(Pattern.compile(ArchitectureDoc.id(producer) + " -->\\|\"(?:[^\"]*<br/>)?" + Pattern.quote(name)
                        + "(?:<br/>[^\"]*)?\"\\| " + ArchitectureDoc.id(consumer)).matcher(graph).find(),
                        "no arrow " + producer.name() + " -> " + consumer.name() + " carrying " + name + " in:\n" + graph);
            }
        }
        assertTrue(imports > 0);
    }

    @Test
    void stacksNamedLikeMermaidKeywordsStillMakeAValidPicture() {
        Stack end = stack("end", (t, env) -> {
            var topic = t.resource("Topic", "AWS::SNS::Topic");
            t.output("TopicArn", topic.ref()).export(env.prefix() + "-TopicArn");
        });
        Stack defaults = stack("default", (t, env) ->
                t.resource("Queue", "AWS::SQS::Queue").prop("QueueName", env.prefix())
                        .prop("Tags", List.of(Fn.importValue(env.prefix() + "-TopicArn"))));
        String graph = diagrams(ArchitectureDoc.render(List.of(end, defaults), Environments.all())).get(1);
        assertEquals(List.of("stack_end -> stack_default"), checkSyntax(graph));
    }

    /** The trust picture's arrows are what the gitlab-oidc template grants: each PassRole and each trust. */
    @Test
    void theTrustChainShowsWhatThePoliciesGrant() {
        String trust = diagrams(Generator.render(Stacks.all(), Environments.all()).get("ARCHITECTURE.md")).get(2);
        assertEquals(List.of("mrJob -> changeSetRole", "mainJob -> deployRole", "tagJob -> imageTagRole",
                "changeSetRole -> execRole", "deployRole -> execRole", "execRole -> workloadRoles",
                "workloadRoles -> ecsTasks", "workloadRoles -> flowLogs", "workloadRoles -> ecsService",
                "workloadRoles -> lambda"), checkSyntax(trust));
        String oidc = dev.hellostack.cfn.model.TemplateWriter.toYaml(new dev.hellostack.cfn.stacks.GitlabOidcStack()
                .template(TestStacks.DEV));
        // both the change-set and the deploy role may pass exactly the execution role, to CloudFormation
        assertEquals(2, oidc.split("Sid: PassOnlyTheExecutionRole", -1).length - 1, oidc);
        assertTrue(oidc.contains("iam:PassedToService: cloudformation.amazonaws.com"));
        // the image-tag role may pass nothing
        String imageTag = oidc.substring(oidc.indexOf("  ImageTagRole:"), oidc.indexOf("Outputs:"));
        assertTrue(!imageTag.contains("iam:PassRole"), imageTag);
    }

    @Test
    void environmentsAreListedWithTheirValues() {
        String md = Generator.render(Stacks.all(), Environments.all()).get("ARCHITECTURE.md");
        assertTrue(md.contains("| `prod` | "), md);
        assertTrue(md.contains("HTTPS (CertificateArn, DomainName at deploy time), deletion protection, access logs 365 days"), md);
        assertTrue(md.contains("| `dev` | "), md);
        assertTrue(md.contains("[dev/service.yaml](dev/service.yaml), [prod/service.yaml](prod/service.yaml)"), md);
    }
}
