package dev.hellostack.cfn.check;

/** A check could not run at all (missing tool, unreadable input); distinct from a finding. */
public class CheckException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CheckException(String message) {
        super(message);
    }

    public CheckException(String message, Throwable cause) {
        super(message, cause);
    }
}
