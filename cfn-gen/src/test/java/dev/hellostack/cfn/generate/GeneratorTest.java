package dev.hellostack.cfn.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hellostack.cfn.model.Fn;
import dev.hellostack.cfn.model.TemplateException;
import dev.hellostack.cfn.model.Template;
import dev.hellostack.cfn.stacks.AppEnv;
import dev.hellostack.cfn.stacks.Stack;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The cross-stack check: imports come only from stacks deployed earlier. */
class GeneratorTest {

    private static Stack stack(String name, Consumer<Template> body) {
        return TestStacks.stack(name, body);
    }

    private static final Stack PRODUCER = stack("producer", t -> {
        var topic = t.resource("Topic", "AWS::SNS::Topic");
        t.output("TopicArn", topic.ref()).export(AppEnv.exportName("TopicArn"));
    });

    private static final Stack CONSUMER = stack("consumer", t ->
            t.resource("Queue", "AWS::SQS::Queue").prop("QueueName", Fn.sub("${AppName}-${EnvName}"))
                    .prop("Tags", List.of(AppEnv.importValue("TopicArn"))));

    @Test
    void acceptsAnImportFromAnEarlierStack() {
        Generator.checkCrossStack(List.of(PRODUCER, CONSUMER));
    }

    @Test
    void rejectsAnImportFromALaterStack() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> Generator.checkCrossStack(List.of(CONSUMER, PRODUCER)));
        assertEquals("stack 'consumer': imports ${AppName}-${EnvName}-TopicArn from stack 'producer', "
                + "which is not deployed before it", e.getMessage());
    }

    @Test
    void rejectsAnImportNobodyExports() {
        TemplateException e = assertThrows(TemplateException.class,
                () -> Generator.checkCrossStack(List.of(CONSUMER)));
        assertEquals("stack 'consumer': imports ${AppName}-${EnvName}-TopicArn, which no stack exports", e.getMessage());
    }

    @Test
    void rejectsTheSameExportFromTwoStacks() {
        Stack twin = stack("twin", t -> {
            var topic = t.resource("Topic", "AWS::SNS::Topic");
            t.output("TopicArn", topic.ref()).export(AppEnv.exportName("TopicArn"));
        });
        TemplateException e = assertThrows(TemplateException.class,
                () -> Generator.checkCrossStack(List.of(PRODUCER, twin)));
        assertEquals("stack 'twin': export ${AppName}-${EnvName}-TopicArn is already exported by stack 'producer'",
                e.getMessage());
    }
}
