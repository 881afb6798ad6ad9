package dev.hellostack.cfn.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.hellostack.cfn.check.ResourceSpec.ListOf;
import dev.hellostack.cfn.check.ResourceSpec.MapOf;
import dev.hellostack.cfn.check.ResourceSpec.Primitive;
import dev.hellostack.cfn.check.ResourceSpec.Property;
import dev.hellostack.cfn.check.ResourceSpec.Struct;
import dev.hellostack.cfn.check.ResourceSpec.Type;
import dev.hellostack.cfn.check.ResourceSpec.Union;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a template against AWS's CloudFormation resource specification (the subset in
 * {@link ResourceSpec}): every resource type exists; every property name exists for its type,
 * case-sensitively, down into nested property types; required properties are present; values
 * have the type the property takes; every GetAtt (also {@code ${Resource.Attribute}} inside
 * Fn::Sub) names an attribute the resource's type has, and every Ref names something.
 *
 * <p>Intrinsic functions are accepted where they can produce the type a property takes: Ref,
 * Fn::Sub, Fn::Join, Fn::Select, Fn::ImportValue, Fn::FindInMap, Fn::Base64 produce a single
 * value (accepted for string, integer, number, boolean); Fn::GetAZs, Fn::Split, Fn::Cidr and a
 * Ref to a list parameter produce a list; Fn::GetAtt produces what the attribute's type says;
 * both branches of Fn::If are checked; {@code Ref: AWS::NoValue} is allowed anywhere.
 * Literal scalars are accepted where CloudFormation converts them: a number or boolean where a
 * string goes, {@code "80"} where an integer goes, {@code "true"} where a boolean goes.
 */
public final class SpecValidator {

    private static final Set<String> TOP_LEVEL_KEYS = Set.of("AWSTemplateFormatVersion", "Description", "Metadata",
            "Parameters", "Rules", "Mappings", "Conditions", "Transform", "Resources", "Outputs");
    private static final Set<String> RESOURCE_KEYS = Set.of("Type", "Properties", "DependsOn", "Condition",
            "DeletionPolicy", "UpdateReplacePolicy", "Metadata", "CreationPolicy", "UpdatePolicy");
    private static final Set<String> PSEUDO_PARAMETERS = Set.of("AWS::AccountId", "AWS::NotificationARNs",
            "AWS::NoValue", "AWS::Partition", "AWS::Region", "AWS::StackId", "AWS::StackName", "AWS::URLSuffix");
    private static final Set<String> SCALAR_INTRINSICS = Set.of("Fn::Sub", "Fn::Join", "Fn::Select",
            "Fn::ImportValue", "Fn::FindInMap", "Fn::Base64");
    private static final Set<String> LIST_INTRINSICS = Set.of("Fn::GetAZs", "Fn::Split", "Fn::Cidr");
    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}]*)}");
    private static final Pattern INTEGER = Pattern.compile("-?\\d+");
    private static final Pattern NUMBER = Pattern.compile("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?");

    /** What an intrinsic function produces. */
    private enum Produces { SCALAR, LIST }

    private final ResourceSpec spec;

    public SpecValidator(ResourceSpec spec) {
        this.spec = spec;
    }

    /** Validates one template; {@code template} is its file name, used in every finding. */
    public List<Finding> validate(String template, JsonNode root) {
        return new Run(template, root).run();
    }

    /** The state of validating one template. */
    private final class Run {
        private final String template;
        private final JsonNode root;
        private final List<Finding> findings = new ArrayList<>();
        private final Map<String, String> parameterTypes = new LinkedHashMap<>();
        private final Map<String, String> resourceTypes = new LinkedHashMap<>();

        Run(String template, JsonNode root) {
            this.template = template;
            this.root = root;
        }

        List<Finding> run() {
            if (!root.isObject()) {
                add("(template)", "a template must be a mapping with a Resources section");
                return findings;
            }
            root.fieldNames().forEachRemaining(key -> {
                if (!TOP_LEVEL_KEYS.contains(key)) {
                    add(key, "unknown template section; allowed: " + String.join(", ", sorted(TOP_LEVEL_KEYS)));
                }
            });
            root.path("Parameters").properties().forEach(p -> parameterTypes.put(p.getKey(), p.getValue().path("Type").asText("")));
            JsonNode resources = root.path("Resources");
            if (!resources.isObject() || resources.isEmpty()) {
                add("Resources", "a template needs at least one resource");
                return findings;
            }
            resources.properties().forEach(r -> resourceTypes.put(r.getKey(), r.getValue().path("Type").asText("")));
            resources.properties().forEach(r -> checkResource(r.getKey(), r.getValue()));
            for (String section : List.of("Resources", "Outputs", "Conditions")) {
                checkReferences(root.path(section), section);
            }
            findings.sort(Finding.ORDER);
            return findings;
        }

        private void checkResource(String id, JsonNode resource) {
            String path = "Resources." + id;
            if (!resource.isObject()) {
                add(path, "a resource must be a mapping with Type and Properties");
                return;
            }
            resource.fieldNames().forEachRemaining(key -> {
                if (!RESOURCE_KEYS.contains(key)) {
                    add(path + "." + key, "unknown resource attribute; allowed: " + String.join(", ", sorted(RESOURCE_KEYS)));
                }
            });
            JsonNode typeNode = resource.path("Type");
            if (!typeNode.isTextual()) {
                add(path + ".Type", "missing resource type");
                return;
            }
            String typeName = typeNode.asText();
            ResourceSpec.ResourceType type = spec.resourceType(typeName);
            if (type == null) {
                add(path + ".Type", "unknown resource type " + typeName + (spec.existsInCloudFormation(typeName)
                        ? " (a CloudFormation type, but not in " + ResourceSpec.SUBSET_PATH
                          + ": add it to TYPES in cfn-gen/spec/extract-subset.mjs and run cfn-gen/spec/refresh.sh)"
                        : " (AWS's CloudFormation specification has no such type)"));
                return;
            }
            JsonNode properties = resource.path("Properties");
            if (properties.isMissingNode()) {
                properties = JsonNodeFactory.instance.objectNode();
            }
            checkObject(properties, type.properties(), path + ".Properties", typeName, null);
        }

        /** Checks a mapping against a set of known properties (a resource's, or a nested type's). */
        private void checkObject(JsonNode value, Map<String, Property> known, String path, String resourceType,
                                 String propertyType) {
            if (isIntrinsic(value)) {
                checkIntrinsic(value, new Struct(propertyType == null ? resourceType : propertyType), path, resourceType);
                return;
            }
            String owner = resourceType + (propertyType == null ? "" : " (" + shortName(propertyType) + ")");
            if (!value.isObject()) {
                add(path, "expected a mapping (" + (propertyType == null ? "properties of " + resourceType : propertyType)
                        + "), got " + describe(value));
                return;
            }
            value.properties().forEach(field -> {
                Property property = known.get(field.getKey());
                String fieldPath = path + "." + field.getKey();
                if (property == null) {
                    add(fieldPath, "unknown property for " + owner + "; known: " + String.join(", ", known.keySet()));
                } else {
                    checkValue(field.getValue(), property.type(), fieldPath, resourceType);
                }
            });
            known.forEach((name, property) -> {
                if (property.required() && !value.has(name)) {
                    add(path + "." + name, "missing required property for " + owner);
                }
            });
        }

        private void checkValue(JsonNode value, Type type, String path, String resourceType) {
            if (isIntrinsic(value)) {
                checkIntrinsic(value, type, path, resourceType);
                return;
            }
            if (type instanceof Union union) {
                checkUnion(value, union, path, resourceType);
            } else if (type instanceof Struct struct) {
                ResourceSpec.PropertyType nested = spec.propertyType(struct.name());
                checkObject(value, nested.properties(), path, resourceType, struct.name());
            } else if (type instanceof ListOf list) {
                if (!value.isArray()) {
                    mismatch(value, type, path, resourceType);
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    checkValue(value.get(i), list.item(), path + "[" + i + "]", resourceType);
                }
            } else if (type instanceof MapOf map) {
                if (!value.isObject()) {
                    mismatch(value, type, path, resourceType);
                    return;
                }
                value.properties().forEach(e -> checkValue(e.getValue(), map.item(), path + "." + e.getKey(), resourceType));
            } else if (type instanceof Primitive primitive) {
                checkPrimitive(value, primitive, path, resourceType);
            }
        }

        private void checkPrimitive(JsonNode value, Primitive type, String path, String resourceType) {
            boolean ok;
            switch (type.name()) {
                case "string", "timestamp" -> ok = value.isTextual() || value.isNumber() || value.isBoolean();
                case "integer" -> ok = value.isIntegralNumber() || value.isTextual() && INTEGER.matcher(value.asText()).matches();
                case "number" -> ok = value.isNumber() || value.isTextual() && NUMBER.matcher(value.asText()).matches();
                case "boolean" -> ok = value.isBoolean() || value.isTextual()
                        && (value.asText().equalsIgnoreCase("true") || value.asText().equalsIgnoreCase("false"));
                case "json" -> ok = value.isObject() || value.isArray() || value.isTextual();
                case "tag" -> {
                    ok = true;
                    Map<String, Property> tag = new LinkedHashMap<>();
                    tag.put("Key", new Property(new Primitive("string"), true));
                    tag.put("Value", new Property(new Primitive("string"), true));
                    checkObject(value, tag, path, resourceType, "Tag");
                }
                default -> throw new IllegalStateException("unknown primitive " + type.name());
            }
            if (!ok) {
                mismatch(value, type, path, resourceType);
            }
        }

        /** A union is satisfied when one of its types accepts the value without findings. */
        private void checkUnion(JsonNode value, Union union, String path, String resourceType) {
            List<Finding> best = null;
            for (Type member : union.types()) {
                List<Finding> saved = new ArrayList<>(findings);
                findings.clear();
                checkValue(value, member, path, resourceType);
                List<Finding> memberFindings = new ArrayList<>(findings);
                findings.clear();
                findings.addAll(saved);
                if (memberFindings.isEmpty()) {
                    return;
                }
                if (best == null || memberFindings.size() < best.size()) {
                    best = memberFindings;
                }
            }
            findings.addAll(best);
        }

        private void checkIntrinsic(JsonNode value, Type type, String path, String resourceType) {
            String function = value.fieldNames().next();
            JsonNode argument = value.get(function);
            Produces produces;
            switch (function) {
                case "Ref" -> {
                    String target = argument.asText();
                    if (target.equals("AWS::NoValue")) {
                        return;
                    }
                    String parameterType = parameterTypes.getOrDefault(target, "");
                    produces = parameterType.startsWith("List<") || parameterType.equals("CommaDelimitedList")
                            || parameterType.contains("<List<") || target.equals("AWS::NotificationARNs")
                            ? Produces.LIST : Produces.SCALAR;
                }
                case "Fn::If" -> {
                    if (!argument.isArray() || argument.size() != 3) {
                        add(path + ".Fn::If", "Fn::If takes [condition, value if true, value if false]");
                        return;
                    }
                    checkValue(argument.get(1), type, path + ".Fn::If[1]", resourceType);
                    checkValue(argument.get(2), type, path + ".Fn::If[2]", resourceType);
                    return;
                }
                case "Fn::GetAtt" -> produces = getAttProduces(argument);
                default -> {
                    if (SCALAR_INTRINSICS.contains(function)) {
                        produces = Produces.SCALAR;
                    } else if (LIST_INTRINSICS.contains(function)) {
                        produces = Produces.LIST;
                    } else {
                        add(path + "." + function, function + " cannot produce a property value");
                        return;
                    }
                }
            }
            if (!accepts(type, produces)) {
                add(path, "expected " + type.describe() + " (" + resourceType + "), but " + function
                        + (produces == Produces.LIST ? " produces a list" : " produces a single value"));
            }
        }

        private Produces getAttProduces(JsonNode argument) {
            String[] target = getAttTarget(argument);
            if (target == null) {
                return Produces.SCALAR;
            }
            ResourceSpec.ResourceType type = spec.resourceType(resourceTypes.getOrDefault(target[0], ""));
            Type attribute = type == null ? null : type.attributes().get(target[1]);
            return attribute instanceof ListOf ? Produces.LIST : Produces.SCALAR;
        }

        private boolean accepts(Type type, Produces produces) {
            if (type instanceof Union union) {
                return union.types().stream().anyMatch(t -> accepts(t, produces));
            }
            if (type instanceof Primitive p && p.name().equals("json")) {
                return true;
            }
            if (produces == Produces.LIST) {
                return type instanceof ListOf;
            }
            return type instanceof Primitive p && !p.name().equals("tag");
        }

        /** Walks a section for Ref, Fn::GetAtt and Fn::Sub variables, checking that each names something real. */
        private void checkReferences(JsonNode node, String path) {
            if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    checkReferences(node.get(i), path + "[" + i + "]");
                }
                return;
            }
            if (!node.isObject()) {
                return;
            }
            if (node.size() == 1 && node.has("Ref") && node.get("Ref").isTextual()) {
                String target = node.get("Ref").asText();
                if (!parameterTypes.containsKey(target) && !resourceTypes.containsKey(target)
                        && !PSEUDO_PARAMETERS.contains(target)) {
                    add(path + ".Ref", "Ref to " + target + ", which is not a parameter, resource or pseudo parameter");
                }
                return;
            }
            if (node.size() == 1 && node.has("Fn::GetAtt")) {
                String[] target = getAttTarget(node.get("Fn::GetAtt"));
                if (target == null) {
                    if (!node.get("Fn::GetAtt").isArray() || node.get("Fn::GetAtt").size() != 2) {
                        add(path + ".Fn::GetAtt", "Fn::GetAtt takes [LogicalId, Attribute] or \"LogicalId.Attribute\"");
                    }
                } else {
                    checkAttribute(target[0], target[1], path + ".Fn::GetAtt");
                }
                checkReferences(node.get("Fn::GetAtt"), path + ".Fn::GetAtt");
                return;
            }
            if (node.size() == 1 && node.has("Fn::Sub")) {
                JsonNode sub = node.get("Fn::Sub");
                String subPath = path + ".Fn::Sub";
                if (sub.isTextual()) {
                    checkSubString(sub.asText(), subPath, Set.of());
                } else if (sub.isArray() && sub.size() == 2 && sub.get(0).isTextual() && sub.get(1).isObject()) {
                    Set<String> variables = new HashSet<>();
                    sub.get(1).fieldNames().forEachRemaining(variables::add);
                    checkSubString(sub.get(0).asText(), subPath + "[0]", variables);
                    checkReferences(sub.get(1), subPath + "[1]");
                } else {
                    add(subPath, "Fn::Sub takes a string, or [string, {variable: value}]");
                }
                return;
            }
            node.properties().forEach(e -> checkReferences(e.getValue(), path + "." + e.getKey()));
        }

        private void checkSubString(String text, String path, Set<String> variables) {
            Matcher m = SUB_VARIABLE.matcher(text);
            while (m.find()) {
                String name = m.group(1);
                if (name.startsWith("!") || variables.contains(name)) {
                    continue;
                }
                int dot = name.indexOf('.');
                if (dot > 0 && !PSEUDO_PARAMETERS.contains(name)) {
                    checkAttribute(name.substring(0, dot), name.substring(dot + 1), path);
                } else if (!parameterTypes.containsKey(name) && !resourceTypes.containsKey(name)
                        && !PSEUDO_PARAMETERS.contains(name)) {
                    add(path, "${" + name + "} names no parameter, resource, pseudo parameter or Fn::Sub variable");
                }
            }
        }

        private void checkAttribute(String logicalId, String attribute, String path) {
            String typeName = resourceTypes.get(logicalId);
            if (typeName == null) {
                add(path, "GetAtt of " + logicalId + "." + attribute + ", but there is no resource " + logicalId);
                return;
            }
            ResourceSpec.ResourceType type = spec.resourceType(typeName);
            if (type == null) {
                return; // the unknown type is reported on the resource itself
            }
            if (!type.attributes().containsKey(attribute)) {
                add(path, "GetAtt names attribute " + attribute + " of " + logicalId + ", which " + typeName
                        + " does not have; attributes: " + String.join(", ", type.attributes().keySet()));
            }
        }

        private void mismatch(JsonNode value, Type type, String path, String resourceType) {
            add(path, "expected " + type.describe() + " (" + resourceType + "), got " + describe(value));
        }

        private void add(String location, String message) {
            findings.add(new Finding("spec", template, location, message));
        }
    }

    /** The logical id and attribute a GetAtt names, or null when they are not both literal. */
    private static String[] getAttTarget(JsonNode argument) {
        if (argument.isTextual()) {
            String text = argument.asText();
            int dot = text.indexOf('.');
            return dot > 0 ? new String[] {text.substring(0, dot), text.substring(dot + 1)} : null;
        }
        if (argument.isArray() && argument.size() == 2 && argument.get(0).isTextual() && argument.get(1).isTextual()) {
            return new String[] {argument.get(0).asText(), argument.get(1).asText()};
        }
        return null;
    }

    /** A one-key mapping whose key is Ref or an Fn:: function. */
    static boolean isIntrinsic(JsonNode node) {
        if (!node.isObject() || node.size() != 1) {
            return false;
        }
        String key = node.fieldNames().next();
        return key.equals("Ref") || key.startsWith("Fn::");
    }

    private static String describe(JsonNode value) {
        if (value.isNull()) {
            return "null";
        }
        if (value.isTextual()) {
            String text = value.asText();
            return "string \"" + (text.length() > 60 ? text.substring(0, 57) + "..." : text) + "\"";
        }
        if (value.isBoolean()) {
            return "boolean " + value.asText();
        }
        if (value.isNumber()) {
            return "number " + value.asText();
        }
        if (value.isArray()) {
            return "a list";
        }
        return "a mapping";
    }

    private static String shortName(String propertyType) {
        int dot = propertyType.lastIndexOf('.');
        return dot < 0 ? propertyType : propertyType.substring(dot + 1);
    }

    private static List<String> sorted(Set<String> names) {
        return names.stream().sorted().toList();
    }
}
