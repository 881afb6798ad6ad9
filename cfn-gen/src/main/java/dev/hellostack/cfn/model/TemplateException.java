package dev.hellostack.cfn.model;

/** A template that CloudFormation would reject, or that would not do what its author meant. */
public class TemplateException extends RuntimeException {

    public TemplateException(String message) {
        super(message);
    }
}
