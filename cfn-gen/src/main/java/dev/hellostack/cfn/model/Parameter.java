package dev.hellostack.cfn.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A String template parameter. Create it with {@link Template#parameter(String, String)}; set fields
 * fluently. cfn-lint checks that a default fits the constraints (E2015); QuotasTest substitutes
 * MaxLength characters for it.
 */
public final class Parameter {

    private final String id;
    private final String type;
    private Object defaultValue;
    private List<Object> allowedValues;
    private String allowedPattern;
    private Integer minLength;
    private Integer maxLength;
    private String description;
    private String constraintDescription;

    Parameter(String id, String type) {
        this.id = id;
        this.type = type;
    }

    public String id() {
        return id;
    }

    public String type() {
        return type;
    }

    /** The default value as CloudFormation would pass it (a string), or null when there is none. */
    public String defaultAsString() {
        return defaultValue == null ? null : String.valueOf(defaultValue);
    }

    public String description() {
        return description;
    }

    /** {@code Ref} to this parameter. */
    public Fn.Ref ref() {
        return new Fn.Ref(id);
    }

    /** The default. */
    public Parameter defaultValue(String value) {
        this.defaultValue = value;
        return this;
    }

    /** The allowed values. */
    public Parameter allowedValues(String... values) {
        this.allowedValues = List.of((Object[]) values);
        return this;
    }

    public Parameter allowedPattern(String pattern) {
        this.allowedPattern = pattern;
        return this;
    }

    public Parameter length(int min, int max) {
        this.minLength = min;
        this.maxLength = max;
        return this;
    }

    public Parameter description(String text) {
        this.description = text;
        return this;
    }

    public Parameter constraintDescription(String text) {
        this.constraintDescription = text;
        return this;
    }

    Map<String, Object> toCfn() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Type", type);
        if (defaultValue != null) {
            out.put("Default", defaultValue);
        }
        if (allowedValues != null) {
            out.put("AllowedValues", new ArrayList<>(allowedValues));
        }
        putIfSet(out, "AllowedPattern", allowedPattern);
        putIfSet(out, "MinLength", minLength);
        putIfSet(out, "MaxLength", maxLength);
        putIfSet(out, "Description", description);
        putIfSet(out, "ConstraintDescription", constraintDescription);
        return out;
    }

    private static void putIfSet(Map<String, Object> out, String key, Object value) {
        if (value != null) {
            out.put(key, value);
        }
    }
}
