package dev.hellostack.cfn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the model refuses while a stack is built, with the message that names the stack and the resource.
 * Whatever else a template can get wrong inside itself is cfn-lint's (scripts/lint.sh).
 */
class TemplateValidationTest {

    private final Template t = new Template("demo", "A demo.");

    private String rejection(Runnable build) {
        return assertThrows(TemplateException.class, () -> {
            build.run();
            t.toCfn();
        }).getMessage();
    }

    @Test
    void rejectsADuplicateLogicalId() {
        t.resource("Queue", "AWS::SQS::Queue");
        assertEquals("stack 'demo', resource 'Queue': duplicate logical id (parameters and resources share one namespace)",
                rejection(() -> t.resource("Queue", "AWS::SNS::Topic")));
    }

    @Test
    void rejectsAResourceNamedLikeAParameter() {
        t.parameter("Name", "String");
        assertEquals("stack 'demo', resource 'Name': duplicate logical id (parameters and resources share one namespace)",
                rejection(() -> t.resource("Name", "AWS::SNS::Topic")));
    }

    @Test
    void rejectsANonAlphanumericLogicalId() {
        assertEquals("stack 'demo', resource 'My-Queue': logical id must be alphanumeric (A-Z, a-z, 0-9)",
                rejection(() -> t.resource("My-Queue", "AWS::SQS::Queue")));
    }

    @Test
    void rejectsAPropertySetTwice() {
        assertEquals("stack 'demo', resource 'Queue': property QueueName is set twice",
                rejection(() -> t.resource("Queue", "AWS::SQS::Queue").prop("QueueName", "a").prop("QueueName", "b")));
    }

    @Test
    void rejectsAnUnsupportedValueType() {
        assertEquals("stack 'demo', resource 'Queue' Properties.DelaySeconds: unsupported value type java.lang.Double "
                        + "(allowed: String, Integer, Long, Boolean, List, Map, Fn)",
                rejection(() -> {
                    t.resource("Queue", "AWS::SQS::Queue").prop("DelaySeconds", 1.5);
                    t.toCfn();
                }));
    }

    @Test
    void capabilitiesFollowTheIamResources() {
        assertEquals(java.util.List.of(), t.capabilities());
        t.resource("Role", "AWS::IAM::Role");
        assertEquals(java.util.List.of("CAPABILITY_IAM"), t.capabilities());
        t.resource("Named", "AWS::IAM::Role").prop("RoleName", "x");
        assertEquals(java.util.List.of("CAPABILITY_NAMED_IAM"), t.capabilities());
    }
}
