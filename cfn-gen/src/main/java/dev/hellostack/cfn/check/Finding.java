package dev.hellostack.cfn.check;

import java.util.Comparator;

/**
 * One problem a check found in a generated template.
 *
 * @param check    which check found it: {@code spec}, {@code guard} or {@code cross-stack}
 * @param template the template's file name, for example {@code ecr.yaml}
 * @param location where in the template, as a dotted path such as
 *                 {@code Resources.Repository.Properties.ImageScanningConfiguration.ScanOnPush}
 * @param message  what is wrong
 */
public record Finding(String check, String template, String location, String message) {

    /** Orders findings by template, then location, then message, so reports are stable. */
    public static final Comparator<Finding> ORDER = Comparator.comparing(Finding::template)
            .thenComparing(Finding::location)
            .thenComparing(Finding::message);

    @Override
    public String toString() {
        return template + ": " + location + ": " + message;
    }
}
