package dev.hellostack.cfn.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The CloudFormation intrinsic functions this project uses, as a closed set.
 *
 * <p>A property value is either a literal (String, Integer, Long, Boolean, a List or a Map of values)
 * or one of these. Each intrinsic turns itself into its CloudFormation long form with {@link #toCfn()};
 * nested values are converted by {@link Values#plain(Object, String)} when the template is written.
 */
public sealed interface Fn {

    /** The long form of this intrinsic: a single-key map such as {@code {"Fn::GetAtt": [r, a]}}. */
    Object toCfn();

    // ---- factories, so stack classes read like the YAML they produce ----

    static Ref ref(String target) {
        return new Ref(target);
    }

    static GetAtt getAtt(String resource, String attribute) {
        return new GetAtt(resource, attribute);
    }

    static Sub sub(String template) {
        return new Sub(template, Map.of());
    }

    static Sub sub(String template, Map<String, Object> variables) {
        return new Sub(template, variables);
    }

    static Join join(String delimiter, Object... values) {
        return new Join(delimiter, List.of(values));
    }

    static Select select(int index, Object list) {
        return new Select(index, list);
    }

    /** Fn::GetAZs for the stack's own region (the empty-string form). */
    static GetAZs getAZs() {
        return new GetAZs("");
    }

    static ImportValue importValue(Object exportName) {
        return new ImportValue(exportName);
    }

    static If ifThen(Condition condition, Object ifTrue, Object ifFalse) {
        return new If(condition.name(), ifTrue, ifFalse);
    }

    static Equals equalsFn(Object left, Object right) {
        return new Equals(left, right);
    }

    static Not not(Fn condition) {
        return new Not(condition);
    }

    static And and(Fn... conditions) {
        return new And(List.of(conditions));
    }

    static Or or(Fn... conditions) {
        return new Or(List.of(conditions));
    }

    static Split split(String delimiter, Object source) {
        return new Split(delimiter, source);
    }

    /** {@code Fn::FindInMap [map, topKey, secondKey]}: a value of a Mappings section of the same template. */
    static FindInMap findInMap(String map, Object topKey, String secondKey) {
        return new FindInMap(map, topKey, secondKey);
    }

    // ---- the intrinsics ----

    /** {@code Ref}: a parameter's value, a resource's primary id, or a pseudo parameter. */
    record Ref(String target) implements Fn {
        public Ref {
            requireText(target, "Ref target");
        }

        @Override
        public Object toCfn() {
            return Map.of("Ref", target);
        }
    }

    /** {@code Fn::GetAtt}, written in the list form {@code [Resource, Attribute]}. */
    record GetAtt(String resource, String attribute) implements Fn {
        public GetAtt {
            requireText(resource, "Fn::GetAtt resource");
            requireText(attribute, "Fn::GetAtt attribute");
        }

        @Override
        public Object toCfn() {
            return Map.of("Fn::GetAtt", List.of(resource, attribute));
        }
    }

    /**
     * {@code Fn::Sub}. Without variables it is the plain-string form; with variables the list form
     * {@code [template, {Name: value}]}, the variable map written in sorted key order.
     */
    record Sub(String template, Map<String, Object> variables) implements Fn {
        public Sub {
            Objects.requireNonNull(template, "Fn::Sub template");
            variables = Map.copyOf(variables);
        }

        @Override
        public Object toCfn() {
            if (variables.isEmpty()) {
                return Map.of("Fn::Sub", template);
            }
            return Map.of("Fn::Sub", List.of(template, new TreeMap<>(variables)));
        }
    }

    /** {@code Fn::Join}: values is a List of values, or an intrinsic that yields a list. */
    record Join(String delimiter, Object values) implements Fn {
        public Join {
            Objects.requireNonNull(delimiter, "Fn::Join delimiter");
            Objects.requireNonNull(values, "Fn::Join values");
        }

        @Override
        public Object toCfn() {
            return Map.of("Fn::Join", List.of(delimiter, values));
        }
    }

    /** {@code Fn::Select}: the index is written as an integer. */
    record Select(int index, Object list) implements Fn {
        public Select {
            if (index < 0) {
                throw new IllegalArgumentException("Fn::Select index must be >= 0, got " + index);
            }
            Objects.requireNonNull(list, "Fn::Select list");
        }

        @Override
        public Object toCfn() {
            return Map.of("Fn::Select", List.of(index, list));
        }
    }

    /** {@code Fn::GetAZs}: region is "" (the stack's region) or an intrinsic. */
    record GetAZs(Object region) implements Fn {
        public GetAZs {
            Objects.requireNonNull(region, "Fn::GetAZs region");
        }

        @Override
        public Object toCfn() {
            return Map.of("Fn::GetAZs", region);
        }
    }

    /** {@code Fn::ImportValue}: the name of an export of another stack (usually an Fn::Sub). */
    record ImportValue(Object exportName) implements Fn {
        public ImportValue {
            Objects.requireNonNull(exportName, "Fn::ImportValue name");
        }

        @Override
        public Object toCfn() {
            return Map.of("Fn::ImportValue", exportName);
        }
    }

    /** {@code Fn::If}: the name of a condition declared in the template, and two values. */
    record If(String condition, Object ifTrue, Object ifFalse) implements Fn {
        public If {
            requireText(condition, "Fn::If condition");
            Objects.requireNonNull(ifTrue, "Fn::If value if true");
            Objects.requireNonNull(ifFalse, "Fn::If value if false");
        }

        @Override
        public Object toCfn() {
            return Map.of("Fn::If", List.of(condition, ifTrue, ifFalse));
        }
    }

    record Equals(Object left, Object right) implements Fn {
        public Equals {
            Objects.requireNonNull(left, "Fn::Equals left");
            Objects.requireNonNull(right, "Fn::Equals right");
        }

        @Override
        public Object toCfn() {
            return Map.of("Fn::Equals", List.of(left, right));
        }
    }

    record Not(Fn condition) implements Fn {
        public Not {
            Objects.requireNonNull(condition, "Fn::Not condition");
        }

        @Override
        public Object toCfn() {
            return Map.of("Fn::Not", List.of(condition));
        }
    }

    record And(List<Fn> conditions) implements Fn {
        public And {
            conditions = List.copyOf(conditions);
            if (conditions.size() < 2 || conditions.size() > 10) {
                throw new IllegalArgumentException("Fn::And takes 2 to 10 conditions, got " + conditions.size());
            }
        }

        @Override
        public Object toCfn() {
            return Map.of("Fn::And", conditions);
        }
    }

    record Or(List<Fn> conditions) implements Fn {
        public Or {
            conditions = List.copyOf(conditions);
            if (conditions.size() < 2 || conditions.size() > 10) {
                throw new IllegalArgumentException("Fn::Or takes 2 to 10 conditions, got " + conditions.size());
            }
        }

        @Override
        public Object toCfn() {
            return Map.of("Fn::Or", conditions);
        }
    }

    /** A reference to a declared condition, as used inside Fn::And, Fn::Or and Fn::Not. */
    record Condition(String name) implements Fn {
        public Condition {
            requireText(name, "Condition name");
        }

        @Override
        public Object toCfn() {
            return Map.of("Condition", name);
        }
    }

    record Split(String delimiter, Object source) implements Fn {
        public Split {
            Objects.requireNonNull(delimiter, "Fn::Split delimiter");
            Objects.requireNonNull(source, "Fn::Split source");
        }

        @Override
        public Object toCfn() {
            return Map.of("Fn::Split", List.of(delimiter, source));
        }
    }

    /** {@code Fn::FindInMap}: the map's name, a top-level key (usually {@code AWS::Region}) and a second-level key. */
    record FindInMap(String map, Object topKey, String secondKey) implements Fn {
        public FindInMap {
            requireText(map, "Fn::FindInMap map");
            Objects.requireNonNull(topKey, "Fn::FindInMap top-level key");
            requireText(secondKey, "Fn::FindInMap second-level key");
        }

        @Override
        public Object toCfn() {
            return Map.of("Fn::FindInMap", List.of(map, topKey, secondKey));
        }
    }

    /** The pseudo parameters; each is written as a {@code Ref}. */
    enum Pseudo implements Fn {
        ACCOUNT_ID("AWS::AccountId"),
        NOTIFICATION_ARNS("AWS::NotificationARNs"),
        NO_VALUE("AWS::NoValue"),
        PARTITION("AWS::Partition"),
        REGION("AWS::Region"),
        STACK_ID("AWS::StackId"),
        STACK_NAME("AWS::StackName"),
        URL_SUFFIX("AWS::URLSuffix");

        private final String cfnName;

        Pseudo(String cfnName) {
            this.cfnName = cfnName;
        }

        /** The name CloudFormation knows, such as {@code AWS::Region}. */
        public String cfnName() {
            return cfnName;
        }

        @Override
        public Object toCfn() {
            return Map.of("Ref", cfnName);
        }
    }

    private static void requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
    }
}
