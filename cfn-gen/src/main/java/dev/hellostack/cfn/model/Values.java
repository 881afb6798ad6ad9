package dev.hellostack.cfn.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/** Turns property values (literals, lists, maps and intrinsics) into plain data for the YAML writer. */
public final class Values {

    private Values() {
    }

    /**
     * The plain form of a value: Strings, numbers, booleans, Lists and Maps only. A {@link LinkedHashMap}
     * keeps its key order; any other map is sorted by key. {@code path} names the value in errors.
     */
    public static Object plain(Object value, String path) {
        if (value == null) {
            throw new TemplateException(path + ": value is null (use Fn.Pseudo.NO_VALUE to leave a property out)");
        }
        if (value instanceof Fn fn) {
            return plain(fn.toCfn(), path);
        }
        if (value instanceof String || value instanceof Integer || value instanceof Long || value instanceof Boolean) {
            return value;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = map instanceof LinkedHashMap ? new LinkedHashMap<>() : new TreeMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new TemplateException(path + ": map key " + e.getKey() + " is not a String");
                }
                out.put(key, plain(e.getValue(), path + "." + key));
            }
            return out;
        }
        if (value instanceof Collection<?> list) {
            List<Object> out = new ArrayList<>();
            int i = 0;
            for (Object item : list) {
                out.add(plain(item, path + "[" + i++ + "]"));
            }
            return out;
        }
        throw new TemplateException(path + ": unsupported value type " + value.getClass().getName()
                + " (allowed: String, Integer, Long, Boolean, List, Map, Fn)");
    }

    /** Calls {@code visitor} for every intrinsic inside value, outermost first, including nested ones. */
    public static void forEachFn(Object value, Consumer<Fn> visitor) {
        if (value instanceof Fn fn) {
            visitor.accept(fn);
            forEachFn(fn.toCfn(), visitor);
        } else if (value instanceof Map<?, ?> map) {
            for (Object v : map.values()) {
                forEachFn(v, visitor);
            }
        } else if (value instanceof Collection<?> list) {
            for (Object v : list) {
                forEachFn(v, visitor);
            }
        }
    }
}
