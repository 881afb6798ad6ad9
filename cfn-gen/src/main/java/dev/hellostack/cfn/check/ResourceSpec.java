package dev.hellostack.cfn.check;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.StreamSupport;

/**
 * The part of AWS's CloudFormation resource specification that cfn-gen emits, as written by
 * {@code cfn-gen/spec/refresh.sh} into {@code cfn-gen/spec/resource-spec-subset.json}.
 */
public final class ResourceSpec {

    /** Where the subset lives, relative to the repository root. */
    public static final String SUBSET_PATH = "cfn-gen/spec/resource-spec-subset.json";

    /** A property or attribute type. */
    public sealed interface Type permits Primitive, ListOf, MapOf, Struct, Union {
        /** How messages name this type. */
        String describe();
    }

    /** string, integer, number, boolean, json, timestamp, or tag (a {Key, Value} pair). */
    public record Primitive(String name) implements Type {
        @Override
        public String describe() {
            return name;
        }
    }

    public record ListOf(Type item) implements Type {
        @Override
        public String describe() {
            return "list of " + item.describe();
        }
    }

    public record MapOf(Type item) implements Type {
        @Override
        public String describe() {
            return "map of " + item.describe();
        }
    }

    /** A nested property type, named like {@code AWS::ECR::Repository.LifecyclePolicy}. */
    public record Struct(String name) implements Type {
        @Override
        public String describe() {
            return name;
        }
    }

    public record Union(List<Type> types) implements Type {
        @Override
        public String describe() {
            return String.join(" or ", types.stream().map(Type::describe).toList());
        }
    }

    public record Property(Type type, boolean required) {
    }

    /** A resource type: its properties and its GetAtt attributes. */
    public record ResourceType(String name, Map<String, Property> properties, Map<String, Type> attributes) {
    }

    /** A nested property type: its properties. */
    public record PropertyType(String name, Map<String, Property> properties) {
    }

    private static final Set<String> PRIMITIVES =
            Set.of("string", "integer", "number", "boolean", "json", "timestamp", "tag");

    private final Map<String, ResourceType> resourceTypes;
    private final Map<String, PropertyType> propertyTypes;
    private final Set<String> allResourceTypes;
    private final String sources;

    private ResourceSpec(Map<String, ResourceType> resourceTypes, Map<String, PropertyType> propertyTypes,
                         Set<String> allResourceTypes, String sources) {
        this.resourceTypes = resourceTypes;
        this.propertyTypes = propertyTypes;
        this.allResourceTypes = allResourceTypes;
        this.sources = sources;
    }

    /** Loads the subset committed in the repository. */
    public static ResourceSpec load(Path repoRoot) {
        return parse(Templates.readJson(repoRoot.resolve(SUBSET_PATH)));
    }

    static ResourceSpec parse(JsonNode root) {
        Map<String, ResourceType> resources = new LinkedHashMap<>();
        root.path("resourceTypes").properties().forEach(e -> {
            Map<String, Type> attributes = new LinkedHashMap<>();
            e.getValue().path("attributes").properties().iterator()
                    .forEachRemaining(a -> attributes.put(a.getKey(), type(a.getValue(), e.getKey() + " attribute " + a.getKey())));
            resources.put(e.getKey(), new ResourceType(e.getKey(),
                    properties(e.getValue().path("properties"), e.getKey()), Collections.unmodifiableMap(attributes)));
        });
        Map<String, PropertyType> properties = new LinkedHashMap<>();
        root.path("propertyTypes").properties().forEach(e -> properties.put(e.getKey(),
                new PropertyType(e.getKey(), properties(e.getValue().path("properties"), e.getKey()))));
        Set<String> all = new TreeSet<>();
        root.path("allResourceTypes").forEach(n -> all.add(n.asText()));
        if (resources.isEmpty()) {
            throw new CheckException("the resource specification subset has no resource types; run cfn-gen/spec/refresh.sh");
        }
        ResourceSpec spec = new ResourceSpec(Collections.unmodifiableMap(resources),
                Collections.unmodifiableMap(properties), Collections.unmodifiableSet(all), root.path("sources").toString());
        spec.checkReferences();
        return spec;
    }

    private static Map<String, Property> properties(JsonNode node, String owner) {
        Map<String, Property> result = new LinkedHashMap<>();
        node.properties().forEach(p -> result.put(p.getKey(), new Property(
                type(p.getValue().path("type"), owner + "." + p.getKey()),
                p.getValue().path("required").asBoolean(false))));
        return Collections.unmodifiableMap(result);
    }

    private static Type type(JsonNode node, String where) {
        if (node.isTextual() && PRIMITIVES.contains(node.asText())) {
            return new Primitive(node.asText());
        }
        if (node.isObject() && node.size() == 1) {
            Map.Entry<String, JsonNode> only = node.properties().iterator().next();
            switch (only.getKey()) {
                case "list":
                    return new ListOf(type(only.getValue(), where));
                case "map":
                    return new MapOf(type(only.getValue(), where));
                case "struct":
                    return new Struct(only.getValue().asText());
                case "union":
                    return new Union(StreamSupport.stream(only.getValue().spliterator(), false)
                            .map(t -> type(t, where)).toList());
                default:
                    break;
            }
        }
        throw new CheckException("resource specification subset: bad type " + node + " at " + where
                + "; expected one of " + PRIMITIVES + " or {list|map|struct|union: ...}");
    }

    private void checkReferences() {
        for (ResourceType r : resourceTypes.values()) {
            r.properties().forEach((name, p) -> checkReference(p.type(), r.name() + "." + name));
        }
        for (PropertyType t : propertyTypes.values()) {
            t.properties().forEach((name, p) -> checkReference(p.type(), t.name() + "." + name));
        }
    }

    private void checkReference(Type type, String where) {
        if (type instanceof Struct s && !propertyTypes.containsKey(s.name())) {
            throw new CheckException("resource specification subset: " + where + " refers to missing property type " + s.name());
        } else if (type instanceof ListOf l) {
            checkReference(l.item(), where);
        } else if (type instanceof MapOf m) {
            checkReference(m.item(), where);
        } else if (type instanceof Union u) {
            u.types().forEach(t -> checkReference(t, where));
        }
    }

    public ResourceType resourceType(String name) {
        return resourceTypes.get(name);
    }

    public PropertyType propertyType(String name) {
        return propertyTypes.get(name);
    }

    /** Whether AWS's full specification (not just our subset) has this resource type. */
    public boolean existsInCloudFormation(String name) {
        return allResourceTypes.contains(name);
    }

    /** The versions of the npm packages the subset was extracted from. */
    public String sources() {
        return sources;
    }
}
