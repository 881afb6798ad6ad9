package dev.hellostack.cfn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each rejection, with the message that names the stack and the resource. */
class TemplateValidationTest {

    private final Template t = new Template("demo", "A demo.");

    private String rejection(Runnable build) {
        return assertThrows(TemplateException.class, () -> {
            build.run();
            t.validate();
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
    void rejectsARefToNothing() {
        assertEquals("stack 'demo', resource 'Queue': Ref points at nothing: no parameter or resource 'Missing'",
                rejection(() -> t.resource("Queue", "AWS::SQS::Queue").prop("QueueName", Fn.ref("Missing"))));
    }

    @Test
    void rejectsAnUnknownPseudoParameter() {
        assertEquals("stack 'demo', resource 'Queue': Ref names unknown pseudo parameter 'AWS::Regoin'",
                rejection(() -> t.resource("Queue", "AWS::SQS::Queue").prop("QueueName", Fn.ref("AWS::Regoin"))));
    }

    @Test
    void rejectsAGetAttOfAParameterOrNothing() {
        t.parameter("Name", "String");
        assertEquals("stack 'demo', resource 'Queue': Fn::GetAtt Name.Arn points at nothing: no resource 'Name'",
                rejection(() -> t.resource("Queue", "AWS::SQS::Queue").prop("QueueName", Fn.getAtt("Name", "Arn"))));
    }

    @Test
    void rejectsASubPlaceholderThatPointsAtNothing() {
        assertEquals("stack 'demo', resource 'Queue': ${Nope} in Fn::Sub points at nothing: no parameter or resource 'Nope'",
                rejection(() -> t.resource("Queue", "AWS::SQS::Queue").prop("QueueName", Fn.sub("q-${Nope}"))));
    }

    @Test
    void rejectsASubAttributeOfAMissingResource() {
        assertEquals("stack 'demo', resource 'Queue': ${Topic.TopicName} in Fn::Sub points at nothing: no resource 'Topic'",
                rejection(() -> t.resource("Queue", "AWS::SQS::Queue")
                        .prop("QueueName", Fn.sub("q-${Topic.TopicName}"))));
    }

    @Test
    void acceptsPseudoParametersVariablesLiteralsAndAttributesInSub() {
        t.resource("Topic", "AWS::SNS::Topic");
        t.resource("Queue", "AWS::SQS::Queue").prop("QueueName",
                Fn.sub("${AWS::StackName}-${Local}-${!NotARef}-${Topic.TopicName}-${Topic}", Map.of("Local", "x")));
        t.validate();
    }

    @Test
    void rejectsAnUnknownConditionOnAResource() {
        t.condition("Real", Fn.equalsFn("a", "a"));
        assertEquals("stack 'demo', resource 'Queue': condition 'Imagined' is not declared (declared: [Real])",
                rejection(() -> t.resource("Queue", "AWS::SQS::Queue").condition(new Fn.Condition("Imagined"))));
    }

    @Test
    void rejectsAnUnknownConditionInFnIf() {
        assertEquals("stack 'demo', resource 'Queue': condition 'Nope' is not declared (declared: [])",
                rejection(() -> t.resource("Queue", "AWS::SQS::Queue")
                        .prop("QueueName", Fn.ifThen(new Fn.Condition("Nope"), "a", "b"))));
    }

    @Test
    void rejectsAnUnusedParameter() {
        t.parameter("Used", "String");
        t.parameter("Forgotten", "String");
        t.resource("Queue", "AWS::SQS::Queue").prop("QueueName", Fn.sub("${Used}"));
        assertEquals("stack 'demo', parameter 'Forgotten': declared but never used (no Ref or ${Forgotten} refers to it)",
                rejection(() -> { }));
    }

    @Test
    void aParameterUsedOnlyInAConditionCounts() {
        Parameter p = t.parameter("Flag", "String");
        Fn.Condition c = t.condition("On", Fn.equalsFn(p.ref(), "true"));
        t.resource("Queue", "AWS::SQS::Queue").condition(c);
        t.validate();
    }

    @Test
    void rejectsADuplicateExportName() {
        Resource q = t.resource("Queue", "AWS::SQS::Queue");
        t.output("First", q.ref()).export(Fn.sub("${AWS::StackName}-Queue"));
        assertEquals("stack 'demo', output 'Second': export name {Fn::Sub=${AWS::StackName}-Queue} is already "
                        + "exported by output 'First'",
                rejection(() -> t.output("Second", q.getAtt("Arn")).export(Fn.sub("${AWS::StackName}-Queue"))));
    }

    @Test
    void rejectsADependsOnToNothing() {
        Template other = new Template("other", "o");
        Resource elsewhere = other.resource("Elsewhere", "AWS::SNS::Topic");
        assertEquals("stack 'demo', resource 'Queue': DependsOn 'Elsewhere' is not a resource in this template",
                rejection(() -> t.resource("Queue", "AWS::SQS::Queue").dependsOn(elsewhere)));
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
