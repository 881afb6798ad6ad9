package dev.hellostack.cfn.resolve;

import dev.hellostack.cfn.check.ResourceSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Evaluates a template (plain data, as the writer produces it) for given parameter values, the way a
 * CloudFormation hook sees it: parameters substituted (their constraints and the template's Rules
 * checked first), Conditions evaluated, resources and outputs whose condition is false removed,
 * {@code Fn::If} replaced by the chosen branch, {@code AWS::NoValue} removed, and {@code Fn::Sub},
 * {@code Fn::Join}, {@code Fn::Select} and {@code Fn::Split} folded where all their inputs are now known.
 * What only CloudFormation knows at deploy time stays as written: pseudo parameters, {@code Ref} and
 * {@code Fn::GetAtt} of resources, {@code Fn::ImportValue}, {@code Fn::GetAZs}, {@code Fn::Cidr}.
 *
 * <p>Parameter values are strings ("when you use the parameter elsewhere in your template (for example,
 * by using the Ref intrinsic function), the parameter value becomes a string", CloudFormation user guide,
 * "Parameters", Number). A resource handler and a hook then receive each property in the type of the
 * resource's schema; with a {@link ResourceSpec}, a string that replaced a parameter is turned into the
 * Integer, Double or Boolean the specification gives for that property.
 */
public final class Resolver {

    /** Marks a value that {@code AWS::NoValue} removed. */
    private static final Object NO_VALUE = new Object();
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");

    private final ResourceSpec spec;
    private final Map<String, String> importsBySuffix;

    /** @param spec the resource specification used to type property values, or null to keep strings */
    public Resolver(ResourceSpec spec) {
        this(spec, Map.of());
    }

    /**
     * @param spec            the resource specification used to type property values, or null to keep strings
     * @param importsBySuffix sample values of exports, by the part of the export name after
     *                        {@code ${AppName}-${EnvName}-}: an {@code Fn::ImportValue} whose name folds to a
     *                        text ending in {@code -<suffix>} becomes that value, as CloudFormation resolves
     *                        imports before a hook sees the resource (the checks use this where a control
     *                        tests the value's shape, such as a Lambda function's subnet list)
     */
    public Resolver(ResourceSpec spec, Map<String, String> importsBySuffix) {
        this.spec = spec;
        this.importsBySuffix = Map.copyOf(importsBySuffix);
    }

    /**
     * The resolved template.
     *
     * @param name   the template's name, for messages
     * @param values parameter values; parameters not given take their Default
     * @throws ResolveException naming the parameter, rule or construct at fault
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> resolve(String name, Map<String, Object> template, Map<String, String> values) {
        Map<String, Object> declared = (Map<String, Object>) template.getOrDefault("Parameters", Map.of());
        for (String given : values.keySet()) {
            if (!declared.containsKey(given)) {
                throw new ResolveException(name + ": parameter " + given + " is given a value but the template does not "
                        + "declare it (declared: " + declared.keySet() + ")");
            }
        }
        Map<String, Object> params = new LinkedHashMap<>();
        declared.forEach((id, decl) -> params.put(id, parameterValue(name, id, (Map<String, Object>) decl, values.get(id))));
        Scope scope = new Scope(name, params, (Map<String, Object>) template.getOrDefault("Conditions", Map.of()));

        Map<String, Object> rules = (Map<String, Object>) template.getOrDefault("Rules", Map.of());
        rules.forEach((id, rule) -> scope.checkRule(id, (Map<String, Object>) rule));

        Map<String, Object> out = new LinkedHashMap<>();
        out.put("AWSTemplateFormatVersion", template.get("AWSTemplateFormatVersion"));
        if (template.containsKey("Description")) {
            out.put("Description", template.get("Description"));
        }
        Map<String, Object> resources = new LinkedHashMap<>();
        Map<String, Object> inputResources = (Map<String, Object>) template.getOrDefault("Resources", Map.of());
        for (Map.Entry<String, Object> e : inputResources.entrySet()) {
            Map<String, Object> r = (Map<String, Object>) e.getValue();
            if (r.containsKey("Condition") && !scope.condition((String) r.get("Condition"))) {
                continue;
            }
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<String, Object> field : r.entrySet()) {
                switch (field.getKey()) {
                    case "Condition" -> { }
                    case "DependsOn" -> {
                        List<Object> kept = new ArrayList<>();
                        for (Object dep : (List<Object>) field.getValue()) {
                            Map<String, Object> target = (Map<String, Object>) inputResources.get(dep);
                            if (target != null && (!target.containsKey("Condition")
                                    || scope.condition((String) target.get("Condition")))) {
                                kept.add(dep);
                            }
                        }
                        if (!kept.isEmpty()) {
                            copy.put("DependsOn", kept);
                        }
                    }
                    case "Properties" -> {
                        Object props = scope.eval(field.getValue(), "Resources." + e.getKey() + ".Properties");
                        if (props != NO_VALUE) {
                            copy.put("Properties", typed(props, (String) r.get("Type")));
                        }
                    }
                    default -> copy.put(field.getKey(), scope.eval(field.getValue(), "Resources." + e.getKey() + "." + field.getKey()));
                }
            }
            resources.put(e.getKey(), copy);
        }
        out.put("Resources", resources);
        Map<String, Object> outputs = new LinkedHashMap<>();
        ((Map<String, Object>) template.getOrDefault("Outputs", Map.of())).forEach((id, o) -> {
            Map<String, Object> output = (Map<String, Object>) o;
            if (output.containsKey("Condition") && !scope.condition((String) output.get("Condition"))) {
                return;
            }
            Map<String, Object> copy = new LinkedHashMap<>(output);
            copy.remove("Condition");
            outputs.put(id, scope.eval(copy, "Outputs." + id));
        });
        if (!outputs.isEmpty()) {
            out.put("Outputs", outputs);
        }
        return out;
    }

    // ---- parameters ----

    @SuppressWarnings("unchecked")
    private static Object parameterValue(String template, String id, Map<String, Object> decl, String given) {
        String where = template + ": parameter " + id;
        String value = given != null ? given : decl.containsKey("Default") ? String.valueOf(decl.get("Default")) : null;
        if (value == null) {
            throw new ResolveException(where + " has no Default and no value was given");
        }
        String type = String.valueOf(decl.get("Type"));
        List<String> items = type.equals("CommaDelimitedList") ? List.of(value.split(",", -1)) : List.of(value);
        for (String item : items) {
            if (decl.containsKey("AllowedValues")
                    && ((List<Object>) decl.get("AllowedValues")).stream().map(String::valueOf).noneMatch(item::equals)) {
                throw new ResolveException(where + ": '" + item + "' is not one of " + decl.get("AllowedValues"));
            }
            if (decl.containsKey("AllowedPattern") && !Pattern.compile(String.valueOf(decl.get("AllowedPattern")))
                    .matcher(item).matches()) {
                throw new ResolveException(where + ": '" + item + "' does not match " + decl.get("AllowedPattern"));
            }
        }
        if (decl.containsKey("MinLength") && value.length() < ((Number) decl.get("MinLength")).intValue()
                || decl.containsKey("MaxLength") && value.length() > ((Number) decl.get("MaxLength")).intValue()) {
            throw new ResolveException(where + ": '" + value + "' is not " + decl.get("MinLength") + " to "
                    + decl.get("MaxLength") + " characters long");
        }
        if (type.equals("Number")) {
            double number;
            try {
                number = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new ResolveException(where + ": '" + value + "' is not a number");
            }
            if (decl.containsKey("MinValue") && number < ((Number) decl.get("MinValue")).doubleValue()
                    || decl.containsKey("MaxValue") && number > ((Number) decl.get("MaxValue")).doubleValue()) {
                throw new ResolveException(where + ": " + value + " is outside " + decl.get("MinValue") + " to "
                        + decl.get("MaxValue"));
            }
        }
        return type.equals("CommaDelimitedList") ? items : value;
    }

    // ---- evaluation ----

    private final class Scope {
        private final String template;
        private final Map<String, Object> params;
        private final Map<String, Object> conditionDefs;
        private final Map<String, Boolean> conditions = new HashMap<>();

        Scope(String template, Map<String, Object> params, Map<String, Object> conditionDefs) {
            this.template = template;
            this.params = params;
            this.conditionDefs = conditionDefs;
        }

        boolean condition(String id) {
            Boolean known = conditions.get(id);
            if (known != null) {
                return known;
            }
            if (!conditionDefs.containsKey(id)) {
                throw new ResolveException(template + ": condition " + id + " is not declared");
            }
            boolean value = truth(conditionDefs.get(id), "Conditions." + id);
            conditions.put(id, value);
            return value;
        }

        @SuppressWarnings("unchecked")
        void checkRule(String id, Map<String, Object> rule) {
            String where = "Rules." + id;
            if (rule.containsKey("RuleCondition") && !truth(rule.get("RuleCondition"), where + ".RuleCondition")) {
                return;
            }
            for (Object a : (List<Object>) rule.getOrDefault("Assertions", List.of())) {
                Map<String, Object> assertion = (Map<String, Object>) a;
                if (!truth(assertion.get("Assert"), where + ".Assert")) {
                    throw new ResolveException(template + ": rule " + id + " fails: "
                            + assertion.getOrDefault("AssertDescription", "(no AssertDescription)"));
                }
            }
        }

        /** A condition or rule expression's value. */
        @SuppressWarnings("unchecked")
        boolean truth(Object expression, String where) {
            if (!(expression instanceof Map<?, ?> map) || map.size() != 1) {
                throw new ResolveException(template + ": " + where + ": expected a condition function, got " + expression);
            }
            Map.Entry<String, Object> fn = ((Map<String, Object>) map).entrySet().iterator().next();
            Object arg = fn.getValue();
            switch (fn.getKey()) {
                case "Condition":
                    return condition((String) arg);
                case "Fn::Not":
                    return !truth(((List<Object>) arg).get(0), where);
                case "Fn::And":
                    return ((List<Object>) arg).stream().allMatch(c -> truth(c, where));
                case "Fn::Or":
                    return ((List<Object>) arg).stream().anyMatch(c -> truth(c, where));
                case "Fn::Equals": {
                    List<Object> pair = (List<Object>) arg;
                    return literal(eval(pair.get(0), where), where).equals(literal(eval(pair.get(1), where), where));
                }
                case "Fn::Contains": {
                    List<Object> pair = (List<Object>) arg;
                    Object list = literal(eval(pair.get(0), where), where);
                    Object value = literal(eval(pair.get(1), where), where);
                    return list instanceof List<?> l && l.stream().map(String::valueOf).anyMatch(String.valueOf(value)::equals);
                }
                case "Fn::EachMemberIn": {
                    List<Object> pair = (List<Object>) arg;
                    Object members = literal(eval(pair.get(0), where), where);
                    Object allowed = literal(eval(pair.get(1), where), where);
                    return members instanceof List<?> m && allowed instanceof List<?> a
                            && m.stream().map(String::valueOf).allMatch(x -> a.stream().map(String::valueOf).anyMatch(x::equals));
                }
                default:
                    throw new ResolveException(template + ": " + where + ": " + fn.getKey()
                            + " is not supported in a condition by cfn-gen resolve");
            }
        }

        /** A value that must be fully known (a string or a list of strings), compared as text. */
        private Object literal(Object value, String where) {
            if (value instanceof String || value instanceof Number || value instanceof Boolean) {
                return String.valueOf(value);
            }
            if (value instanceof List<?> list && list.stream().allMatch(v -> v instanceof String)) {
                return list;
            }
            throw new ResolveException(template + ": " + where + ": cannot evaluate " + value
                    + " before deployment (only parameters and literals can be compared)");
        }

        @SuppressWarnings("unchecked")
        Object eval(Object value, String where) {
            if (value instanceof List<?> list) {
                List<Object> out = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    Object v = eval(list.get(i), where + "[" + i + "]");
                    if (v != NO_VALUE) {
                        out.add(v);
                    }
                }
                return out;
            }
            if (!(value instanceof Map<?, ?> raw)) {
                return value;
            }
            Map<String, Object> map = (Map<String, Object>) raw;
            if (map.size() == 1) {
                Map.Entry<String, Object> only = map.entrySet().iterator().next();
                String key = only.getKey();
                Object arg = only.getValue();
                switch (key) {
                    case "Ref":
                        if ("AWS::NoValue".equals(arg)) {
                            return NO_VALUE;
                        }
                        if (params.containsKey(arg)) {
                            return params.get(arg);
                        }
                        return map;
                    case "Fn::If": {
                        List<Object> args = (List<Object>) arg;
                        return eval(condition((String) args.get(0)) ? args.get(1) : args.get(2), where);
                    }
                    case "Fn::Sub":
                        return sub(arg, where);
                    case "Fn::Join": {
                        List<Object> args = (List<Object>) arg;
                        Object items = eval(args.get(1), where);
                        if (items instanceof List<?> l && l.stream().allMatch(v -> v instanceof String)) {
                            return String.join((String) args.get(0), (List<String>) l);
                        }
                        return Map.of(key, List.of(args.get(0), items));
                    }
                    case "Fn::Select": {
                        List<Object> args = (List<Object>) arg;
                        Object index = eval(args.get(0), where);
                        Object items = eval(args.get(1), where);
                        if (items instanceof List<?> l && (index instanceof Number || index instanceof String)) {
                            int i = Integer.parseInt(String.valueOf(index));
                            if (i >= l.size()) {
                                throw new ResolveException(template + ": " + where + ": Fn::Select index " + i
                                        + " is out of range for " + l);
                            }
                            return l.get(i);
                        }
                        return Map.of(key, List.of(index, items));
                    }
                    case "Fn::ImportValue": {
                        Object name = eval(arg, where);
                        if (name instanceof String n) {
                            for (Map.Entry<String, String> i : importsBySuffix.entrySet()) {
                                if (n.endsWith("-" + i.getKey())) {
                                    return i.getValue();
                                }
                            }
                        }
                        return Map.of(key, name);
                    }
                    case "Fn::Split": {
                        List<Object> args = (List<Object>) arg;
                        Object source = eval(args.get(1), where);
                        if (source instanceof String s) {
                            return List.of(s.split(Pattern.quote((String) args.get(0)), -1));
                        }
                        return Map.of(key, List.of(args.get(0), source));
                    }
                    default:
                        if (key.startsWith("Fn::") || key.equals("Condition")) {
                            return Map.of(key, eval(arg, where));
                        }
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : map.entrySet()) {
                Object v = eval(e.getValue(), where + "." + e.getKey());
                if (v != NO_VALUE) {
                    out.put(e.getKey(), v);
                }
            }
            return out;
        }

        @SuppressWarnings("unchecked")
        private Object sub(Object arg, String where) {
            String text;
            Map<String, Object> variables = new LinkedHashMap<>();
            if (arg instanceof String s) {
                text = s;
            } else {
                List<Object> args = (List<Object>) arg;
                text = (String) args.get(0);
                ((Map<String, Object>) args.get(1)).forEach((k, v) -> variables.put(k, eval(v, where)));
            }
            StringBuilder b = new StringBuilder();
            Matcher m = SUB_VARIABLE.matcher(text);
            boolean open = false;
            Map<String, Object> unresolved = new LinkedHashMap<>();
            int last = 0;
            while (m.find()) {
                b.append(text, last, m.start());
                last = m.end();
                String name = m.group(1).trim();
                Object value = name.startsWith("!") ? null : variables.containsKey(name) ? variables.get(name) : params.get(name);
                if (value instanceof String s) {
                    b.append(s.replace("${", "${!"));
                } else {
                    b.append(m.group());
                    if (!name.startsWith("!")) {
                        open = true;
                        if (variables.containsKey(name)) {
                            unresolved.put(name, variables.get(name));
                        }
                    }
                }
            }
            b.append(text.substring(last));
            String result = b.toString();
            if (!open) {
                return result.replace("${!", "${");
            }
            return unresolved.isEmpty() ? Map.of("Fn::Sub", result) : Map.of("Fn::Sub", List.of(result, unresolved));
        }
    }

    // ---- typing by the resource specification ----

    @SuppressWarnings("unchecked")
    private Object typed(Object properties, String resourceType) {
        if (spec == null || !(properties instanceof Map<?, ?>)) {
            return properties;
        }
        ResourceSpec.ResourceType type = spec.resourceType(resourceType);
        if (type == null) {
            return properties;
        }
        return typedObject((Map<String, Object>) properties, type.properties());
    }

    private Map<String, Object> typedObject(Map<String, Object> value, Map<String, ResourceSpec.Property> known) {
        Map<String, Object> out = new LinkedHashMap<>();
        value.forEach((k, v) -> {
            ResourceSpec.Property p = known.get(k);
            out.put(k, p == null ? v : typedValue(v, p.type()));
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    private Object typedValue(Object value, ResourceSpec.Type type) {
        if (type instanceof ResourceSpec.Primitive primitive && value instanceof String s) {
            switch (primitive.name()) {
                case "integer":
                    if (s.matches("-?\\d+")) {
                        long n = Long.parseLong(s);
                        return n == (int) n ? (Object) (int) n : (Object) n;
                    }
                    return s;
                case "number":
                    return s.matches("-?\\d+(\\.\\d+)?") ? (Object) Double.parseDouble(s) : s;
                case "boolean":
                    return s.equals("true") ? Boolean.TRUE : s.equals("false") ? Boolean.FALSE : s;
                default:
                    return s;
            }
        }
        if (type instanceof ResourceSpec.ListOf listOf && value instanceof List<?> list) {
            return list.stream().map(v -> typedValue(v, listOf.item())).toList();
        }
        if (type instanceof ResourceSpec.Struct struct && value instanceof Map<?, ?> map) {
            ResourceSpec.PropertyType pt = spec.propertyType(struct.name());
            return pt == null ? value : typedObject((Map<String, Object>) map, pt.properties());
        }
        if (type instanceof ResourceSpec.MapOf mapOf && value instanceof Map<?, ?> map && !isIntrinsic(map)) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) map).forEach((k, v) -> out.put(k, typedValue(v, mapOf.item())));
            return out;
        }
        return value;
    }

    private static boolean isIntrinsic(Map<?, ?> map) {
        return map.size() == 1 && map.keySet().stream().allMatch(k -> Objects.equals(k, "Ref")
                || String.valueOf(k).startsWith("Fn::"));
    }
}
