package dev.hellostack.cfn.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.TemplateException;
import dev.hellostack.cfn.model.Template;
import dev.hellostack.cfn.stacks.Stack;
import java.util.List;
import java.util.function.BiConsumer;
import dev.hellostack.cfn.stacks.Environment;
import org.junit.jupiter.api.Test;

/** The cross-stack check: imports come only from stacks deployed earlier. */
class GeneratorTest {

    private static Stack stack(String name, BiConsumer<Template, Environment> body) {
        return TestStacks.stack(name, body);
    }

    private static final Stack PRODUCER = stack("producer", (t, env) -> {
        var topic = t.resource("Topic", "AWS::SNS::Topic");
        t.output("TopicArn", topic.ref()).export(env.prefix() + "-TopicArn");
    });

    private static final Stack CONSUMER = stack("consumer", (t, env) ->
            t.resource("Queue", "AWS::SQS::Queue").prop("QueueName", env.prefix())
                    .prop("Tags", List.of(Fn.importValue(env.prefix() + "-TopicArn"))));

    @Test
    void acceptsAnImportFromAnEarlierStack() {
        Generator.checkCrossStack(List.of(PRODUCER, CONSUMER), TestStacks.DEV);
    }

    @Test
    void rejectsAnImportFromALaterStack() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> Generator.checkCrossStack(List.of(CONSUMER, PRODUCER), TestStacks.DEV));
        assertEquals("environment 'dev', stack 'consumer': imports hello-dev-TopicArn from stack 'producer', "
                + "which is not deployed before it", e.getMessage());
    }

    @Test
    void rejectsAnImportNobodyExports() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> Generator.checkCrossStack(List.of(CONSUMER), TestStacks.DEV));
        assertEquals("environment 'dev', stack 'consumer': imports hello-dev-TopicArn, which no stack exports", e.getMessage());
    }

    @Test
    void rejectsTheSameExportFromTwoStacks() {
        Stack twin = stack("twin", (t, env) -> {
            var topic = t.resource("Topic", "AWS::SNS::Topic");
            t.output("TopicArn", topic.ref()).export(env.prefix() + "-TopicArn");
        });
        TemplateException e = assertThrows(TemplateException.class,
                () -> Generator.checkCrossStack(List.of(PRODUCER, twin), TestStacks.DEV));
        assertEquals("environment 'dev', stack 'twin': export hello-dev-TopicArn is already exported by stack 'producer'",
                e.getMessage());
    }
}
