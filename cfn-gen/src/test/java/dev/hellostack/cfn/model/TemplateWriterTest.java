package dev.hellostack.cfn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class TemplateWriterTest {

    private static String yaml(Object value) {
        return TemplateWriter.writeYaml(Values.plain(value, "test"));
    }

    @Test
    void stringsThatLookLikeOtherTypesStayStrings() {
        List<Object> values = List.of("true", "false", "yes", "no", "on", "off", "null", "~", "8888", "1.5", "0x1F",
                "1e3", "2010-09-09", "1:30", "n", "Y", "*", "a: b", "#x", "", " padded", "@x", "- x", "{a}", "[a]", "!x", "%x",
                "&x", "a #b", "|", ">");
        String text = yaml(values);
        Object parsed = new Yaml().load(text);
        assertEquals(values, parsed, "YAML 1.1 reads back exactly the strings written:\n" + text);
    }

    @Test
    void typedValuesStayUnquoted() {
        assertEquals("  - true\n  - 8888\n  - plain text\n  - arn:aws:iam::aws:policy/x\n",
                yaml(List.of(true, 8888, "plain text", "arn:aws:iam::aws:policy/x")));
    }

    @Test
    void nestedListsUseCompactIndicators() {
        Object value = Obj.of("If", List.of("C", List.of("a", List.of("b", Obj.of("Ref", "x")), "c"), List.of("d")));
        assertEquals("""
                If:
                  - C
                  - - a
                    - - b
                      - Ref: x
                    - c
                  - - d
                """, yaml(value));
    }

    @Test
    void noDocumentStartMarkerAndNoLineFolding() {
        String longText = "x ".repeat(100).trim();
        String text = yaml(Map.of("Key", longText));
        assertFalse(text.startsWith("---"));
        assertEquals("Key: " + longText + "\n", text);
    }

    @Test
    void multiLineStringsAreLiteralBlocks() {
        assertEquals("Key: |\n  line one\n  line two\n", yaml(Obj.of("Key", "line one\nline two\n")));
    }

    @Test
    void freeFormMapsAreSortedAndObjMapsKeepTheirOrder() {
        assertEquals("a: 1\nb: 2\nc: 3\n", yaml(Map.of("c", 3, "a", 1, "b", 2)));
        assertEquals("c: 3\na: 1\nb: 2\n", yaml(Obj.of("c", 3, "a", 1, "b", 2)));
    }

    @Test
    void tagsAreSortedByKey() {
        assertEquals("  - Key: A\n    Value: \"1\"\n  - Key: B\n    Value: \"2\"\n", yaml(Obj.tags(Map.of("B", "2", "A", "1"))));
    }

    @Test
    void resourceKeysComeInAFixedOrderWithDependsOnSorted() {
        Template t = new Template("demo", "d");
        Fn.Condition c = t.condition("Always", Fn.equalsFn("a", "a"));
        Resource b = t.resource("Bravo", "AWS::SNS::Topic");
        Resource a = t.resource("Alpha", "AWS::SNS::Topic");
        t.resource("Main", "AWS::SQS::Queue")
                .prop("QueueName", "q")
                .metadata(Map.of("Note", "n"))
                .updateReplacePolicy(Resource.Policy.Retain)
                .deletionPolicy(Resource.Policy.Retain)
                .dependsOn(b, a)
                .condition(c);
        String text = TemplateWriter.toYaml(t);
        assertTrue(text.contains("""
                  Main:
                    Type: AWS::SQS::Queue
                    Condition: Always
                    DependsOn:
                      - Alpha
                      - Bravo
                    DeletionPolicy: Retain
                    UpdateReplacePolicy: Retain
                    Metadata:
                      Note: "n"
                    Properties:
                      QueueName: q
                """), text);
    }

    @Test
    void sectionsComeInAFixedOrderAndResourcesInDeclarationOrder() {
        Template t = new Template("demo", "A demo.");
        Parameter p = t.parameter("Name", "String").defaultValue("x");
        t.output("Out", Fn.ref("Zulu"));
        t.resource("Zulu", "AWS::SNS::Topic").prop("TopicName", p.ref());
        t.resource("Alpha", "AWS::SNS::Topic");
        t.parameterGroup("G", p);
        t.condition("C", Fn.equalsFn(p.ref(), "x"));
        String text = TemplateWriter.toYaml(t);
        List<String> order = List.of("AWSTemplateFormatVersion: \"2010-09-09\"", "Description:", "Metadata:",
                "Parameters:", "Conditions:", "Resources:", "  Zulu:", "  Alpha:", "Outputs:");
        int last = -1;
        for (String marker : order) {
            int at = text.indexOf(marker);
            assertTrue(at > last, marker + " out of order in:\n" + text);
            last = at;
        }
    }

    @Test
    void writingTwiceGivesIdenticalText() {
        Template t1 = new Template("demo", "d");
        t1.resource("A", "AWS::SNS::Topic").prop("Tags", Obj.tags(Map.of("z", "1", "a", "2", "m", "3")));
        Template t2 = new Template("demo", "d");
        t2.resource("A", "AWS::SNS::Topic").prop("Tags", Obj.tags(Map.of("m", "3", "z", "1", "a", "2")));
        assertEquals(TemplateWriter.toYaml(t1), TemplateWriter.toYaml(t2));
    }
}
