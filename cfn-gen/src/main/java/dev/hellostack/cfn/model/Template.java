package dev.hellostack.cfn.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One CloudFormation template as a typed model. Stack classes declare parameters, conditions,
 * resources and outputs in the order they should appear; {@link #toCfn()} returns it as plain ordered
 * data for the writer.
 *
 * <p>Declaring a duplicate or non-alphanumeric logical id fails at once (a map would silently keep the
 * second). Everything else a template can get wrong inside itself (a Ref, Fn::GetAtt or {@code ${...}}
 * that points at nothing, an unknown condition, an unused parameter, a default outside its constraints)
 * is cfn-lint's to find (scripts/lint.sh); the generator checks what spans stacks (Generator).
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

    /** The template as ordered plain data, sections in CloudFormation's documented order. */
    public Map<String, Object> toCfn() {
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
