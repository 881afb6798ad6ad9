package dev.hellostack.cfn.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** A resource. Create it with {@link Template#resource(String, String)}; add properties in documentation order. */
public final class Resource {

    /** What CloudFormation does with the physical resource when the stack deletes or replaces it. */
    public enum Policy { Delete, Retain, Snapshot, RetainExceptOnCreate }

    private final Template template;
    private final String id;
    private final String type;
    private String condition;
    private final TreeSet<String> dependsOn = new TreeSet<>();
    private Policy deletionPolicy;
    private Policy updateReplacePolicy;
    private Map<String, Object> metadata;
    private final Map<String, Object> properties = new LinkedHashMap<>();

    Resource(Template template, String id, String type) {
        this.template = template;
        this.id = id;
        this.type = type;
    }

    public String id() {
        return id;
    }

    public String type() {
        return type;
    }

    /** {@code Ref} to this resource. */
    public Fn.Ref ref() {
        return new Fn.Ref(id);
    }

    /** {@code Fn::GetAtt} of this resource. */
    public Fn.GetAtt getAtt(String attribute) {
        return new Fn.GetAtt(id, attribute);
    }

    /** Adds a property; a second value for the same name is an error. */
    public Resource prop(String name, Object value) {
        if (value == null) {
            throw new TemplateException(where() + ": property " + name + " is null");
        }
        if (properties.putIfAbsent(name, value) != null) {
            throw new TemplateException(where() + ": property " + name + " is set twice");
        }
        return this;
    }

    public Resource condition(Fn.Condition condition) {
        this.condition = condition.name();
        return this;
    }

    public Resource dependsOn(Resource... others) {
        for (Resource other : others) {
            dependsOn.add(other.id);
        }
        return this;
    }

    public Resource deletionPolicy(Policy policy) {
        this.deletionPolicy = policy;
        return this;
    }

    public Resource updateReplacePolicy(Policy policy) {
        this.updateReplacePolicy = policy;
        return this;
    }

    public Resource metadata(Map<String, Object> metadata) {
        this.metadata = metadata;
        return this;
    }

    public Map<String, Object> properties() {
        return Collections.unmodifiableMap(properties);
    }

    /** Everything in this resource that may hold an intrinsic. */
    List<Object> values() {
        List<Object> values = new ArrayList<>();
        values.add(properties);
        if (metadata != null) {
            values.add(metadata);
        }
        return values;
    }

    String where() {
        return "stack '" + template.stackName() + "', resource '" + id + "'";
    }

    /** Keys in a fixed order: Type, Condition, DependsOn (sorted), DeletionPolicy, UpdateReplacePolicy, Metadata, Properties. */
    Map<String, Object> toCfn() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Type", type);
        if (condition != null) {
            out.put("Condition", condition);
        }
        if (!dependsOn.isEmpty()) {
            out.put("DependsOn", new ArrayList<>(dependsOn));
        }
        if (deletionPolicy != null) {
            out.put("DeletionPolicy", deletionPolicy.name());
        }
        if (updateReplacePolicy != null) {
            out.put("UpdateReplacePolicy", updateReplacePolicy.name());
        }
        if (metadata != null) {
            out.put("Metadata", Values.plain(metadata, where() + " Metadata"));
        }
        if (!properties.isEmpty()) {
            out.put("Properties", Values.plain(properties, where() + " Properties"));
        }
        return out;
    }
}
