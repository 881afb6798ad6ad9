package dev.hellostack.cfn.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A template parameter. Create it with {@link Template#parameter(String, String)}; set fields fluently.
 * A {@code Number} parameter takes int defaults and allowed values, every other type String ones, so
 * the template never mixes the two; {@link Template#validate()} refuses a default outside the
 * allowed values, range, length or pattern, which CloudFormation would only reject at deploy time.
 */
public final class Parameter {

    private final String id;
    private final String type;
    private Object defaultValue;
    private List<Object> allowedValues;
    private String allowedPattern;
    private Integer minLength;
    private Integer maxLength;
    private Integer minValue;
    private Integer maxValue;
    private boolean noEcho;
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

    /** The default of a parameter of any type but {@code Number}. */
    public Parameter defaultValue(String value) {
        this.defaultValue = value;
        return this;
    }

    /** The default of a {@code Number} parameter. */
    public Parameter defaultValue(int value) {
        this.defaultValue = value;
        return this;
    }

    /** The allowed values of a parameter of any type but {@code Number}. */
    public Parameter allowedValues(String... values) {
        this.allowedValues = List.of((Object[]) values);
        return this;
    }

    /** The allowed values of a {@code Number} parameter. */
    public Parameter allowedValues(int... values) {
        List<Object> list = new ArrayList<>();
        for (int v : values) {
            list.add(v);
        }
        this.allowedValues = List.copyOf(list);
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

    public Parameter range(int min, int max) {
        this.minValue = min;
        this.maxValue = max;
        return this;
    }

    public Parameter noEcho() {
        this.noEcho = true;
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

    /**
     * Throws a {@link TemplateException} naming the stack and parameter when the default or the allowed
     * values have the wrong type for the parameter, when a constraint does not fit the type, or when the
     * default breaks a constraint (CloudFormation checks a default only when a stack uses it).
     */
    void validate(String stackName) {
        String where = "stack '" + stackName + "', parameter '" + id + "'";
        boolean number = "Number".equals(type);
        Class<?> valueType = number ? Integer.class : String.class;
        String expected = number ? "an int (Number parameter)" : "a String (" + type + " parameter)";
        if (defaultValue != null && !valueType.isInstance(defaultValue)) {
            throw new TemplateException(where + ": Default " + defaultValue + " must be " + expected);
        }
        if (allowedValues != null) {
            for (Object v : allowedValues) {
                if (!valueType.isInstance(v)) {
                    throw new TemplateException(where + ": AllowedValues entry " + v + " must be " + expected);
                }
            }
        }
        if (number && (allowedPattern != null || minLength != null)) {
            throw new TemplateException(where + ": AllowedPattern, MinLength and MaxLength apply to String parameters only");
        }
        if (!number && minValue != null) {
            throw new TemplateException(where + ": MinValue and MaxValue apply to Number parameters only");
        }
        Pattern pattern = null;
        if (allowedPattern != null) {
            try {
                pattern = Pattern.compile(allowedPattern);
            } catch (PatternSyntaxException e) {
                throw new TemplateException(where + ": AllowedPattern is not a valid regular expression: "
                        + e.getDescription());
            }
        }
        if (defaultValue == null) {
            return;
        }
        if (allowedValues != null && !allowedValues.contains(defaultValue)) {
            throw new TemplateException(where + ": Default " + defaultValue + " is not one of the AllowedValues "
                    + allowedValues);
        }
        if (minValue != null && ((Integer) defaultValue < minValue || (Integer) defaultValue > maxValue)) {
            throw new TemplateException(where + ": Default " + defaultValue + " is outside MinValue " + minValue
                    + " to MaxValue " + maxValue);
        }
        if (minLength != null) {
            int length = ((String) defaultValue).length();
            if (length < minLength || length > maxLength) {
                throw new TemplateException(where + ": Default '" + defaultValue + "' has " + length
                        + " characters, outside MinLength " + minLength + " to MaxLength " + maxLength);
            }
        }
        // CloudFormation matches AllowedPattern against the whole value, as matches() does.
        if (pattern != null && !pattern.matcher((String) defaultValue).matches()) {
            throw new TemplateException(where + ": Default '" + defaultValue + "' does not match AllowedPattern "
                    + allowedPattern);
        }
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
        putIfSet(out, "MinValue", minValue);
        putIfSet(out, "MaxValue", maxValue);
        if (noEcho) {
            out.put("NoEcho", true);
        }
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
