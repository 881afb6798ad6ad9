package dev.hellostack.cfn.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One CloudFormation template as a typed model. Stack classes declare parameters, conditions,
 * resources and outputs in the order they should appear; {@link #toCfn()} validates the whole
 * template and returns it as plain ordered data for the writer.
 *
 * <p>Declaring a duplicate or non-alphanumeric logical id fails at once. {@link #validate()} rejects
 * a Ref, Fn::GetAtt or {@code ${...}} in an Fn::Sub that points at nothing, a condition that is not
 * declared, a parameter that nothing uses and two outputs with the same export name. Every message
 * names the stack and the resource (or output, or condition) at fault.
 */
public final class Template {

    private static final Pattern LOGICAL_ID = Pattern.compile("[A-Za-z0-9]+");

    private final String stackName;
    private final String description;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, Fn> conditions = new LinkedHashMap<>();
    private final Map<String, Map<String, Map<String, Object>>> mappings = new LinkedHashMap<>();
    private final Map<String, Resource> resources = new LinkedHashMap<>();
    private final Map<String, Output> outputs = new LinkedHashMap<>();
    private final Map<String, List<String>> parameterGroups = new LinkedHashMap<>();

    /**
     * @param stackName   the short name of the stack (such as {@code ecr}); used in error messages
     * @param description the template Description
     */
    public Template(String stackName, String description) {
        this.stackName = stackName;
        this.description = description;
    }

    public String stackName() {
        return stackName;
    }

    public String description() {
        return description;
    }

    public Parameter parameter(String id, String type) {
        checkNewId(id, "parameter");
        Parameter p = new Parameter(id, type);
        parameters.put(id, p);
        return p;
    }

    /** Declares a condition and returns a reference to it, for Resource.condition, Fn.ifThen and Fn.and/or/not. */
    public Fn.Condition condition(String id, Fn expression) {
        checkLogicalId(id, "condition");
        if (conditions.containsKey(id)) {
            throw new TemplateException("stack '" + stackName + "': duplicate condition '" + id + "'");
        }
        conditions.put(id, expression);
        return new Fn.Condition(id);
    }

    /**
     * Declares a mapping: top-level key (such as a Region) to second-level key to value, read with
     * {@link Fn#findInMap}. Keys are written sorted.
     */
    public void mapping(String id, Map<String, Map<String, Object>> entries) {
        checkLogicalId(id, "mapping");
        if (mappings.containsKey(id)) {
            throw new TemplateException("stack '" + stackName + "': duplicate mapping '" + id + "'");
        }
        mappings.put(id, entries);
    }

    public Resource resource(String id, String type) {
        checkNewId(id, "resource");
        Resource r = new Resource(this, id, type);
        resources.put(id, r);
        return r;
    }

    public Output output(String id, Object value) {
        checkLogicalId(id, "output");
        if (outputs.containsKey(id)) {
            throw new TemplateException("stack '" + stackName + "': duplicate output '" + id + "'");
        }
        Output o = new Output(id, value);
        outputs.put(id, o);
        return o;
    }

    /** A group of parameters shown together, in this order, in the CloudFormation console. */
    public void parameterGroup(String label, Parameter... members) {
        List<String> ids = new ArrayList<>();
        for (Parameter p : members) {
            ids.add(p.id());
        }
        parameterGroups.put(label, ids);
    }

    public List<Parameter> parameters() {
        return List.copyOf(parameters.values());
    }

    public List<Resource> resources() {
        return List.copyOf(resources.values());
    }

    public List<Output> outputs() {
        return List.copyOf(outputs.values());
    }

    /** Every value in the template that may hold an intrinsic: conditions, resources, outputs. */
    public List<Object> allValues() {
        List<Object> all = new ArrayList<>(conditions.values());
        for (Resource r : resources.values()) {
            all.addAll(r.values());
        }
        for (Output o : outputs.values()) {
            all.add(o.value());
            if (o.exportName() != null) {
                all.add(o.exportName());
            }
        }
        return all;
    }

    private void checkNewId(String id, String kind) {
        checkLogicalId(id, kind);
        if (parameters.containsKey(id) || resources.containsKey(id)) {
            throw new TemplateException("stack '" + stackName + "', " + kind + " '" + id
                    + "': duplicate logical id (parameters and resources share one namespace)");
        }
    }

    private void checkLogicalId(String id, String kind) {
        if (id == null || !LOGICAL_ID.matcher(id).matches()) {
            throw new TemplateException("stack '" + stackName + "', " + kind + " '" + id
                    + "': logical id must be alphanumeric (A-Z, a-z, 0-9)");
        }
    }

    /** Checks every reference in the template; throws a {@link TemplateException} naming the first problem. */
    public void validate() {
        Set<String> usedParameters = new HashSet<>();
        for (Map.Entry<String, Fn> c : conditions.entrySet()) {
            checkReferences(c.getValue(), "stack '" + stackName + "', condition '" + c.getKey() + "'", usedParameters);
        }
        for (Resource r : resources.values()) {
            if (r.conditionName() != null) {
                checkConditionExists(r.conditionName(), r.where());
            }
            for (String dep : r.dependsOnIds()) {
                if (!resources.containsKey(dep)) {
                    throw new TemplateException(r.where() + ": DependsOn '" + dep + "' is not a resource in this template");
                }
            }
            for (Object v : r.values()) {
                checkReferences(v, r.where(), usedParameters);
            }
        }
        Map<String, String> exportOwners = new HashMap<>();
        for (Output o : outputs.values()) {
            String where = "stack '" + stackName + "', output '" + o.id() + "'";
            if (o.conditionName() != null) {
                checkConditionExists(o.conditionName(), where);
            }
            checkReferences(o.value(), where, usedParameters);
            if (o.exportName() != null) {
                checkReferences(o.exportName(), where, usedParameters);
                String key = String.valueOf(Values.plain(o.exportName(), where));
                String previous = exportOwners.putIfAbsent(key, o.id());
                if (previous != null) {
                    throw new TemplateException(where + ": export name " + key + " is already exported by output '"
                            + previous + "'");
                }
            }
        }
        for (String group : parameterGroups.keySet()) {
            for (String id : parameterGroups.get(group)) {
                if (!parameters.containsKey(id)) {
                    throw new TemplateException("stack '" + stackName + "', parameter group '" + group
                            + "': parameter '" + id + "' is not declared");
                }
            }
        }
        for (Parameter p : parameters.values()) {
            p.validate(stackName);
            if (!usedParameters.contains(p.id())) {
                throw new TemplateException("stack '" + stackName + "', parameter '" + p.id()
                        + "': declared but never used (no Ref or ${" + p.id() + "} refers to it)");
            }
        }
    }

    private void checkConditionExists(String name, String where) {
        if (!conditions.containsKey(name)) {
            throw new TemplateException(where + ": condition '" + name + "' is not declared (declared: "
                    + conditions.keySet() + ")");
        }
    }

    private void checkReferences(Object value, String where, Set<String> usedParameters) {
        Values.forEachFn(value, fn -> {
            if (fn instanceof Fn.Ref ref) {
                checkName(ref.target(), "Ref", where, usedParameters);
            } else if (fn instanceof Fn.GetAtt getAtt) {
                checkResource(getAtt.resource(), "Fn::GetAtt " + getAtt.resource() + "." + getAtt.attribute(), where);
            } else if (fn instanceof Fn.Sub sub) {
                for (String name : sub.placeholders()) {
                    if (sub.variables().containsKey(name)) {
                        continue;
                    }
                    int dot = name.indexOf('.');
                    if (dot > 0 && !name.startsWith("AWS::")) {
                        checkResource(name.substring(0, dot), "${" + name + "} in Fn::Sub", where);
                    } else {
                        checkName(name, "${" + name + "} in Fn::Sub", where, usedParameters);
                    }
                }
            } else if (fn instanceof Fn.FindInMap find) {
                if (!mappings.containsKey(find.map()) || mappings.get(find.map()).values().stream()
                        .anyMatch(entry -> !entry.containsKey(find.secondKey()))) {
                    throw new TemplateException(where + ": Fn::FindInMap " + find.map() + " " + find.secondKey()
                            + " names no mapping with that key in every entry (mappings: " + mappings.keySet() + ")");
                }
            } else if (fn instanceof Fn.If anIf) {
                checkConditionExists(anIf.condition(), where);
            } else if (fn instanceof Fn.Condition condition) {
                checkConditionExists(condition.name(), where);
            }
        });
    }

    private void checkName(String name, String what, String where, Set<String> usedParameters) {
        if (name.startsWith("AWS::")) {
            if (!Fn.Pseudo.isPseudo(name)) {
                throw new TemplateException(where + ": " + what + " names unknown pseudo parameter '" + name + "'");
            }
            return;
        }
        if (parameters.containsKey(name)) {
            usedParameters.add(name);
            return;
        }
        if (!resources.containsKey(name)) {
            throw new TemplateException(where + ": " + what + " points at nothing: no parameter or resource '"
                    + name + "'");
        }
    }

    private void checkResource(String name, String what, String where) {
        if (!resources.containsKey(name)) {
            throw new TemplateException(where + ": " + what + " points at nothing: no resource '" + name + "'");
        }
    }

    /** IAM capabilities CloudFormation needs to deploy this template: NAMED_IAM, IAM, or none. */
    public List<String> capabilities() {
        boolean iam = false;
        boolean named = false;
        for (Resource r : resources.values()) {
            if (r.type().startsWith("AWS::IAM::")) {
                iam = true;
                for (String key : List.of("RoleName", "ManagedPolicyName", "UserName", "GroupName", "InstanceProfileName")) {
                    named |= r.properties().containsKey(key);
                }
            }
        }
        if (named) {
            return List.of("CAPABILITY_NAMED_IAM");
        }
        return iam ? List.of("CAPABILITY_IAM") : List.of();
    }

    /** Export names as written in the template, in output order (an Fn::Sub's template string, or the literal). */
    public List<String> exportNames() {
        List<String> names = new ArrayList<>();
        for (Output o : outputs.values()) {
            if (o.exportName() != null) {
                names.add(nameText(o.exportName()));
            }
        }
        return names;
    }

    /** Names this template imports with Fn::ImportValue, in first-use order, without duplicates. */
    public List<String> importNames() {
        Set<String> names = new LinkedHashSet<>();
        for (Object v : allValues()) {
            Values.forEachFn(v, fn -> {
                if (fn instanceof Fn.ImportValue iv) {
                    names.add(nameText(iv.exportName()));
                }
            });
        }
        return new ArrayList<>(names);
    }

    private String nameText(Object name) {
        if (name instanceof String s) {
            return s;
        }
        if (name instanceof Fn.Sub sub && sub.variables().isEmpty()) {
            return sub.template();
        }
        throw new TemplateException("stack '" + stackName + "': export/import names must be a string or an Fn::Sub "
                + "without variables, got " + Values.plain(name, "name"));
    }

    /** The validated template as ordered plain data, sections in CloudFormation's documented order. */
    public Map<String, Object> toCfn() {
        validate();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("AWSTemplateFormatVersion", "2010-09-09");
        out.put("Description", description);
        if (!parameterGroups.isEmpty()) {
            List<Object> groups = new ArrayList<>();
            for (Map.Entry<String, List<String>> g : parameterGroups.entrySet()) {
                groups.add(Obj.of("Label", Obj.of("default", g.getKey()), "Parameters", new ArrayList<>(g.getValue())));
            }
            out.put("Metadata", Obj.of("AWS::CloudFormation::Interface", Obj.of("ParameterGroups", groups)));
        }
        if (!parameters.isEmpty()) {
            Map<String, Object> ps = new LinkedHashMap<>();
            parameters.forEach((id, p) -> ps.put(id, p.toCfn()));
            out.put("Parameters", ps);
        }
        if (!mappings.isEmpty()) {
            Map<String, Object> ms = new LinkedHashMap<>();
            mappings.forEach((id, m) -> ms.put(id, Values.plain(new java.util.TreeMap<>(m),
                    "stack '" + stackName + "', mapping '" + id + "'")));
            out.put("Mappings", ms);
        }
        if (!conditions.isEmpty()) {
            Map<String, Object> cs = new LinkedHashMap<>();
            conditions.forEach((id, c) -> cs.put(id, Values.plain(c, "stack '" + stackName + "', condition '" + id + "'")));
            out.put("Conditions", cs);
        }
        Map<String, Object> rs = new LinkedHashMap<>();
        resources.forEach((id, r) -> rs.put(id, r.toCfn()));
        out.put("Resources", rs);
        if (!outputs.isEmpty()) {
            Map<String, Object> os = new LinkedHashMap<>();
            outputs.forEach((id, o) -> os.put(id, o.toCfn("stack '" + stackName + "', output '" + id + "'")));
            out.put("Outputs", os);
        }
        return Collections.unmodifiableMap(out);
    }
}
