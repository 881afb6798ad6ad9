package dev.hellostack.cfn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A parameter's Default must fit its own constraints and be of the parameter's type: CloudFormation
 * (and cfn-lint's E2015) would otherwise reject it only when a stack is deployed with the default.
 */
class ParameterDefaultTest {

    private final Template t = new Template("demo", "A demo.");

    /** Declares the parameter, uses it, and validates the template; returns the rejection message. */
    private String rejection(Parameter p) {
        t.resource("Queue", "AWS::SQS::Queue").prop("QueueName", p.ref());
        return assertThrows(TemplateException.class, t::validate).getMessage();
    }

    private void accepted(Parameter p) {
        t.resource("Queue", "AWS::SQS::Queue").prop("QueueName", p.ref());
        t.validate();
    }

    @Test
    void numberParameterWritesIntDefaultAndAllowedValuesOfOneType() {
        Parameter days = t.parameter("Days", "Number").defaultValue(30).allowedValues(7, 30);
        accepted(days);
        Map<String, Object> cfn = days.toCfn();
        assertEquals(30, cfn.get("Default"));
        assertEquals(List.of(7, 30), cfn.get("AllowedValues"));
    }

    @Test
    void rejectsADefaultOutsideTheAllowedValues() {
        assertEquals("stack 'demo', parameter 'Days': Default 31 is not one of the AllowedValues [7, 30]",
                rejection(t.parameter("Days", "Number").defaultValue(31).allowedValues(7, 30)));
        Template other = new Template("demo", "A demo.");
        Parameter level = other.parameter("Level", "String").defaultValue("TRACE").allowedValues("INFO", "DEBUG");
        other.resource("Queue", "AWS::SQS::Queue").prop("QueueName", level.ref());
        assertEquals("stack 'demo', parameter 'Level': Default TRACE is not one of the AllowedValues [INFO, DEBUG]",
                assertThrows(TemplateException.class, other::validate).getMessage());
    }

    @Test
    void rejectsAStringDefaultOnANumberParameter() {
        assertEquals("stack 'demo', parameter 'Days': Default 30 must be an int (Number parameter)",
                rejection(t.parameter("Days", "Number").defaultValue("30")));
    }

    @Test
    void rejectsStringAllowedValuesOnANumberParameter() {
        assertEquals("stack 'demo', parameter 'Days': AllowedValues entry 7 must be an int (Number parameter)",
                rejection(t.parameter("Days", "Number").defaultValue(30).allowedValues("7", "30")));
    }

    @Test
    void rejectsAnIntDefaultOnAStringParameter() {
        assertEquals("stack 'demo', parameter 'Count': Default 2 must be a String (String parameter)",
                rejection(t.parameter("Count", "String").defaultValue(2)));
    }

    @Test
    void rejectsADefaultBelowOrAboveTheRange() {
        assertEquals("stack 'demo', parameter 'Count': Default 0 is outside MinValue 1 to MaxValue 100",
                rejection(t.parameter("Count", "Number").defaultValue(0).range(1, 100)));
        Template other = new Template("demo", "A demo.");
        Parameter high = other.parameter("Count", "Number").defaultValue(101).range(1, 100);
        other.resource("Queue", "AWS::SQS::Queue").prop("QueueName", high.ref());
        assertEquals("stack 'demo', parameter 'Count': Default 101 is outside MinValue 1 to MaxValue 100",
                assertThrows(TemplateException.class, other::validate).getMessage());
    }

    @Test
    void acceptsADefaultOnTheRangeBounds() {
        accepted(t.parameter("Count", "Number").defaultValue(100).range(1, 100));
    }

    @Test
    void rejectsADefaultThatDoesNotMatchThePattern() {
        assertEquals("stack 'demo', parameter 'Name': Default 'Hello' does not match AllowedPattern ^[a-z][a-z0-9-]*$",
                rejection(t.parameter("Name", "String").defaultValue("Hello").allowedPattern("^[a-z][a-z0-9-]*$")));
    }

    @Test
    void patternMustMatchTheWholeDefault() {
        // CloudFormation anchors AllowedPattern at both ends: "abc1" is not allowed by [a-z]+.
        assertEquals("stack 'demo', parameter 'Name': Default 'abc1' does not match AllowedPattern [a-z]+",
                rejection(t.parameter("Name", "String").defaultValue("abc1").allowedPattern("[a-z]+")));
    }

    @Test
    void rejectsAnInvalidPattern() {
        assertEquals("stack 'demo', parameter 'Name': AllowedPattern is not a valid regular expression: Unclosed group",
                rejection(t.parameter("Name", "String").allowedPattern("^(a$")));
    }

    @Test
    void rejectsADefaultOfTheWrongLength() {
        assertEquals("stack 'demo', parameter 'Name': Default 'toolongname' has 11 characters, outside MinLength 1 "
                        + "to MaxLength 10",
                rejection(t.parameter("Name", "String").defaultValue("toolongname").length(1, 10)));
    }

    @Test
    void rejectsConstraintsOfTheOtherType() {
        assertEquals("stack 'demo', parameter 'Count': AllowedPattern, MinLength and MaxLength apply to String "
                        + "parameters only",
                rejection(t.parameter("Count", "Number").allowedPattern("^[0-9]+$")));
        Template other = new Template("demo", "A demo.");
        Parameter name = other.parameter("Name", "String").range(1, 2);
        other.resource("Queue", "AWS::SQS::Queue").prop("QueueName", name.ref());
        assertEquals("stack 'demo', parameter 'Name': MinValue and MaxValue apply to Number parameters only",
                assertThrows(TemplateException.class, other::validate).getMessage());
    }

    @Test
    void aParameterWithoutDefaultNeedsNoCheck() {
        accepted(t.parameter("Days", "Number").allowedValues(7, 30));
    }
}
