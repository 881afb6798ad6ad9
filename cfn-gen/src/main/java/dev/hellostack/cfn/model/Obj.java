package dev.hellostack.cfn.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Small helpers for building property values.
 *
 * <p>The writer keeps the key order of a {@link LinkedHashMap} (what {@link #of} returns) and sorts
 * the keys of any other map. So objects whose shape is fixed by AWS (a health check, a policy
 * statement) are written in the order the stack class lists them, and free-form maps (a Sub's
 * variables, environment variables given as a map) come out sorted and stable.
 */
public final class Obj {

    private Obj() {
    }

    /** An insertion-ordered object from key/value pairs: {@code Obj.of("Key", "a", "Value", 1)}. */
    public static Map<String, Object> of(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("Obj.of takes key/value pairs, got an odd number of arguments");
        }
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            if (!(keysAndValues[i] instanceof String key)) {
                throw new IllegalArgumentException("Obj.of key at position " + i + " is not a String: " + keysAndValues[i]);
            }
            if (map.put(key, keysAndValues[i + 1]) != null) {
                throw new IllegalArgumentException("Obj.of has the key '" + key + "' twice");
            }
        }
        return map;
    }

    /** CloudFormation tags, sorted by key: {@code [{Key: k, Value: v}, ...]}. */
    public static List<Object> tags(Map<String, Object> tags) {
        List<Map.Entry<String, Object>> entries = new ArrayList<>(tags.entrySet());
        entries.sort(Comparator.comparing(Map.Entry::getKey));
        List<Object> out = new ArrayList<>();
        for (Map.Entry<String, Object> e : entries) {
            out.add(of("Key", e.getKey(), "Value", e.getValue()));
        }
        return List.copyOf(out);
    }
}
