package dev.hellostack.cfn.model;

import java.util.LinkedHashMap;
import java.util.Map;

/** A template output, optionally exported for other stacks to import. */
public final class Output {

    private final String id;
    private final Object value;
    private String description;
    private String condition;
    private Object exportName;

    Output(String id, Object value) {
        this.id = id;
        this.value = value;
    }

    public String id() {
        return id;
    }

    public Object value() {
        return value;
    }

    /** The export name (a String or an intrinsic, usually an Fn::Sub), or null when not exported. */
    public Object exportName() {
        return exportName;
    }

    public String description() {
        return description;
    }

    public Output description(String text) {
        this.description = text;
        return this;
    }

    public Output condition(Fn.Condition condition) {
        this.condition = condition.name();
        return this;
    }

    public Output export(Object name) {
        this.exportName = name;
        return this;
    }

    Map<String, Object> toCfn(String where) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (description != null) {
            out.put("Description", description);
        }
        if (condition != null) {
            out.put("Condition", condition);
        }
        out.put("Value", Values.plain(value, where + " Value"));
        if (exportName != null) {
            out.put("Export", Map.of("Name", Values.plain(exportName, where + " Export")));
        }
        return out;
    }
}
