package dev.hellostack.cfn.resolve;

/** A template that cannot be resolved for the given values: a missing or invalid parameter, a failing rule. */
public class ResolveException extends RuntimeException {

    public ResolveException(String message) {
        super(message);
    }
}
